import SRPWire
import SchemaFormats
import SchemaRegistryCore

/// Named settings for ``ServerConfiguration``, shared by the config file, the environment
/// and the command line, so each key is spelled and parsed once.
///
/// Precedence: command-line flag > environment variable (`SCHEMA_REGISTRY_` + key in upper
/// case with `-` as `_`, e.g. `SCHEMA_REGISTRY_DATA_DIR`) > config file (`key = value`
/// lines, `#` comments) > default.
public enum ServerSettings {
    /// Every key with its meaning and default, for `--help` and the README.
    public static let keys: [(key: String, meaning: String, defaultValue: String)] = [
        ("host", "address to listen on", "127.0.0.1"),
        ("port", "TCP port", "7911"),
        ("metrics-port", "HTTP port of /metrics, /healthz, /readyz (off: none; a busy port fails the start)", "7912"),
        ("store", "sqlite, or a postgres://user@host:port/db URL", "sqlite"),
        ("data-dir", "directory of the SQLite database", "./data"),
        ("store-connections", "PostgreSQL connections per instance", "8"),
        ("cache", "L2 cache shared by instances: none, or a redis://host:port[/db] URL", "none"),
        ("cache-timeout-ms", "how long a Redis call may take before Redis is bypassed (circuit opens)", "200"),
        ("cache-key-prefix", "prefix of Redis keys and channel (registries sharing a Redis need distinct ones)", "sr:"),
        (
            "cache-mapping-ttl-ms",
            "longest a Redis-cached subject/config/mode can be stale if an invalidation is lost", "60000"
        ),
        ("auth", "auto (API keys required once one exists) or off (= --insecure-no-auth, development only)", "auto"),
        ("auth-refresh-ms", "how often API keys are reloaded from the store", "1000"),
        ("event-loop-threads", "NIO event loop threads", "number of cores"),
        ("max-frame-bytes", "largest frame body after the handshake", "4194304"),
        ("max-in-flight", "requests processed at once per connection", "1024"),
        ("token-rate", "token bucket refill, tokens/s per connection (0 = off)", "100000"),
        ("token-burst", "token bucket capacity", "20000"),
        (
            "lz4-bytes-per-token", "an LZ4 body also costs a token per this many bytes after decompression (0: off)",
            "1024"
        ),
        ("compression", "offer LZ4 (on/off)", "on"),
        ("compression-threshold", "smallest body compressed, bytes", "512"),
        ("handshake-timeout-ms", "time allowed to complete HELLO", "10000"),
        ("idle-timeout-ms", "close connections silent this long", "300000"),
        ("drain-timeout-ms", "time in-flight requests get on shutdown", "10000"),
        ("frame-timeout-ms", "time a started frame has to arrive complete (slow senders are closed)", "30000"),
        (
            "close-linger-ms",
            "a connection the server closes drains input this long so the peer reads the GOAWAY (0: close at once)",
            "2000"
        ),
        ("close-linger-bytes", "most bytes a closing connection reads and discards before closing anyway", "1048576"),
        ("answer-budget-bytes", "answers one connection may hold for its client before it stops decoding", "4194304"),
        (
            "answer-budget-bytes-global", "the same summed over all connections (running requests' reservations)",
            "536870912"
        ),
        (
            "max-decompressed-bytes-in-flight",
            "LZ4 request bodies decompressed and held by running requests, server-wide (beyond: OVERLOADED)", "67108864"
        ),
        ("max-connections", "connections open at once (more are refused with GOAWAY OVERLOADED)", "10000"),
        ("max-connections-per-address", "connections open at once from one source address", "1000"),
        ("max-in-flight-global", "ceiling of the adaptive server-wide in-flight budget (beyond: OVERLOADED)", "2048"),
        ("overload-latency-ms", "completions slower than this shrink the in-flight budget", "100"),
        ("max-nesting-depth", "deepest object/array nesting in a schema or a payload", "128"),
        ("max-references", "references one schema may list", "1000"),
        ("max-reference-depth", "longest chain of schemas referencing schemas", "32"),
        ("cache-bytes", "L1 cache size", "268435456"),
        ("warmup-schemas", "schemas loaded into L1 at start", "100000"),
        (
            "validator-cache-bytes",
            "schema text whose parsed forms are kept (ValidatePayload, checks against stored versions)", "8388608"
        ),
        ("default-compatibility", "global level when none is set", "BACKWARD"),
        ("max-schema-bytes", "largest schema accepted", "1048576"),
        (
            "json-schema-default-draft",
            "draft of JSON schemas without $schema (4, 6, 7, 2019-09, 2020-12); 7 as Confluent", "7"
        ),
        (
            "avro-validate-defaults",
            "refuse Avro field defaults that do not match their type (off: accepted with a warning, as Confluent)",
            "off"
        ),
        ("server-id", "name in HELLO_OK and server info", "schema-registry-1"),
        ("tls-cert", "PEM certificate chain of the SRP port (with tls-key: TLS on)", "none (plain TCP)"),
        ("tls-key", "PEM private key of tls-cert", "none"),
        ("tls-client-ca", "PEM CA bundle; when set, clients must present a certificate it signed (mTLS)", "none"),
        ("tls-min-version", "oldest TLS version accepted: 1.2 or 1.3", "1.2"),
        (
            "cost.<Rpc>", "token cost of one call of that rpc, e.g. cost.RegisterSchema = 20",
            "(srp.default_cost) in proto/"
        ),
    ]

