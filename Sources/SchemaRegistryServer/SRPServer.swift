import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import SRPWire
import SchemaRegistryCore
import ServiceLifecycle
import Synchronization

/// The SRP server: listens, serves connections, drains on graceful shutdown.
///
/// A swift-service-lifecycle `Service`: run it in a `ServiceGroup` and SIGTERM/SIGINT send
/// every connection GOAWAY, let in-flight requests finish (up to the drain timeout), then stop.
public final class SRPServer: Service, Sendable {
    /// The version reported in HELLO_OK and server info.
    public static let version = "0.1.0"

    public let configuration: ServerConfiguration
    public let service: RegistryService
    /// L1: the one owner of encoded schemas by id.
    public let schemas: SchemaTier
    private let group: any EventLoopGroup
    private let logger: Logger
    private let quiesce: ServerQuiescingHelper
    private let listening: EventLoopPromise<SocketAddress>
    /// Completed once every connection has drained and closed after a shutdown began.
    private let drained: EventLoopPromise<Void>
    private let shutdownStarted = Mutex(false)
    /// Counters of the cache tiers behind L1, for server info.
    let lowerCacheTiers: @Sendable () -> [CacheTierStatistics]
    /// Requests, connections, bytes (through swift-metrics).
    public let metrics = ServerMetrics()
    /// The store's connections, published at scrape time.
    let storePool: StorePoolMeter?
    /// API keys checked at HELLO; nil: no authentication at all.
    public let keyRing: APIKeyRing?
    /// Connections open, globally and per source address.
    public let connectionLimiter: ConnectionLimiter
    /// The server-wide in-flight budget (adaptive).
    public let overload: OverloadGuard
    /// The server-wide budget of answer bytes reserved by running requests.
    public let answers: GlobalAnswerBudget
    /// The server-wide budget of decompressed request bodies held by running requests.
    public let decompression: DecompressionBudget
    /// The handlers behind every method, shared with the REST API.
    let dispatcher: RequestDispatcher
    /// Completed once warm-up is done and the API keys loaded: the REST port opens then too.
    let started: EventLoopPromise<Void>
    /// Feeds watches from the store's change log; nil when the store keeps none.
    let hub: ChangeHub?

    /// - Parameter lowerCacheTiers: counters of the caches behind L1 (Redis), if any.
    public init(
        configuration: ServerConfiguration, service: RegistryService, schemas: SchemaTier,
        group: any EventLoopGroup, logger: Logger,
        lowerCacheTiers: @escaping @Sendable () -> [CacheTierStatistics] = { [] },
        keyRing: APIKeyRing? = nil, storePool: StorePoolMeter? = nil, changeLog: (any ChangeLog)? = nil
    ) {
        self.hub = changeLog.flatMap { log in
            guard configuration.watch else { return nil }
            return ChangeHub(
                log: log,
                configuration: .init(
                    replayChanges: configuration.watchReplayChanges,
                    logRetention: UInt64(max(configuration.watchLogRetention, 1)),
                    pollInterval: configuration.watchPollInterval),
                logger: logger)
        }
        self.storePool = storePool
        self.lowerCacheTiers = lowerCacheTiers
        self.keyRing = keyRing
        self.connectionLimiter = ConnectionLimiter(
            maxConnections: configuration.maxConnections, maxPerAddress: configuration.maxConnectionsPerAddress)
        self.overload = OverloadGuard(
            limit: AdaptiveConcurrencyLimit(
                maximum: configuration.maxInFlightGlobal, latencyTarget: configuration.overloadLatencyTarget))
        self.answers = GlobalAnswerBudget(capacityBytes: configuration.answerBudgetBytesGlobal)
        self.decompression = DecompressionBudget(capacityBytes: configuration.maxDecompressedBytesInFlight)
        self.configuration = configuration
        self.service = service
        self.schemas = schemas
        self.group = group
        self.logger = logger
        self.quiesce = ServerQuiescingHelper(group: group)
        self.listening = group.next().makePromise(of: SocketAddress.self)
        self.drained = group.next().makePromise(of: Void.self)
        self.started = group.next().makePromise(of: Void.self)
        self.dispatcher = RequestDispatcher(
            service: service, schemas: schemas,
            info: .init(
                serverID: configuration.serverID, version: Self.version, startedAt: .now,
                lowerCacheTiers: lowerCacheTiers),
            metrics: metrics, logger: logger, keys: keyRing)
    }

    /// The address the server listens on, once bound (port 0 resolves to the real port).
    public var localAddress: SocketAddress {
        get async throws { try await listening.futureResult.get() }
    }

