import NIOCore
import NIOPosix
import NIOSSL
import SRPWire

/// One established SRP connection: handshake done, ready to carry calls from any thread.
final class ClientConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ClientChannelHandler>
    let hello: Srp_HelloResponse

    private init(channel: any Channel, handler: NIOLoopBound<ClientChannelHandler>, hello: Srp_HelloResponse) {
        self.channel = channel
        self.handler = handler
        self.hello = hello
    }

    /// Connects, sends the preface and HELLO, and waits for HELLO_OK.
    static func connect(configuration: ClientConfiguration, group: any EventLoopGroup) async throws -> ClientConnection
    {
        let machine = ClientConnectionStateMachine<ClientChannelHandler.Pending>(
            clientName: configuration.clientName, apiKey: configuration.apiKey, offerLZ4: configuration.compression,
            compressionThreshold: configuration.compressionThreshold)

        let tls = try configuration.tls.map { tls in
            (context: try tls.makeContext(), serverName: tls.sniName(host: configuration.host))
        }
        let eventLoop = group.next()
        let helloPromise = eventLoop.makePromise(of: Srp_HelloResponse.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            // The preface and HELLO wait in the TLS handler until its handshake is done.
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName))
                        }
                        let handler = ClientChannelHandler(
                            machine: machine, helloPromise: helloPromise, tls: tls != nil)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch {
            helloPromise.fail(error)
            throw SchemaRegistryClientError(
                code: .connectionFailed,
                message: "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        // A peer that accepts but never answers HELLO must not hang the caller.
        let handshakeTimeout = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
            helloPromise.fail(
                SchemaRegistryClientError(
                    code: .connectionFailed,
                    message:
                        "no HELLO_OK from \(configuration.host):\(configuration.port) within \(configuration.connectTimeout)"
                ))
        }
        let answer: Srp_HelloResponse
        do {
            answer = try await helloPromise.futureResult.get()
            handshakeTimeout.cancel()
        } catch {
            handshakeTimeout.cancel()
            try? await channel.close()
            throw error
        }
        // The peer may close between its HELLO_OK and this lookup (a caller resumed late on a
        // busy machine): the pipeline is empty then, which is a closed connection to the caller.
        let handler = try await channel.eventLoop.submit {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: ClientChannelHandler.self) else {
                throw SchemaRegistryClientError(
                    code: .connectionClosed,
                    message: "\(configuration.host):\(configuration.port) closed the connection after HELLO_OK")
            }
            return NIOLoopBound(handler, eventLoop: channel.eventLoop)
        }.get()
        return ClientConnection(channel: channel, handler: handler, hello: answer)
    }

    /// Whether new calls may still go on this connection (open, no GOAWAY received).
    var isUsable: Bool {
        get async {
            (try? await channel.eventLoop.submit { self.handler.value.acceptsCalls }.get()) ?? false
        }
    }

    func send(method: SRPMethod, body: ByteBuffer, timeout: Duration?) async throws -> ResponseFrame {
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: ResponseFrame.self)
        let amount = timeout.map(TimeAmount.init)
        if eventLoop.inEventLoop {
            handler.value.send(method: method, plainBody: body, timeout: amount, promise: promise)
        } else {
            eventLoop.execute {
                self.handler.value.send(method: method, plainBody: body, timeout: amount, promise: promise)
            }
        }
        return try await promise.futureResult.get()
    }

    /// Sends a streaming request (Watch): returns its first answer and its request id; the
    /// answers after it go to `sink`.
    func sendStreaming(method: SRPMethod, body: ByteBuffer, sink: StreamSink) async throws -> (
        first: ResponseFrame, requestID: UInt32
    ) {
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: ResponseFrame.self)
        let requestID = try await eventLoop.submit {
            self.handler.value.send(method: method, plainBody: body, timeout: nil, promise: promise, stream: sink)
        }.get()
        let first = try await promise.futureResult.get()
        return (first, requestID ?? 0)
    }

    /// Stops delivering a stream's answers (after its Unwatch, or when nobody reads them).
    func endStream(requestID: UInt32) {
        channel.eventLoop.execute { self.handler.value.endStream(requestID: requestID) }
    }

    func close() async {
        try? await channel.close()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
