import SRPWire
import SchemaFormats
import SchemaRegistryCore

/// One setting, spelled once: its key, what it means, its default as shown to people, and how
/// its value applies to a ``ServerConfiguration``. `--print-defaults`, the environment names,
/// the config file and the command line all read the same table.
public struct ServerSetting: Sendable {
    public let key: String
    public let meaning: String
    public let defaultValue: String
    let apply: @Sendable (SettingValue, inout ServerConfiguration) throws -> Void

    init(
        _ key: String, _ meaning: String, _ defaultValue: String,
        apply: @escaping @Sendable (SettingValue, inout ServerConfiguration) throws -> Void
    ) {
        self.key = key
        self.meaning = meaning
        self.defaultValue = defaultValue
        self.apply = apply
    }
}

/// A setting's text with the parsers settings share; errors name the key.
struct SettingValue {
    let key: String
    let text: String

    func int() throws -> Int {
        guard let number = Int(text), number >= 0 else {
            throw ServerSettings.InvalidSetting(description: "\(key): '\(text)' is not a non-negative integer")
        }
        return number
    }

    func milliseconds() throws -> Duration { .milliseconds(try int()) }

    func onOff() throws -> Bool {
        guard ["on", "off", "true", "false"].contains(text) else {
            throw ServerSettings.InvalidSetting(description: "\(key): '\(text)' is not on or off")
        }
        return text == "on" || text == "true"
    }
}

