import NIOCore
import NIOSSL
import SRPWire
import SwiftProtobuf

/// A decoded response: status and plain body.
struct ResponseFrame: Sendable {
    var status: StatusCode
    var body: ByteBuffer
}

/// The client end of one SRP connection: writes the preface and HELLO, multiplexes calls by
/// request id, matches responses (in any order) and fails what is pending when the
/// connection ends. Lives on its channel's event loop; ``ClientConnection`` hops there.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<ResponseFrame>
        var timeout: Scheduled<Void>?
    }

    /// 16 KiB until HELLO_OK says how large frames may be.
    private var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 16 * 1024)
    private var inbound: ByteBuffer?
    private var output: ByteBuffer
    private var flushScheduled = false
    private var pending: [UInt32: Pending] = [:]
    private var nextRequestID: UInt32 = 1
    private var context: ChannelHandlerContext?
    private let hello: Srp_HelloRequest
    private let helloPromise: EventLoopPromise<Srp_HelloResponse>
    private var handshakeFinished = false
    private var compression = CompressionPolicy.none
    /// The server honours the DEADLINE flag: calls with a timeout tell it how long they wait.
    private var deadlinesSupported = false
    private var maxBody = 4 * 1024 * 1024
    /// After GOAWAY: requests above this id will not be processed.
    private(set) var goAwayLastRequestID: UInt32?
    private(set) var isOpen = true

    /// Whether a TLS handler sits before this one (for clearer errors).
    private let tls: Bool

    init(hello: Srp_HelloRequest, helloPromise: EventLoopPromise<Srp_HelloResponse>, tls: Bool = false) {
        self.hello = hello
        self.helloPromise = helloPromise
        self.tls = tls
        self.output = ByteBufferAllocator().buffer(capacity: 4096)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeBytes(SRPPreface.bytes)
        let body = try! ByteBuffer(bytes: hello.serializedBytes() as [UInt8])
        buffer.writeFrame(kind: .request, code: SRPMethod.hello.rawValue, requestID: 0, body: body)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    // MARK: Calls

    /// Whether new calls may use this connection.
    var acceptsCalls: Bool { isOpen && goAwayLastRequestID == nil }

    /// Sends a request; `plainBody` is the serialized protobuf message.
    func send(method: SRPMethod, plainBody: ByteBuffer, timeout: TimeAmount?, promise: EventLoopPromise<ResponseFrame>)
    {
        guard let context, acceptsCalls else {
            promise.fail(SchemaRegistryClientError(code: .connectionClosed, message: "connection is closed"))
            return
        }
        guard plainBody.readableBytes <= maxBody else {
            // Sent, it would cost the whole connection (the server answers an oversized frame with
            // GOAWAY, and a body declaring more than the limit with BAD_COMPRESSION); refused here
            // it is one call's clear error.
            promise.fail(
                SchemaRegistryClientError(
                    code: .requestTooLarge,
                    message:
                        "request of \(plainBody.readableBytes) bytes exceeds the server's limit of \(maxBody) bytes per frame"
                ))
            return
        }
        let requestID = nextRequestID
        nextRequestID = nextRequestID == UInt32.max ? 1 : nextRequestID + 1
        var entry = Pending(promise: promise, timeout: nil)
        if let timeout {
            entry.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                self?.expire(requestID: requestID, after: timeout)
            }
        }
        pending[requestID] = entry
        if let timeout, deadlinesSupported {
            // The server answers DEADLINE_EXCEEDED itself when the budget runs out there.
            let milliseconds = UInt32(clamping: max(1, timeout.nanoseconds / 1_000_000))
            output.writeRequest(
                method: method.rawValue, requestID: requestID, body: plainBody, deadlineMilliseconds: milliseconds,
                compression: compression)
        } else {
            output.writeFrame(
                kind: .request, code: method.rawValue, requestID: requestID, body: plainBody, compression: compression)
        }
        scheduleFlush(context)
    }

    private func expire(requestID: UInt32, after timeout: TimeAmount) {
        guard let entry = pending.removeValue(forKey: requestID) else { return }
        entry.promise.fail(
            SchemaRegistryClientError(
                code: .deadlineExceeded, message: "no answer within \(timeout.nanoseconds / 1_000_000) ms"))
    }

    /// Coalesces the writes of one event-loop tick into one flush.
    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushScheduled = false
            guard let context = self.context, output.readableBytes > 0 else { return }
            let chunk = output
            output = context.channel.allocator.buffer(capacity: 4096)
            context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if inbound == nil {
            inbound = bytes
        } else {
            inbound!.writeBuffer(&bytes)
        }
        do {
            while let decoded = try decoder.decode(buffer: &inbound!) {
                guard case .frame(let frame) = decoded else { continue }
                try handle(frame, context: context)
            }
        } catch {
            fail(all: SchemaRegistryClientError(code: .badResponse, message: "\(error)"))
            context.close(promise: nil)
            return
        }
        if inbound!.readableBytes == 0 {
            inbound = nil
        } else {
            inbound!.discardReadBytes()
        }
    }

    private func handle(_ frame: Frame, context: ChannelHandlerContext) throws {
        switch frame.header.kind {
        case .response:
            let body = try frame.decodedBody(
                maxSize: maxBody, lz4Allowed: compression.lz4, allocator: context.channel.allocator)
            let status = StatusCode(rawValue: frame.header.code)
            if frame.header.requestID == 0 {
                try completeHandshake(status: status, body: body)
            } else if let entry = pending.removeValue(forKey: frame.header.requestID) {
                entry.timeout?.cancel()
                entry.promise.succeed(ResponseFrame(status: status, body: body))
            }
        case .ping:
            var pong = context.channel.allocator.buffer(capacity: FrameHeader.size + frame.body.readableBytes)
            pong.writeFrame(kind: .pong, flags: [], code: 0, requestID: frame.header.requestID, encodedBody: frame.body)
            output.writeImmutableBuffer(pong)
            scheduleFlush(context)
        case .goAway:
            let reason = (try? Srp_ErrorBody(serializedBytes: Array(frame.body.readableBytesView)))?.message ?? ""
            goAwayAndFail(
                lastRequestID: frame.header.requestID, status: StatusCode(rawValue: frame.header.code), reason)
        case .pong:
            break
        case .request:
            throw SchemaRegistryClientError(code: .badResponse, message: "the server sent a REQUEST frame")
        }
    }

    private func completeHandshake(status: StatusCode, body: ByteBuffer) throws {
        guard !handshakeFinished else { return }
        handshakeFinished = true
        guard status == .ok else {
            let error = Srp_ErrorBody.from(body)
            helloPromise.fail(
                SchemaRegistryClientError(code: .server(status), message: error?.message ?? "handshake refused"))
            return
        }
        let answer = try Srp_HelloResponse(serializedBytes: Array(body.readableBytesView))
        maxBody = Int(answer.maxFrameSize)
        decoder.maxBodyLength = maxBody
        deadlinesSupported = answer.requestDeadlines
        helloPromise.succeed(answer)
    }

    /// Enables LZ4 for requests after the handshake chose it.
    func enableCompression(_ policy: CompressionPolicy) {
        compression = policy
    }

    private func goAwayAndFail(lastRequestID: UInt32, status: StatusCode, _ reason: String) {
        goAwayLastRequestID = lastRequestID
        let unprocessed = pending.keys.filter { $0 > lastRequestID }
        for id in unprocessed {
            let entry = pending.removeValue(forKey: id)!
            entry.timeout?.cancel()
            entry.promise.fail(
                SchemaRegistryClientError(code: .server(.shuttingDown), message: "server going away: \(reason)"))
        }
        failHandshake(SchemaRegistryClientError(code: .server(status), message: reason))
    }

    private func failHandshake(_ error: SchemaRegistryClientError) {
        guard !handshakeFinished else { return }
        handshakeFinished = true
        helloPromise.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        fail(all: SchemaRegistryClientError(code: .connectionClosed, message: "connection closed by the server"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        var message = "connection failed: \(error)"
        if tls, error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            message = ClientTLSConfiguration.describe(error, handshakeFinished: handshakeFinished)
        }
        fail(all: SchemaRegistryClientError(code: .connectionClosed, message: message))
        context.close(promise: nil)
    }

    private func fail(all error: SchemaRegistryClientError) {
        let entries = pending
        pending.removeAll()
        for entry in entries.values {
            entry.timeout?.cancel()
            entry.promise.fail(error)
        }
        failHandshake(error)
    }
}

extension Srp_ErrorBody {
    static func from(_ body: ByteBuffer) -> Srp_ErrorBody? {
        try? Srp_ErrorBody(serializedBytes: Array(body.readableBytesView))
    }
}
