import NIOCore
import NIOSSL
import SRPWire
import SwiftProtobuf

/// A decoded response: status and plain body.
struct ResponseFrame: Sendable {
    var status: StatusCode
    var body: ByteBuffer
}

/// Where a streaming call's later answers go: called on the connection's event loop, so a
/// watch's events are decoded and handed on there, without another task in between.
struct StreamSink: Sendable {
    /// An answer with status OK.
    let yield: @Sendable (ResponseFrame) -> Void
    /// The stream ended: nil when the client ended it, else why.
    let finish: @Sendable ((any Error)?) -> Void
}

/// The client end of one SRP connection: runs what ``ClientConnectionStateMachine`` decides
/// (preface and HELLO, limits from HELLO_OK, request ids, GOAWAY, PING), keeps each call's
/// promise and timer, and fails what is pending when the connection ends. Lives on its
/// channel's event loop; ``ClientConnection`` hops there.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Pending {
        var promise: EventLoopPromise<ResponseFrame>
        var timeout: Scheduled<Void>?
        /// A streaming call (Watch): its first answer completes `promise`, later ones go here.
        var stream: StreamSink? = nil
        /// The first answer came: ending the connection finishes `stream` (the promise is done).
        var streaming = false
    }

    private var machine: ClientConnectionStateMachine<Pending>
    private var decoder = SRPFrameDecoder(
        expectPreface: false, maxBodyLength: ClientConnectionLimits.beforeHandshake.maxBody)
    private var inbound: ByteBuffer?
    private var output: ByteBuffer
    private var flushScheduled = false
    private var context: ChannelHandlerContext?
    private let helloPromise: EventLoopPromise<Srp_HelloResponse>

    /// Whether a TLS handler sits before this one (for clearer errors).
    private let tls: Bool

    init(
        machine: ClientConnectionStateMachine<Pending>, helloPromise: EventLoopPromise<Srp_HelloResponse>,
        tls: Bool = false
    ) {
        self.machine = machine
        self.helloPromise = helloPromise
        self.tls = tls
        self.output = ByteBufferAllocator().buffer(capacity: 4096)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(machine.connected()), promise: nil)
        context.fireChannelActive()
    }

    // MARK: Calls

    /// Whether new calls may use this connection (handshake done, no GOAWAY, not closed).
    var acceptsCalls: Bool { machine.acceptsRequests }

    /// Sends a request; `plainBody` is the serialized protobuf message. With `stream`, answers after
    /// the first (an OK one) go to it until one with another status, or the end of the connection.
    /// - Returns: the request id, nil when the request was not sent (`promise` failed).
    @discardableResult
    func send(
        method: SRPMethod, plainBody: ByteBuffer, timeout: TimeAmount?, promise: EventLoopPromise<ResponseFrame>,
        stream: StreamSink? = nil
    ) -> UInt32? {
        guard let context else {
            promise.fail(SchemaRegistryClientError(code: .connectionClosed, message: "connection is closed"))
            return nil
        }
        // The server answers DEADLINE_EXCEEDED itself when the budget runs out there.
        let deadline = timeout.map { UInt32(clamping: max(1, $0.nanoseconds / 1_000_000)) }
        let requestID: UInt32
        do {
            requestID = try machine.startRequest(
                method: method.rawValue, body: plainBody, deadlineMilliseconds: deadline,
                entry: Pending(promise: promise, timeout: nil, stream: stream), into: &output)
        } catch {
            promise.fail(Self.clientError(for: error))
            return nil
        }
        if let timeout {
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] () -> Void in
                self?.expire(requestID: requestID, after: timeout)
            }
            machine.updatePending(requestID: requestID) { $0.timeout = timer }
        }
        scheduleFlush(context)
        return requestID
    }

    /// The client is done with a stream: later answers under its id are dropped.
    func endStream(requestID: UInt32) {
        machine.endStream(requestID: requestID)?.stream?.finish(nil)
    }

    private static func clientError(
        for refusal: ClientRequestRefusal
    ) -> SchemaRegistryClientError {
        switch refusal {
        case .tooLarge(let size, let limit):
            SchemaRegistryClientError(
                code: .requestTooLarge,
                message: "request of \(size) bytes exceeds the server's limit of \(limit) bytes per frame")
        case .handshakeNotFinished, .closed, .goneAway:
            SchemaRegistryClientError(code: .connectionClosed, message: "connection is closed")
        }
    }

    private func expire(requestID: UInt32, after timeout: TimeAmount) {
        guard let entry = machine.abandon(requestID: requestID) else { return }
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
            fail(machine.closed(), with: SchemaRegistryClientError(code: .badResponse, message: "\(error)"))
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
        switch machine.frameReceived(frame) {
        case .handshakeCompleted(let answer):
            decoder.maxBodyLength = machine.maxBodyLength
            helloPromise.succeed(answer)
        case .handshakeRefused(let status, let message):
            helloPromise.fail(SchemaRegistryClientError(code: .server(status), message: message))
        case .response(let entry, let status, let frame):
            entry.timeout?.cancel()
            let body: ByteBuffer
            do {
                body = try machine.decodedBody(of: frame, allocator: context.channel.allocator)
            } catch {
                // The stream can no longer be trusted: this call fails with all the others.
                entry.promise.fail(SchemaRegistryClientError(code: .badResponse, message: "\(error)"))
                throw error
            }
            if status == .ok, entry.stream != nil {
                var streaming = entry
                streaming.timeout = nil
                streaming.streaming = true
                machine.continueStream(requestID: frame.header.requestID, streaming)
            } else {
                entry.stream?.finish(nil)
            }
            entry.promise.succeed(ResponseFrame(status: status, body: body))
        case .streamed(let entry, let status, let frame):
            let body: ByteBuffer
            do {
                body = try machine.decodedBody(of: frame, allocator: context.channel.allocator)
            } catch {
                entry.stream?.finish(SchemaRegistryClientError(code: .badResponse, message: "\(error)"))
                throw error
            }
            if status == .ok {
                entry.stream?.yield(ResponseFrame(status: status, body: body))
            } else {
                entry.stream?.finish(SchemaRegistryClient.error(status: status, body: body))
            }
        case .pong(let pong):
            output.writeImmutableBuffer(pong)
            scheduleFlush(context)
        case .goAway(_, let reason, let unprocessed):
            for entry in unprocessed {
                entry.timeout?.cancel()
                entry.promise.fail(
                    SchemaRegistryClientError(code: .server(.shuttingDown), message: "server going away: \(reason)"))
            }
        case .fail(let message, let ending):
            fail(ending, with: SchemaRegistryClientError(code: .badResponse, message: message))
            context.close(promise: nil)
        case .ignore:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(
            machine.closed(),
            with: SchemaRegistryClientError(code: .connectionClosed, message: "connection closed by the server"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        var message = "connection failed: \(error)"
        if tls, error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            message = ClientTLSConfiguration.describe(error, handshakeFinished: machine.isHandshakeFinished)
        }
        fail(machine.closed(), with: SchemaRegistryClientError(code: .connectionClosed, message: message))
        context.close(promise: nil)
    }

    /// Fails every call the connection's end left unanswered, and the handshake if it was pending.
    private func fail(_ ending: ClientConnectionStateMachine<Pending>.Ending, with error: SchemaRegistryClientError) {
        for entry in ending.unanswered {
            entry.timeout?.cancel()
            if entry.streaming {
                entry.stream?.finish(error)
            } else {
                entry.promise.fail(error)
                entry.stream?.finish(error)
            }
        }
        if ending.handshakeWasPending { helloPromise.fail(error) }
    }
}

extension Srp_ErrorBody {
    static func from(_ body: ByteBuffer) -> Srp_ErrorBody? {
        try? Srp_ErrorBody(serializedBytes: Array(body.readableBytesView))
    }
}