/// Named settings for ``ServerConfiguration``, shared by the config file, the environment
/// and the command line, so each key is spelled and parsed once.
///
/// Precedence: command-line flag > environment variable (`SCHEMA_REGISTRY_` + key in upper
/// case with `-` as `_`, e.g. `SCHEMA_REGISTRY_DATA_DIR`) > config file (`key = value`
/// lines, `#` comments) > default.
public enum ServerSettings {
    /// Every setting, in the order `--print-defaults` and the README show them.
    public static let all: [ServerSetting] = [
        ServerSetting("host", "address to listen on", "127.0.0.1") { value, config in config.host = value.text },
        ServerSetting("port", "TCP port", "7911") { value, config in config.port = try value.int() },
        ServerSetting(
            "metrics-port", "HTTP port of /metrics, /healthz, /readyz (off: none; a busy port fails the start)", "7912"
        ) { value, config in config.metricsPort = value.text == "off" ? nil : try value.int() },
        ServerSetting(
            "rest-port",
            "HTTP port of the REST API, Confluent's (off: none; 0: a free port; a busy port fails the start)",
            "8081"
        ) { value, config in config.restPort = value.text == "off" ? nil : try value.int() },
        ServerSetting(
            "rest-max-body-bytes", "largest REST request body; larger ones are answered 413 before they are read",
            "16777216"
        ) { value, config in config.restMaxBodyBytes = max(1024, try value.int()) },
        ServerSetting(
            "rest-idle-timeout-ms", "a REST connection idle between requests this long is closed", "60000"
        ) { value, config in config.restIdleTimeout = .milliseconds(max(1, try value.int())) },
        ServerSetting("store", "sqlite, or a postgres://user@host:port/db URL", "sqlite") { value, config in
            guard value.text == "sqlite" || value.text.hasPrefix("postgres://") || value.text.hasPrefix("postgresql://")
            else {
                throw InvalidSetting(description: "store: '\(value.text)' is neither sqlite nor a postgres:// URL")
            }
            config.store = value.text
        },
        ServerSetting("data-dir", "directory of the SQLite database", "./data") { value, config in
            config.dataDirectory = value.text
        },
        ServerSetting("store-connections", "PostgreSQL connections per instance", "8") { value, config in
            config.storeConnections = max(1, try value.int())
        },
        ServerSetting("cache", "L2 cache shared by instances: none, or a redis://host:port[/db] URL", "none") {
            value, config in
            guard value.text == "none" || value.text.hasPrefix("redis://") else {
                throw InvalidSetting(description: "cache: '\(value.text)' is neither none nor a redis:// URL")
            }
            config.cache = value.text == "none" ? nil : value.text
        },
        ServerSetting(
            "cache-timeout-ms", "how long a Redis call may take before Redis is bypassed (circuit opens)", "200"
        ) { value, config in config.cacheTimeout = .milliseconds(max(1, try value.int())) },
        ServerSetting(
            "cache-key-prefix", "prefix of Redis keys and channel (registries sharing a Redis need distinct ones)",
            "sr:"
        ) { value, config in config.cacheKeyPrefix = value.text },
        ServerSetting(
            "cache-mapping-ttl-ms",
            "longest a Redis-cached subject/config/mode can be stale if an invalidation is lost", "60000"
        ) { value, config in config.cacheMappingTTL = .milliseconds(max(1, try value.int())) },
        ServerSetting(
            "auth", "auto (API keys required once one exists) or off (= --insecure-no-auth, development only)", "auto"
        ) { value, config in
            guard value.text == "auto" || value.text == "off" else {
                throw InvalidSetting(description: "auth: '\(value.text)' is neither auto nor off")
            }
            config.authentication = value.text == "off" ? .disabled : .automatic
        },
        ServerSetting("auth-refresh-ms", "how often API keys are reloaded from the store", "1000") { value, config in
            config.authRefresh = .milliseconds(max(10, try value.int()))
        },
        ServerSetting("watch", "offer Watch, server-pushed changes (on/off)", "on") { value, config in
            config.watch = try value.onOff()
        },
        ServerSetting("watch-max-per-connection", "watches one SRP connection may hold", "16") { value, config in
            config.watchMaxPerConnection = max(1, try value.int())
        },
        ServerSetting(
            "watch-queue-events", "events waiting for a watcher's socket, per watch, before it gets a RESYNC", "1024"
        ) { value, config in config.watchQueueEvents = max(1, try value.int()) },
        ServerSetting(
            "watch-replay-changes", "newest changes kept in memory for watchers resuming from a position", "10000"
        ) { value, config in config.watchReplayChanges = max(1, try value.int()) },
        ServerSetting("watch-log-retention", "changes kept in the store's change log (older ones are pruned)", "100000")
        {
            value, config in config.watchLogRetention = max(1, try value.int())
        },
        ServerSetting(
            "watch-poll-ms", "the change log is read at least this often (commits and NOTIFY wake it sooner)", "1000"
        ) { value, config in config.watchPollInterval = .milliseconds(max(10, try value.int())) },
        ServerSetting("event-loop-threads", "NIO event loop threads", "number of cores") { value, config in
            config.eventLoopThreads = max(1, try value.int())
        },
        ServerSetting("max-frame-bytes", "largest frame body after the handshake", "4194304") { value, config in
            config.connection.maxBody = max(1024, try value.int())
        },
        ServerSetting("max-in-flight", "requests processed at once per connection", "1024") { value, config in
            config.connection.maxInFlight = max(1, try value.int())
        },
        ServerSetting("token-rate", "token bucket refill, tokens/s per connection (0 = off)", "100000") {
            value, config in config.connection.tokenRate = Double(try value.int())
        },
        ServerSetting("token-burst", "token bucket capacity", "20000") { value, config in
            config.connection.tokenBurst = Double(max(1, try value.int()))
        },
        ServerSetting(
            "lz4-bytes-per-token", "an LZ4 body also costs a token per this many bytes after decompression (0: off)",
            "1024"
        ) { value, config in config.connection.decompressedBytesPerToken = try value.int() },
        ServerSetting("compression", "offer LZ4 (on/off)", "on") { value, config in
            config.compression = try value.onOff()
        },
        ServerSetting("compression-threshold", "smallest body compressed, bytes", "512") { value, config in
            config.compressionThreshold = try value.int()
        },
        ServerSetting("handshake-timeout-ms", "time allowed to complete HELLO", "10000") { value, config in
            config.handshakeTimeout = try value.milliseconds()
        },
        ServerSetting("idle-timeout-ms", "close connections silent this long", "300000") { value, config in
            config.idleTimeout = try value.milliseconds()
        },
        ServerSetting("drain-timeout-ms", "time in-flight requests get on shutdown", "10000") { value, config in
            config.drainTimeout = try value.milliseconds()
        },
        ServerSetting(
            "frame-timeout-ms", "time a started frame has to arrive complete (slow senders are closed)", "30000"
        ) { value, config in config.frameTimeout = .milliseconds(max(1, try value.int())) },
        ServerSetting(
            "close-linger-ms",
            "a connection the server closes drains input this long so the peer reads the GOAWAY (0: close at once)",
            "2000"
        ) { value, config in config.linger.time = try value.milliseconds() },
        ServerSetting(
            "close-linger-bytes", "most bytes a closing connection reads and discards before closing anyway", "1048576"
        ) { value, config in config.linger.bytes = try value.int() },
        ServerSetting(
            "answer-budget-bytes", "answers one connection may hold for its client before it stops decoding", "4194304"
        ) { value, config in config.answerBudgetBytes = try value.int() },
        ServerSetting(
            "answer-budget-bytes-global", "the same summed over all connections (running requests' reservations)",
            "536870912"
        ) { value, config in config.answerBudgetBytesGlobal = try value.int() },
        ServerSetting(
            "max-decompressed-bytes-in-flight",
            "LZ4 request bodies decompressed and held by running requests, server-wide (beyond: OVERLOADED)", "67108864"
        ) { value, config in config.maxDecompressedBytesInFlight = try value.int() },
        ServerSetting("max-connections", "connections open at once (more are refused with GOAWAY OVERLOADED)", "10000")
        { value, config in config.maxConnections = max(1, try value.int()) },
        ServerSetting("max-connections-per-address", "connections open at once from one source address", "1000") {
            value, config in config.maxConnectionsPerAddress = max(1, try value.int())
        },
        ServerSetting(
            "max-in-flight-global", "ceiling of the adaptive server-wide in-flight budget (beyond: OVERLOADED)", "2048"
        ) { value, config in config.maxInFlightGlobal = max(1, try value.int()) },
        ServerSetting("overload-latency-ms", "completions slower than this shrink the in-flight budget", "100") {
            value, config in config.overloadLatencyTarget = .milliseconds(max(1, try value.int()))
        },
        ServerSetting("max-nesting-depth", "deepest object/array nesting in a schema or a payload", "128") {
            value, config in config.registry.maxNestingDepth = max(1, try value.int())
        },
        ServerSetting("max-references", "references one schema may list", "1000") { value, config in
            config.registry.maxReferences = try value.int()
        },
        ServerSetting("max-reference-depth", "longest chain of schemas referencing schemas", "32") { value, config in
            config.registry.maxReferenceDepth = max(1, try value.int())
        },
        ServerSetting("cache-bytes", "L1 cache size", "268435456") { value, config in
            config.cacheBytes = try value.int()
        },
        ServerSetting("warmup-schemas", "schemas loaded into L1 at start", "100000") { value, config in
            config.warmupSchemas = try value.int()
        },
        ServerSetting(
            "validator-cache-bytes",
            "schema text whose parsed forms are kept (ValidatePayload, checks against stored versions)", "8388608"
        ) { value, config in config.registry.validatorCacheBytes = try value.int() },
        ServerSetting("default-compatibility", "global level when none is set", "BACKWARD") { value, config in
            guard let level = CompatibilityLevel(rawValue: value.text.uppercased()) else {
                throw InvalidSetting(description: "default-compatibility: '\(value.text)' is not a compatibility level")
            }
            config.registry.defaultCompatibility = level
        },
        ServerSetting("max-schema-bytes", "largest schema accepted", "1048576") { value, config in
            config.registry.maxSchemaBytes = try value.int()
        },
        ServerSetting(
            "json-schema-default-draft",
            "draft of JSON schemas without $schema (4, 6, 7, 2019-09, 2020-12); 7 as Confluent", "7"
        ) { value, config in
            let drafts: [String: JSONSchemaDraft] = [
                "4": .draft4, "6": .draft6, "7": .draft7, "2019-09": .draft2019_09, "2020-12": .draft2020_12,
            ]
            guard let draft = drafts[value.text.lowercased().replacing("draft", with: "")]
            else {
                throw InvalidSetting(
                    description: "json-schema-default-draft: '\(value.text)' is not 4, 6, 7, 2019-09 or 2020-12")
            }
            config.jsonSchemaDefaultDraft = draft
        },
        ServerSetting(
            "avro-validate-defaults",
            "refuse Avro field defaults that do not match their type (off: accepted with a warning, as Confluent)",
            "off"
        ) { value, config in
            config.avroValidateDefaults = try value.onOff()
        },
        ServerSetting("server-id", "name in HELLO_OK and server info", "schema-registry-1") { value, config in
            config.serverID = value.text
        },
        ServerSetting("tls-cert", "PEM certificate chain of the SRP port (with tls-key: TLS on)", "none (plain TCP)") {
            value, config in config.tls.certificateChainPath = value.text.isEmpty ? nil : value.text
        },
        ServerSetting("tls-key", "PEM private key of tls-cert", "none") { value, config in
            config.tls.privateKeyPath = value.text.isEmpty ? nil : value.text
        },
        ServerSetting(
            "tls-client-ca", "PEM CA bundle; when set, clients must present a certificate it signed (mTLS)", "none"
        ) { value, config in config.tls.clientCAPath = value.text.isEmpty ? nil : value.text },
        ServerSetting("tls-min-version", "oldest TLS version accepted: 1.2 or 1.3", "1.2") { value, config in
            guard let version = ServerTLSConfiguration.Version(rawValue: value.text) else {
                throw InvalidSetting(description: "tls-min-version: '\(value.text)' is not 1.2 or 1.3")
            }
            config.tls.minimumVersion = version
        },
    ]

    /// `cost.<Rpc>`: the token cost of one call of that rpc (a family of keys, one per rpc).
    static let costs = ServerSetting(
        "cost.<Rpc>", "token cost of one call of that rpc, e.g. cost.RegisterSchema = 20",
        "(srp.default_cost) in proto/"
    ) { value, config in
        let name = String(value.key.dropFirst("cost.".count))
        guard let method = SRPMethod.allCases.first(where: { $0.name == name }) else {
            throw InvalidSetting(description: "\(value.key): no rpc named '\(name)' (names as in proto/srp.proto)")
        }
        config.connection.methodCosts[method.rawValue] = try value.int()
    }

    private static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// Every key with its meaning and default, for `--help`, `--print-defaults` and the README.
    public static var keys: [(key: String, meaning: String, defaultValue: String)] {
        (all + [costs]).map { ($0.key, $0.meaning, $0.defaultValue) }
    }

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
        for (key, text) in settings.sorted(by: { $0.key < $1.key }) {
            let value = SettingValue(key: key, text: text)
            if let setting = byKey[key] {
                try setting.apply(value, &configuration)
            } else if key.hasPrefix("cost.") {
                try costs.apply(value, &configuration)
            } else {
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