    public func run() async throws {
        // Bad TLS files fail the start, before anything else, naming the file.
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try configuration.tls.makeContext()
        } catch {
            listening.fail(error)
            started.fail(error)
            throw error
        }
        await schemas.warmUp(limit: configuration.warmupSchemas, logger: logger)
        if let keyRing {
            do {
                try await keyRing.refresh()
            } catch {
                logger.warning(
                    "loading API keys failed; refusing handshakes until they load", metadata: ["error": "\(error)"])
            }
        }
        // Unstructured but owned: cancelled when run() returns.
        let refresher = keyRing.map { ring in Task { await ring.refreshPeriodically() } }
        defer { refresher?.cancel() }
        let hubReader = hub.map { hub in Task { await hub.run() } }
        defer { hubReader?.cancel() }
        // Listening only once the change log has been read, so a Watch on a just-started server
        // is answered, not refused UNAVAILABLE; a store that cannot be read holds this back a
        // bounded time (watches are then refused until it can).
        if let hub, !(await hub.waitUntilReady(timeout: .seconds(10))) {
            logger.warning("the change log is not readable yet: Watch answers UNAVAILABLE until it is")
        }
        if keyRing?.mode == .disabled {
            logger.warning("authentication disabled (--insecure-no-auth): every client may do everything")
        } else if keyRing?.isRequired == false {
            logger.warning(
                "no API keys exist: every client may do everything; create one with `schema-registry keys create`")
        }
        let shared = SRPConnectionHandler.Shared(
            configuration: configuration,
            dispatcher: dispatcher,
            schemas: schemas, logger: logger, metrics: metrics, keyRing: keyRing, overload: overload,
            answers: answers, decompression: decompression, hub: hub, flushers: EndOfTickFlushers(group: group))
        let idle = TimeAmount(configuration.idleTimeout)
        let limiter = connectionLimiter
        let linger = configuration.linger
        let (metrics, logger) = (self.metrics, self.logger)
        let tls = tlsContext.map { context in
            (
                context,
                TLSHandshakeGuard.Shared(
                    timeout: TimeAmount(configuration.handshakeTimeout), metrics: metrics, logger: logger)
            )
        }
        let quiesce = self.quiesce
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
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let address = channel.remoteAddress?.ipAddress ?? "unknown"
                        let refusal = limiter.admit(address)
                        // First, before TLS: every close below becomes a lingering one. A refused
                        // connection lingers briefly (enough to drain the HELLO it sent) so that a
                        // flood of them cannot pile up descriptors.
                        try channel.pipeline.syncOperations.addHandler(
                            LingeringCloseHandler(limits: refusal == nil ? linger : linger.forRefusedConnection))
                        if let (context, guardShared) = tls {
                            // TLS first; the handshake timeout covers the TLS handshake too.
                            try channel.pipeline.syncOperations.addHandlers(
                                PlaintextSRPDetector(), NIOSSLServerHandler(context: context),
                                TLSHandshakeGuard(shared: guardShared))
                        }
                        if let refusal {
                            metrics.connectionsRefused.increment()
                            logger.notice(
                                "connection refused", metadata: ["peer": "\(address)", "reason": "\(refusal)"])
                            // After TLS (when on): the GOAWAY is written once the TLS handshake is done.
                            try channel.pipeline.syncOperations.addHandler(RefusedConnectionHandler(reason: refusal))
                            return
                        }
                        channel.closeFuture.whenComplete { _ in limiter.release(address) }
                        try channel.pipeline.syncOperations.addHandlers(
                            IdleStateHandler(readTimeout: idle), SRPConnectionHandler(shared: shared))
                    }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            let failure = PortUnavailable(
                setting: "port", host: configuration.host, port: configuration.port, underlying: error)
            listening.fail(failure)
            started.fail(failure)
            // Nobody will wait for a drain; a promise never completed traps in debug builds.
            drained.fail(failure)
            throw failure
        }
        let address = channel.localAddress!
        listening.succeed(address)
        logger.info(
            "schema-registry listening",
            metadata: [
                "address": "\(address)", "store": "\(service.store.kind)", "server_id": "\(configuration.serverID)",
                "tls": "\(tls == nil ? "off" : configuration.tls.clientCAPath == nil ? "on" : "mTLS")",
            ])
        // After the line scripts look for: the REST port's line comes second.
        started.succeed(())
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
            // The listener closes first; connections may still be draining.
            if shutdownStarted.withLock({ $0 }) { try await drained.futureResult.get() }
        } onGracefulShutdown: {
            self.shutdown()
        }
        logger.info("schema-registry stopped")
    }

    /// Stops accepting, sends every connection GOAWAY and lets in-flight requests finish;
    /// `run()` returns once all connections closed. Safe to call more than once.
    public func shutdown() {
        let first = shutdownStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        logger.info("graceful shutdown: sending GOAWAY and draining")
        quiesce.initiateShutdown(promise: drained)
    }
}
