import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOPosix
import Prometheus
import SchemaRegistryApp
import SchemaRegistryServer

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
            // Columns as wide as the longest key and default: nothing is cut.
            let keyWidth = ServerSettings.keys.map(\.0.count).max() ?? 0
            let valueWidth = ServerSettings.keys.map(\.2.count).max() ?? 0
            for (key, meaning, value) in ServerSettings.keys {
                let keyColumn = key.padding(toLength: keyWidth, withPad: " ", startingAt: 0)
                print("\(keyColumn)  \(value.padding(toLength: valueWidth, withPad: " ", startingAt: 0))  \(meaning)")
            }
            return
        }
        let configuration = try resolveConfiguration()
        // Unreadable TLS files fail here, naming the file, before the store is opened.
        try configuration.tls.validate()
        var logger = Logger(label: "schema-registry")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        // Bootstrapped before the server exists: metric handles made earlier would stay no-ops.
        // Process-wide, so the process owner does it, not the composition root.
        var prometheus: PrometheusCollectorRegistry? = nil
        if configuration.metricsPort != nil {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(ServerMetricsFactory(registry: registry))
            prometheus = registry
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        do {
            // The app (and NIOExtras' quiescing helper inside its server, whose deinit touches an
            // event loop) is released when this returns, before the group shuts down.
            try await RegistryApp.open(configuration, group: group, logger: logger, prometheus: prometheus).run()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
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
