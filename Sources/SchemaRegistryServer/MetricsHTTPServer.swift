import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The operators' port: Prometheus exposition and health checks over HTTP/1.1, apart from the
/// SRP port so that scrapers and load balancers need not speak SRP.
///
/// | path | answer |
/// |---|---|
/// | `GET /metrics` | 200, Prometheus text format (everything in ``ServerMetrics`` and the scrape-time gauges) |
/// | `GET /healthz` | 200 `ok` while the process serves |
/// | `GET /readyz` | 200 `ready` once warm-up is done and the store answers; 503 with the reason otherwise |
///
/// A port that cannot be bound fails the start (``PortUnavailable``), like the SRP port:
/// a registry serving without `/metrics` and `/readyz` looks dead to its load balancer and its
/// alerts while it runs. (`metrics-port = off` is how to run without them.)
public final class MetricsHTTPServer: Service, Sendable {
    /// Whether the registry can take traffic, and if not, why.
    public typealias ReadinessCheck = @Sendable () async -> (ready: Bool, reason: String)

    private let host: String
    private let port: Int
    private let registry: PrometheusCollectorRegistry
    private let collect: @Sendable () -> Void
    private let readiness: ReadinessCheck
    private let group: any EventLoopGroup
    private let logger: Logger
    private let listening: EventLoopPromise<SocketAddress>
    private let linger: LingerLimits

    /// - Parameters:
    ///   - registry: what `/metrics` emits (the registry behind the bootstrapped metrics factory).
    ///   - collect: sets the gauges read at scrape time (cache tiers, warm-up), run before each emit.
    ///   - linger: how a connection the server closes (`connection: close`, a malformed request
    ///     answered 400) drains input first, so the peer reads the answer rather than a reset.
    public init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, group: any EventLoopGroup, logger: Logger,
        collect: @escaping @Sendable () -> Void, readiness: @escaping ReadinessCheck, linger: LingerLimits = .init()
    ) {
        self.linger = linger
        self.host = host
        self.port = port
        self.registry = registry
        self.collect = collect
        self.readiness = readiness
        self.group = group
        self.logger = logger
        self.listening = group.next().makePromise(of: SocketAddress.self)
    }

    /// The bound address (port 0 resolves to the real port).
    public var localAddress: SocketAddress {
        get async throws { try await listening.futureResult.get() }
    }

    public func run() async throws {
        let endpoints = Endpoints(registry: registry, collect: collect, readiness: readiness)
        let linger = self.linger
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    // A scraper that connects and says nothing (or keeps an idle keep-alive
                    // connection) is closed after 30 s rather than holding a descriptor forever.
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandlers(
                            LingeringCloseHandler(limits: linger), IdleStateHandler(allTimeout: .seconds(30)),
                            CloseOnIdleHandler())
                        try pipeline.configureHTTPServerPipeline()
                        try pipeline.addHandler(MetricsHTTPHandler(endpoints: endpoints))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            let failure = PortUnavailable(setting: "metrics-port", host: host, port: port, underlying: error)
            listening.fail(failure)
            logger.error("\(failure)")
            throw failure
        }
        listening.succeed(channel.localAddress!)
        // Not "listening": scripts find the SRP port by that word in the log.
        logger.info("metrics endpoint bound", metadata: ["address": "\(channel.localAddress!)"])
        // Cancellation too: when the SRP port cannot be bound, the service group cancels this
        // service, and waiting for a graceful shutdown that never comes hung the process.
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// What each path answers.
struct Endpoints: Sendable {
    let registry: PrometheusCollectorRegistry
    let collect: @Sendable () -> Void
    let readiness: MetricsHTTPServer.ReadinessCheck

    func respond(to head: HTTPRequestHead) async -> (HTTPResponseStatus, String, [UInt8]) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard head.method == .GET else { return (.methodNotAllowed, "text/plain", Array("GET only\n".utf8)) }
        switch path {
        case "/metrics":
            collect()
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
        case "/healthz":
            return (.ok, "text/plain", Array("ok\n".utf8))
        case "/readyz":
            let (ready, reason) = await readiness()
            return (ready ? .ok : .serviceUnavailable, "text/plain", Array("\(reason)\n".utf8))
        default:
            return (.notFound, "text/plain", Array("not found: \(path) (try /metrics, /healthz, /readyz)\n".utf8))
        }
    }
}

/// One request at a time per connection (scrapers and probes do not pipeline).
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoints: Endpoints
    private var head: HTTPRequestHead?

    init(endpoints: Endpoints) {
        self.endpoints = endpoints
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let endpoints = self.endpoints
            let keepAlive = head.isKeepAlive
            let answer = context.eventLoop.makeFutureWithTask { await endpoints.respond(to: head) }
            answer.assumeIsolated().whenSuccess { [self] status, type, body in
                write(context, status: status, type: type, body: body, version: head.version, keepAlive: keepAlive)
            }
        }
    }

    /// A malformed request was answered 400 by NIO's error handler; nothing on this connection
    /// can be trusted any more, so close it (a lingering close: the 400 is read before the reset).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func write(
        _ context: ChannelHandlerContext, status: HTTPResponseStatus, type: String, body: [UInt8],
        version: HTTPVersion, keepAlive: Bool
    ) {
        var headers = HTTPHeaders([("content-type", type), ("content-length", String(body.count))])
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}

/// Closes the connection when ``IdleStateHandler`` reports it idle.
final class CloseOnIdleHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
