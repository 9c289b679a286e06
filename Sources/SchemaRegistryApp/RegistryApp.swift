import Logging
import NIOCore
import Prometheus
import RedisCache
import SchemaRegistryCore
import SchemaRegistryServer
import ServiceLifecycle

/// The composition root: settings in, a running registry out. Stores -> L2 -> L1 ->
/// ``RegistryService`` -> the SRP server (and the metrics endpoint) inside one `ServiceGroup`.
/// `schema-registry serve` and the tests both assemble servers here, so there is one wiring.
public final class RegistryApp: Sendable {
    public let configuration: ServerConfiguration
    public let stores: StoreStack
    /// L1: encoded schemas by id, answered by the event loop without leaving it.
    public let schemas: SchemaTier
    public let service: RegistryService
    public let server: SRPServer
    /// The operators' endpoint (`/metrics`, `/healthz`, `/readyz`), when `metrics-port` is on
    /// and a Prometheus registry was given.
    public let metrics: MetricsHTTPServer?
    /// Confluent's REST API, when `rest-port` is on.
    public let rest: RESTServer?
    /// Keeps L1 in step with other instances' permanent deletes, when Redis is the L2.
    private let invalidations: RedisInvalidationListener?
    private let logger: Logger

    /// - Parameters:
    ///   - backing: the opened store (``StoreOpening/open(store:dataDirectory:connections:create:)``).
    ///   - prometheus: the registry behind swift-metrics (bootstrapped by the process owner, once);
    ///     nil serves no metrics endpoint.
    public init(
        configuration: ServerConfiguration, backing: BackingStore, group: any EventLoopGroup, logger: Logger,
        prometheus: PrometheusCollectorRegistry? = nil
    ) throws {
        let stores = try StoreStack(backing: backing, configuration: configuration, logger: logger)
        let schemas = SchemaTier(
            capacityBytes: configuration.cacheBytes, compressionThreshold: configuration.compressionThreshold,
            store: stores.store)
        let service = RegistryService(
            store: stores.store, formats: configuration.schemaFormats, configuration: configuration.registry,
            onRegistered: { schemas.registered($0) })
        let server = SRPServer(
            configuration: configuration, service: service, schemas: schemas, group: group, logger: logger,
            lowerCacheTiers: stores.lowerCacheTiers,
            keyRing: APIKeyRing(
                store: backing.keys, mode: configuration.authentication, refreshInterval: configuration.authRefresh,
                logger: logger),
            storePool: backing.pool, changeLog: backing.changeLog)
        self.configuration = configuration
        self.stores = stores
        self.schemas = schemas
        self.service = service
        self.server = server
        self.logger = logger
        self.invalidations = try stores.invalidationListener(for: schemas, logger: logger)
        self.rest = configuration.restPort.map { port in
            RESTServer(
                srp: server, port: port, openAPIDocument: PackageResources.openapi_json, group: group, logger: logger)
        }
        self.metrics = configuration.metricsPort.flatMap { port in
            prometheus.map { Self.metricsServer(for: server, port: port, registry: $0, group: group, logger: logger) }
        }
    }

    /// Opens the store the configuration names and assembles the registry on it.
    public static func open(
        _ configuration: ServerConfiguration, group: any EventLoopGroup, logger: Logger,
        prometheus: PrometheusCollectorRegistry? = nil
    ) async throws -> RegistryApp {
        logger.info(
            "opening store",
            metadata: ["store": "\(configuration.store == "sqlite" ? configuration.dataDirectory : "postgres")"])
        let backing = try await StoreOpening.open(
            store: configuration.store, dataDirectory: configuration.dataDirectory,
            connections: configuration.storeConnections)
        do {
            return try RegistryApp(
                configuration: configuration, backing: backing, group: group, logger: logger, prometheus: prometheus)
        } catch {
            try? await backing.schemas.close()
            throw error
        }
    }

    /// Serves until SIGTERM or SIGINT (or a service failing), then drains and closes the stores.
    public func run() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if let metrics {
            // A metrics port that cannot be bound fails the start: the SRP server drains what it
            // may have accepted meanwhile and the error ends `run`. (Cancelling instead would
            // leave it waiting for its listener to close.)
            services.append(.init(service: metrics, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        if let rest {
            // Like the metrics port: a REST port that cannot be bound fails the start.
            services.append(.init(service: rest, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        invalidations?.start()
        do {
            try await group.run()
        } catch {
            await invalidations?.stop()
            try? await stores.close()
            throw error
        }
        await invalidations?.stop()
        try await stores.close()
    }

    /// Starts the Redis invalidation listener, for callers that run ``server`` themselves (tests).
    public func startStores() { invalidations?.start() }

    /// The operators' endpoint over the Prometheus registry behind swift-metrics, with the gauges
    /// read at scrape time and the readiness check.
    private static func metricsServer(
        for server: SRPServer, port: Int, registry: PrometheusCollectorRegistry, group: any EventLoopGroup,
        logger: Logger
    ) -> MetricsHTTPServer {
        let service = server.service
        return MetricsHTTPServer(
            host: server.configuration.host, port: port, registry: registry, group: group, logger: logger,
            collect: { server.updateScrapeGauges() },
            readiness: {
                guard server.schemas.warmUp.isDone else {
                    return (false, "warming up (\(server.schemas.warmUp.loaded) schemas loaded)")
                }
                do {
                    _ = try await service.counts()
                    return (true, "ready")
                } catch {
                    return (false, "store unreachable: \(error)")
                }
            }, linger: server.configuration.linger)
    }
}
