import Histogram
import NIOCore
import SRPWire

/// The wire a bench connection speaks: SRP GetSchemaById, or RESP GET of a same-size value,
/// so both servers are driven by one load loop and compared fairly.
enum BenchProtocol: String, Sendable {
    case srp
    case resp
}

/// One bench connection: keeps `depth` requests in flight until told to stop, and records
/// each round trip's latency (microseconds) in its own histogram (no sharing, no locks).
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let wire: BenchProtocol
    private let depth: Int
    private let request: ByteBuffer
    private let lz4: Bool
    private var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 64 * 1024 * 1024)
    private var inbound = ByteBuffer()
    private var sentAt: [UInt64] = []
    private var nextSlot = 0
    private var receivedSlot = 0
    private(set) var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    private(set) var completed = 0
    private(set) var errors = 0
    private(set) var bytesIn = 0
    private var stopping = false
    private var handshakeDone = false
    private let doneWhenDrained: EventLoopPromise<Void>

    /// `request` is one encoded request (SRP frame or RESP command).
    init(wire: BenchProtocol, depth: Int, request: ByteBuffer, lz4: Bool, done: EventLoopPromise<Void>) {
        self.wire = wire
        self.depth = depth
        self.request = request
        self.lz4 = lz4
        self.doneWhenDrained = done
        self.sentAt = Array(repeating: 0, count: depth)
    }

    private static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    func channelActive(context: ChannelHandlerContext) {
        if wire == .srp {
            var hello = ByteBuffer(bytes: SRPPreface.bytes)
            let body = Srp_HelloRequest.with {
                $0.protocolVersions = [1]
                $0.clientName = "schema-registry bench"
                $0.compressions = lz4 ? [.lz4] : []
            }
            hello.writeFrame(
                kind: .request, code: SRPMethod.hello.rawValue, requestID: 0,
                body: ByteBuffer(bytes: (try? body.serializedBytes() as [UInt8]) ?? []))
            context.writeAndFlush(wrapOutboundOut(hello), promise: nil)
        } else {
            startSending(context)
        }
    }

    private func startSending(_ context: ChannelHandlerContext) {
        handshakeDone = true
        var batch = context.channel.allocator.buffer(capacity: request.readableBytes * depth)
        for _ in 0..<depth {
            sentAt[nextSlot % depth] = Self.now
            nextSlot += 1
            batch.writeImmutableBuffer(request)
        }
        context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
    }

    func stop(_ context: ChannelHandlerContext) {
        stopping = true
        if receivedSlot == nextSlot { doneWhenDrained.succeed() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        bytesIn += bytes.readableBytes
        inbound.writeBuffer(&bytes)
        var answered = 0
        do {
            answered = wire == .srp ? try consumeSRP(context) : try consumeRESP()
        } catch {
            errors += 1
            context.close(promise: nil)
            return
        }
        guard answered > 0 else { return }
        inbound.discardReadBytes()
        if stopping {
            if receivedSlot == nextSlot { doneWhenDrained.succeed() }
            return
        }
        var batch = context.channel.allocator.buffer(capacity: request.readableBytes * answered)
        let now = Self.now
        for _ in 0..<answered {
            sentAt[nextSlot % depth] = now
            nextSlot += 1
            batch.writeImmutableBuffer(request)
        }
        context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
    }

    /// Records a response; answers come back in order on both wires for a single method,
    /// so the slot ring identifies the request without a map.
    private func record(ok: Bool) {
        let elapsed = Self.now - sentAt[receivedSlot % depth]
        receivedSlot += 1
        if ok {
            completed += 1
            _ = histogram.record(max(1, elapsed / 1000))
        } else {
            errors += 1
        }
    }

    private func consumeSRP(_ context: ChannelHandlerContext) throws -> Int {
        var answered = 0
        while case .frame(let frame)? = try decoder.decode(buffer: &inbound) {
            guard handshakeDone else {
                startSending(context)
                continue
            }
            record(ok: frame.header.kind == .response && frame.header.code == 0)
            answered += 1
        }
        return answered
    }

    /// RESP bulk string replies: `$<n>\r\n<n bytes>\r\n`, or `$-1\r\n` for a missing key.
    private func consumeRESP() throws -> Int {
        var answered = 0
        while let lineEnd = inbound.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let headerLength = lineEnd - inbound.readerIndex + 1
            guard let header = inbound.getString(at: inbound.readerIndex, length: headerLength - 2),
                header.first == "$", let size = Int(header.dropFirst())
            else { throw BenchError.unexpectedReply }
            let total = headerLength + (size >= 0 ? size + 2 : 0)
            guard inbound.readableBytes >= total else { break }
            inbound.moveReaderIndex(forwardBy: total)
            record(ok: size >= 0)
            answered += 1
        }
        return answered
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        errors += 1
        doneWhenDrained.succeed()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        doneWhenDrained.succeed()
    }
}

enum BenchError: Error {
    case unexpectedReply
}
