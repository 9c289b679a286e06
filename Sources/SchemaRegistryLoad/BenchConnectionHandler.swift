import Histogram
import NIOCore
import SRPWire

/// The wire a bench connection speaks: SRP GetSchemaById, or RESP GET of a same-size value,
/// so both servers are driven by one load loop and compared fairly.
public enum BenchProtocol: String, Sendable {
    case srp
    case resp
}

/// One bench connection: keeps `depth` requests in flight until told to stop, and records
/// each round trip's latency (microseconds) in its own histogram (no sharing, no locks).
/// On SRP the handshake and request ids are ``ClientConnectionStateMachine``'s, as in the
/// Swift client; each request's send time is kept with its id.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let wire: BenchProtocol
    private let depth: Int
    private let request: ByteBuffer
    /// SRP only; the pending entry of a request is its send time (uptime nanoseconds).
    private var machine: ClientConnectionStateMachine<UInt64>
    private var decoder = SRPFrameDecoder(
        expectPreface: false, maxBodyLength: ClientConnectionLimits.beforeHandshake.maxBody)
    private var inbound = ByteBuffer()
    /// RESP only: send times by slot. RESP answers in order, so the slot ring identifies the
    /// request without ids.
    private var sentAt: [UInt64] = []
    private var sent = 0
    private var answered = 0
    private(set) var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    private(set) var completed = 0
    private(set) var errors = 0
    private(set) var bytesIn = 0
    private var stopping = false
    private let doneWhenDrained: EventLoopPromise<Void>

    /// `request` is one request: the GetSchemaById body (SRP) or the whole GET command (RESP).
    init(wire: BenchProtocol, depth: Int, request: ByteBuffer, lz4: Bool, done: EventLoopPromise<Void>) {
        self.wire = wire
        self.depth = depth
        self.request = request
        self.machine = ClientConnectionStateMachine(clientName: "schema-registry bench", offerLZ4: lz4)
        self.doneWhenDrained = done
        self.sentAt = Array(repeating: 0, count: depth)
    }

    private static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    func channelActive(context: ChannelHandlerContext) {
        if wire == .srp {
            context.writeAndFlush(wrapOutboundOut(machine.connected()), promise: nil)
        } else {
            send(depth, context)
        }
    }

    /// Sends `count` requests in one write.
    private func send(_ count: Int, _ context: ChannelHandlerContext) {
        var batch = context.channel.allocator.buffer(capacity: (request.readableBytes + FrameHeader.size) * count)
        let now = Self.now
        for _ in 0..<count {
            sent += 1
            switch wire {
            case .srp:
                do {
                    _ = try machine.startRequest(
                        method: SRPMethod.getSchemaById.rawValue, body: request, entry: now, into: &batch)
                } catch {
                    // Refused (after GOAWAY, or closed): answered at once, as an error.
                    record(ok: false, sentAt: now)
                }
            case .resp:
                sentAt[(sent - 1) % depth] = now
                batch.writeImmutableBuffer(request)
            }
        }
        if batch.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(batch), promise: nil) }
    }

    func stop(_ context: ChannelHandlerContext) {
        stopping = true
        if answered == sent { doneWhenDrained.succeed() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        bytesIn += bytes.readableBytes
        inbound.writeBuffer(&bytes)
        let answeredBefore = answered
        do {
            if wire == .srp {
                try consumeSRP(context)
            } else {
                try consumeRESP()
            }
        } catch {
            errors += 1
            context.close(promise: nil)
            return
        }
        let newlyAnswered = answered - answeredBefore
        guard newlyAnswered > 0 else { return }
        inbound.discardReadBytes()
        if stopping {
            if answered == sent { doneWhenDrained.succeed() }
            return
        }
        send(newlyAnswered, context)
    }

    /// Counts one answer (or a request given up on) and its latency when it succeeded.
    private func record(ok: Bool, sentAt: UInt64) {
        answered += 1
        if ok {
            completed += 1
            _ = histogram.record(max(1, Self.now.subtractingClamped(sentAt) / 1000))
        } else {
            errors += 1
        }
    }

    private func consumeSRP(_ context: ChannelHandlerContext) throws {
        while case .frame(let frame)? = try decoder.decode(buffer: &inbound) {
            switch machine.frameReceived(frame) {
            case .handshakeCompleted:
                decoder.maxBodyLength = machine.maxBodyLength
                send(depth, context)
            case .handshakeRefused(let status, let message):
                throw BenchError.handshakeRefused(status: status, message: message)
            case .response(let sentAt, let status, _):
                record(ok: status == .ok, sentAt: sentAt)
            case .streamed:
                break  // the benchmark opens no streams
            case .pong(let pong):
                context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            case .goAway(_, _, let unprocessed):
                for sentAt in unprocessed { record(ok: false, sentAt: sentAt) }
            case .fail(let message, _):
                throw BenchError.protocolViolation(message)
            case .ignore:
                break
            }
        }
    }

    /// RESP bulk string replies: `$<n>\r\n<n bytes>\r\n`, or `$-1\r\n` for a missing key.
    private func consumeRESP() throws {
        while let lineEnd = inbound.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let headerLength = lineEnd - inbound.readerIndex + 1
            guard let header = inbound.getString(at: inbound.readerIndex, length: headerLength - 2),
                header.first == "$", let size = Int(header.dropFirst())
            else { throw BenchError.unexpectedReply }
            let total = headerLength + (size >= 0 ? size + 2 : 0)
            guard inbound.readableBytes >= total else { break }
            inbound.moveReaderIndex(forwardBy: total)
            record(ok: size >= 0, sentAt: sentAt[answered % depth])
        }
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
    case handshakeRefused(status: StatusCode, message: String)
    case protocolViolation(String)
}
