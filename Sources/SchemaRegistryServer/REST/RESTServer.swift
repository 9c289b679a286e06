import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Confluent's REST API on its own port (`rest-port`, 8081 by default, as Confluent's), served
/// by the same process, ``RegistryService``, L1, stores, API keys and limits as SRP.
///
/// Why NIOHTTP1 directly rather than Hummingbird: the server already runs NIO and NIOHTTP1 (the
/// metrics port); the REST API needs none of a framework's routing or middleware (about 40
/// fixed routes, matched by a pure function), but it does need control a framework hides: the
/// cached `GET /schemas/ids/{id}` answered on the event loop from L1's pre-encoded JSON without
/// a task, 413 before an oversized body is read, timeouts on raw bytes against slowloris, the
/// connection limiter and lingering close shared with SRP. A framework would add a dependency
/// tree and a build for less than it takes away.
public final class RESTServer: Service, Sendable {
    private let srp: SRPServer
    private let port: Int
    private let openAPIDocument: [UInt8]
    private let logger: Logger
    private let group: any EventLoopGroup
    private let listening: EventLoopPromise<SocketAddress>
    let metrics = RESTMetrics()

    /// - Parameters:
    ///   - srp: the SRP server whose service, caches, keys and limits are shared; the REST port
    ///     opens once it listens (warm-up done, API keys loaded).
    ///   - openAPIDocument: served at `/openapi.json`.
    public init(srp: SRPServer, port: Int, openAPIDocument: [UInt8], group: any EventLoopGroup, logger: Logger) {
        self.srp = srp
        self.port = port
        self.openAPIDocument = openAPIDocument
        self.group = group
        self.logger = logger
        self.listening = group.next().makePromise(of: SocketAddress.self)
    }

    /// The bound address (port 0 resolves to the real port).
    public var localAddress: SocketAddress {
        get async throws { try await listening.futureResult.get() }
    }

    public func run() async throws {
        do {
            try await srp.started.futureResult.get()
        } catch {
            listening.fail(error)
            return
        }
        let configuration = srp.configuration
        let shared = RESTConnectionHandler.Shared(
            api: RESTAPI(dispatcher: srp.dispatcher, openAPIDocument: ByteBuffer(bytes: openAPIDocument)),
            schemas: srp.schemas, keyRing: srp.keyRing, overload: srp.overload, metrics: metrics,
            maxBodyBytes: configuration.restMaxBodyBytes, tokenRate: configuration.connection.tokenRate,
            tokenBurst: configuration.connection.tokenBurst, logger: logger)
        let tls: NIOSSLContext?
        do {
            tls = try configuration.tls.makeContext()
        } catch {
            listening.fail(error)
            throw error
        }
        let (limiter, linger) = (srp.connectionLimiter, configuration.linger)
        let idle = TimeAmount(configuration.restIdleTimeout)
        let requestTimeout = TimeAmount(configuration.frameTimeout)
        let logger = self.logger
        // On shutdown NIO's HTTP pipeline finishes the request in progress on each connection
        // and closes it; idle keep-alive connections close at once.
        let quiesce = ServerQuiescingHelper(group: group)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            quiesce.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let address = channel.remoteAddress?.ipAddress ?? "unknown"
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(LingeringCloseHandler(limits: linger))
                        if let refusal = limiter.admit(address) {
                            logger.notice(
                                "REST connection refused", metadata: ["peer": "\(address)", "reason": "\(refusal)"])
                            channel.close(promise: nil)
                            return
                        }
                        channel.closeFuture.whenComplete { _ in limiter.release(address) }
                        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                        let clock = RESTRequestClock(idle: idle, request: requestTimeout)
                        try pipeline.addHandler(clock)
                        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                        try pipeline.addHandler(RESTConnectionHandler(shared: shared, clock: clock))
                    }
                }
                .bind(host: configuration.host, port: port).get()
        } catch {
            let failure = PortUnavailable(setting: "rest-port", host: configuration.host, port: port, underlying: error)
            listening.fail(failure)
            logger.error("\(failure)")
            throw failure
        }
        let address = channel.localAddress!
        listening.succeed(address)
        logger.info(
            "REST API listening",
            metadata: ["address": "\(address)", "tls": "\(tls == nil ? "off" : "on")"])
        let drained = group.next().makePromise(of: Void.self)
        let shutdownStarted = Mutex(false)
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            shutdownStarted.withLock { $0 = true }
            quiesce.initiateShutdown(promise: drained)
        }
        guard shutdownStarted.withLock({ $0 }) else {
            drained.succeed(())  // the listener closed on its own: nothing to drain
            return
        }
        // Bounded without a timer of its own: idle connections close at once, a request in
        // progress closes its connection once answered, and a stalled one is closed by the
        // request clock (frame-timeout-ms).
        try? await drained.futureResult.get()
        logger.info("REST API stopped")
    }
}
