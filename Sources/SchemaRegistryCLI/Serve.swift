import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOPosix
import PostgresStore
import Prometheus
import RedisCache
import SQLiteStore
import SchemaFormats
import SchemaRegistryCore
import SchemaRegistryServer
import ServiceLifecycle

/// `schema-registry serve`: runs the server on the embedded SQLite store.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the registry server (SRP over TCP) on SQLite (default) or PostgreSQL, optionally with Redis.",
        discussion: """
            Settings come from flags, then SCHEMA_REGISTRY_* environment variables, then --config FILE
            (key = value lines), then defaults. Keys: \(ServerSettings.keys.map(\.key).joined(separator: ", ")).
            Run `schema-registry serve --print-defaults` to see each with its meaning and default.
            SIGTERM or SIGINT: GOAWAY to every client, in-flight requests drain, then exit.
            """)

    @Option(help: "A config file of `key = value` lines.") var config: String?
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "TCP port (default 7911).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Data directory (default ./data).") var dataDirectory: String?
    @Option(help: "sqlite (default) or a postgres:// URL.") var store: String?
    @Option(help: "none (default) or a redis:// URL: the L2 cache shared by instances.") var cache: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: with --tls-key, SRP over TLS.")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("tls-client-ca"), help: "PEM CA bundle: require client certificates it signed (mTLS).")
    var tlsClientCA: String?
    @Option(name: .customLong("set"), help: "Any setting as key=value; repeatable.") var overrides: [String] = []
    @Option(help: "trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Flag(help: "Print every setting with its default and exit.") var printDefaults = false
    @Flag(help: "Serve without authentication even when API keys exist (local development only).")
    var insecureNoAuth = false

    func run() async throws {
        if printDefaults {
            for (key, meaning, value) in ServerSettings.keys {
                print(
                    "\(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value.padding(toLength: 20, withPad: " ", startingAt: 0)) \(meaning)"
                )
            }
            return
        }
        let configuration = try resolveConfiguration()
        // Unreadable TLS files fail here, naming the file, before the store is opened.
        try configuration.tls.validate()
        var logger = Logger(label: "schema-registry")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let cache = EncodedSchemaCache(
            capacityBytes: configuration.cacheBytes, compressionThreshold: configuration.compressionThreshold)
        let backing = try await openStore(configuration, logger: logger)
        let (store, listener) = try openCache(configuration, over: backing, l1: cache, logger: logger)
        let service = RegistryService(
            store: store,
            formats: configuration.schemaFormats,
            configuration: configuration.registry,
            onRegistered: { cache.insert($0) })
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        listener?.start()
        do {
            try await serve(
                configuration, service: service, cache: cache, keys: backing as? any APIKeyStore, group: group,
                logger: logger)
        } catch {
            await listener?.stop()
            try? await store.close()
            try? await group.shutdownGracefully()
            throw error
        }
        await listener?.stop()
        try await store.close()
        try await group.shutdownGracefully()
    }

    /// Wraps `store` in the Redis L2 when one is configured, and subscribes to the other
    /// instances' invalidations: a schema another instance permanently deleted leaves L1 too.
    private func openCache(
        _ configuration: ServerConfiguration, over store: any SchemaStore, l1: EncodedSchemaCache, logger: Logger
    ) throws -> (any SchemaStore, RedisInvalidationListener?) {
        guard let url = configuration.cache else { return (store, nil) }
        logger.info("using redis cache", metadata: ["url": "\(url)"])
        let cached = RedisCachedStore(
            store: store,
            client: try RedisClient(
                url: url, commandTimeout: configuration.cacheTimeout, connectTimeout: configuration.cacheTimeout),
            keyPrefix: configuration.cacheKeyPrefix,
            mappingTTL: configuration.cacheMappingTTL)
        let listener = try RedisInvalidationListener(
            url: url, channel: cached.invalidationChannel,
            onMessage: { message in
                if message.hasPrefix("schema:"), let id = UInt32(message.dropFirst("schema:".count)) {
                    l1.remove(id)
                }
            },
            onResubscribed: {
                logger.warning("redis invalidation channel resubscribed; messages sent meanwhile were missed")
            })
        return (cached, listener)
    }

    /// Runs until SIGTERM/SIGINT. The server (and NIOExtras' quiescing helper inside it, whose
    /// deinit touches an event loop) is released when this returns, before the group shuts down.
    private func serve(
        _ configuration: ServerConfiguration, service: RegistryService, cache: EncodedSchemaCache,
        keys: (any APIKeyStore)?, group: MultiThreadedEventLoopGroup, logger: Logger
    ) async throws {
        // Bootstrapped before the server exists: metric handles made earlier would stay no-ops.
        let registry = PrometheusCollectorRegistry()
        if configuration.metricsPort != nil {
            MetricsSystem.bootstrap(ServerMetricsFactory(registry: registry))
        }
        let redis = service.store as? RedisCachedStore
        let server = SRPServer(
            configuration: configuration, service: service, cache: cache, group: group, logger: logger,
            lowerCacheTiers: {
                guard let redis else { return [] }
                let metrics = redis.metrics
                return [
                    CacheTierStatistics(
                        tier: "redis", hits: metrics.hits + metrics.mappingHits,
                        misses: metrics.misses + metrics.mappingMisses, available: redis.isAvailable,
                        errors: metrics.errors)
                ]
            },
            keyRing: keys.map {
                APIKeyRing(
                    store: $0, mode: configuration.authentication, refreshInterval: configuration.authRefresh,
                    logger: logger)
            },
            storePool: (keys as? any StorePoolReporting)?.poolMeter)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if let metricsPort = configuration.metricsPort {
            // A metrics port that cannot be bound fails the start: the SRP server drains what it
            // may have accepted meanwhile and the error ends `serve`. (Cancelling instead would
            // leave it waiting for its listener to close.)
            services.append(
                .init(
                    service: metricsServer(
                        for: server, port: metricsPort, registry: registry, group: group, logger: logger),
                    failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await serviceGroup.run()
    }

    /// The operators' endpoint over the Prometheus registry behind swift-metrics, with the gauges
    /// read at scrape time and the readiness check.
    private func metricsServer(
        for server: SRPServer, port: Int, registry: PrometheusCollectorRegistry, group: MultiThreadedEventLoopGroup,
        logger: Logger
    ) -> MetricsHTTPServer {
        let service = server.service
        return MetricsHTTPServer(
            host: server.configuration.host, port: port, registry: registry, group: group, logger: logger,
            collect: { server.updateScrapeGauges() },
            readiness: {
                guard server.warmUp.isDone else {
                    return (false, "warming up (\(server.warmUp.loaded) schemas loaded)")
                }
                do {
                    _ = try await service.counts()
                    return (true, "ready")
                } catch {
                    return (false, "store unreachable: \(error)")
                }
            }, linger: server.configuration.linger)
    }

    private func openStore(_ configuration: ServerConfiguration, logger: Logger) async throws -> any SchemaStore {
        logger.info(
            "opening store",
            metadata: ["store": "\(configuration.store == "sqlite" ? configuration.dataDirectory : "postgres")"])
        return try await StoreOpening.open(
            store: configuration.store, dataDirectory: configuration.dataDirectory,
            connections: configuration.storeConnections)
    }

    private func resolveConfiguration() throws -> ServerConfiguration {
        var settings: [String: String] = [:]
        if let config {
            let text = try String(contentsOfFile: config, encoding: .utf8)
            settings.merge(try ServerSettings.parseFile(text)) { _, file in file }
        }
        settings.merge(ServerSettings.fromEnvironment(ProcessInfo.processInfo.environment)) { _, env in env }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--set expects key=value, got '\(override)'") }
            settings[parts[0]] = parts[1]
        }
        if let host { settings["host"] = host }
        if let port { settings["port"] = String(port) }
        if let dataDirectory { settings["data-dir"] = dataDirectory }
        if let store { settings["store"] = store }
        if let cache { settings["cache"] = cache }
        if insecureNoAuth { settings["auth"] = "off" }
        if let tlsCertificate { settings["tls-cert"] = tlsCertificate }
        if let tlsKey { settings["tls-key"] = tlsKey }
        if let tlsClientCA { settings["tls-client-ca"] = tlsClientCA }
        var configuration = ServerConfiguration()
        do {
            try ServerSettings.apply(settings, to: &configuration)
        } catch let error as ServerSettings.InvalidSetting {
            throw ValidationError(error.description)
        }
        return configuration
    }
}