    public struct InvalidSetting: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `key = value` lines.
    public static func parseFile(_ text: String) throws -> [String: String] {
        var settings: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw InvalidSetting(description: "config line \(number + 1): expected 'key = value', got '\(rawLine)'")
            }
            settings[parts[0].trimmingSpaces] = parts[1].trimmingSpaces
        }
        return settings
    }

    /// The settings found in an environment.
    public static func fromEnvironment(_ environment: [String: String]) -> [String: String] {
        var settings: [String: String] = [:]
        for (key, _, _) in keys where !key.hasPrefix("cost.") {
            let name = "SCHEMA_REGISTRY_" + key.uppercased().replacing("-", with: "_")
            if let value = environment[name] { settings[key] = value }
        }
        // SCHEMA_REGISTRY_COST_<RPC>=N, e.g. SCHEMA_REGISTRY_COST_REGISTERSCHEMA=20.
        for method in SRPMethod.allCases {
            if let value = environment["SCHEMA_REGISTRY_COST_" + method.name.uppercased()] {
                settings["cost." + method.name] = value
            }
        }
        return settings
    }

    /// Applies settings to a configuration; unknown keys and bad values are errors.
    public static func apply(_ settings: [String: String], to configuration: inout ServerConfiguration) throws {
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            func int() throws -> Int {
                guard let number = Int(value), number >= 0 else {
                    throw InvalidSetting(description: "\(key): '\(value)' is not a non-negative integer")
                }
                return number
            }
            func milliseconds() throws -> Duration { .milliseconds(try int()) }
            switch key {
            case "host": configuration.host = value
            case "port": configuration.port = try int()
            case "metrics-port": configuration.metricsPort = value == "off" ? nil : try int()
            case "data-dir": configuration.dataDirectory = value
            case "store":
                guard value == "sqlite" || value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                    throw InvalidSetting(description: "store: '\(value)' is neither sqlite nor a postgres:// URL")
                }
                configuration.store = value
            case "cache":
                guard value == "none" || value.hasPrefix("redis://") else {
                    throw InvalidSetting(description: "cache: '\(value)' is neither none nor a redis:// URL")
                }
                configuration.cache = value == "none" ? nil : value
            case "store-connections": configuration.storeConnections = max(1, try int())
            case "cache-key-prefix": configuration.cacheKeyPrefix = value
            case "cache-timeout-ms": configuration.cacheTimeout = .milliseconds(max(1, try int()))
            case "cache-mapping-ttl-ms": configuration.cacheMappingTTL = .milliseconds(max(1, try int()))
            case "auth":
                guard value == "auto" || value == "off" else {
                    throw InvalidSetting(description: "auth: '\(value)' is neither auto nor off")
                }
                configuration.authentication = value == "off" ? .disabled : .automatic
            case "auth-refresh-ms": configuration.authRefresh = .milliseconds(max(10, try int()))
            case "event-loop-threads": configuration.eventLoopThreads = max(1, try int())
            case "max-frame-bytes": configuration.connection.maxBody = max(1024, try int())
            case "max-in-flight": configuration.connection.maxInFlight = max(1, try int())
            case "token-rate": configuration.connection.tokenRate = Double(try int())
            case "token-burst": configuration.connection.tokenBurst = Double(max(1, try int()))
            case "lz4-bytes-per-token": configuration.connection.decompressedBytesPerToken = try int()
            case "compression":
                guard ["on", "off", "true", "false"].contains(value) else {
                    throw InvalidSetting(description: "compression: '\(value)' is not on or off")
                }
                configuration.compression = value == "on" || value == "true"
            case "compression-threshold": configuration.compressionThreshold = try int()
            case "handshake-timeout-ms": configuration.handshakeTimeout = try milliseconds()
            case "idle-timeout-ms": configuration.idleTimeout = try milliseconds()
            case "drain-timeout-ms": configuration.drainTimeout = try milliseconds()
            case "frame-timeout-ms": configuration.frameTimeout = .milliseconds(max(1, try int()))
            case "close-linger-ms": configuration.linger.time = try milliseconds()
            case "close-linger-bytes": configuration.linger.bytes = try int()
            case "answer-budget-bytes": configuration.answerBudgetBytes = try int()
            case "answer-budget-bytes-global": configuration.answerBudgetBytesGlobal = try int()
            case "max-decompressed-bytes-in-flight": configuration.maxDecompressedBytesInFlight = try int()
            case "max-connections": configuration.maxConnections = max(1, try int())
            case "max-connections-per-address": configuration.maxConnectionsPerAddress = max(1, try int())
            case "max-in-flight-global": configuration.maxInFlightGlobal = max(1, try int())
            case "overload-latency-ms": configuration.overloadLatencyTarget = .milliseconds(max(1, try int()))
            case "max-nesting-depth": configuration.registry.maxNestingDepth = max(1, try int())
            case "max-references": configuration.registry.maxReferences = try int()
            case "max-reference-depth": configuration.registry.maxReferenceDepth = max(1, try int())
            case "cache-bytes": configuration.cacheBytes = try int()
            case "warmup-schemas": configuration.warmupSchemas = try int()
            case "validator-cache-bytes": configuration.registry.validatorCacheBytes = try int()
            case "default-compatibility":
                guard let level = CompatibilityLevel(rawValue: value.uppercased()) else {
                    throw InvalidSetting(description: "default-compatibility: '\(value)' is not a compatibility level")
                }
                configuration.registry.defaultCompatibility = level
            case "max-schema-bytes": configuration.registry.maxSchemaBytes = try int()
            case "server-id": configuration.serverID = value
            case "tls-cert": configuration.tls.certificateChainPath = value.isEmpty ? nil : value
            case "tls-key": configuration.tls.privateKeyPath = value.isEmpty ? nil : value
            case "tls-client-ca": configuration.tls.clientCAPath = value.isEmpty ? nil : value
            case "tls-min-version":
                guard let version = ServerTLSConfiguration.Version(rawValue: value) else {
                    throw InvalidSetting(description: "tls-min-version: '\(value)' is not 1.2 or 1.3")
                }
                configuration.tls.minimumVersion = version
            case "json-schema-default-draft":
                let drafts: [String: JSONSchemaDraft] = [
                    "4": .draft4, "6": .draft6, "7": .draft7, "2019-09": .draft2019_09, "2020-12": .draft2020_12,
                ]
                guard let draft = drafts[value.lowercased().replacing("draft", with: "")]
                else {
                    throw InvalidSetting(
                        description: "json-schema-default-draft: '\(value)' is not 4, 6, 7, 2019-09 or 2020-12")
                }
                configuration.jsonSchemaDefaultDraft = draft
            case "avro-validate-defaults":
                guard ["on", "off", "true", "false"].contains(value) else {
                    throw InvalidSetting(description: "avro-validate-defaults: '\(value)' is not on or off")
                }
                configuration.avroValidateDefaults = value == "on" || value == "true"
            case _ where key.hasPrefix("cost."):
                let name = String(key.dropFirst("cost.".count))
                guard let method = SRPMethod.allCases.first(where: { $0.name == name }) else {
                    throw InvalidSetting(description: "\(key): no rpc named '\(name)' (names as in proto/srp.proto)")
                }
                configuration.connection.methodCosts[method.rawValue] = try int()
            default:
                throw InvalidSetting(description: "unknown setting '\(key)'")
            }
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
