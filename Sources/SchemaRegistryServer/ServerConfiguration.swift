import NIOCore
import SRPWire
import SchemaFormats
import SchemaRegistryCore

/// Everything `schema-registry serve` can be told. Defaults are documented in the README
/// (section "Configuration") and are what a fresh install runs with.
public struct ServerConfiguration: Sendable {
    /// Address to listen on. Default 127.0.0.1 (loopback only until you choose otherwise).
    public var host = "127.0.0.1"
    /// Default 7911. 0 picks a free port (tests).
    public var port = 7911
    /// HTTP port of the operators' endpoints (Prometheus `/metrics`, `/healthz`, `/readyz`) on
    /// `host`; nil disables them. Default 7912.
    public var metricsPort: Int? = 7912
    /// Port of the REST API (Confluent's, on `host`); nil disables it. Default 8081, as
    /// Confluent's. 0 picks a free port (tests).
    public var restPort: Int? = 8081
    /// The largest REST request body: larger ones are answered 413 before they are read. The
    /// default leaves room for `max-schema-bytes` of schema text however it is JSON-escaped.
    public var restMaxBodyBytes = 16 << 20
    /// A REST connection idle between requests this long is closed (a request started must
    /// arrive whole within `frameTimeout`).
    public var restIdleTimeout: Duration = .seconds(60)
    /// `sqlite` (the embedded store under `dataDirectory`) or a `postgres://` URL.
    public var store = "sqlite"
    /// Where the SQLite database lives. Default `./data`.
    public var dataDirectory = "./data"
    /// PostgreSQL connections this instance opens at most (each on a thread of its own).
    public var storeConnections = 8
    /// A `redis://` URL for the L2 cache shared by instances; nil (the default) for none.
    public var cache: String?
    /// How long one Redis call (or connect) may take; past it Redis is bypassed until a probe succeeds.
    public var cacheTimeout: Duration = .milliseconds(200)
    /// Prefix of every Redis key and of the invalidation channel.
    public var cacheKeyPrefix = "sr:"
    /// The longest a Redis-cached mutable mapping can be stale when its invalidation was lost.
    public var cacheMappingTTL: Duration = .seconds(60)
    /// Event-loop threads; default one per core.
    public var eventLoopThreads = System.coreCount
    /// Per-connection limits and token bucket.
    public var connection = ServerConnectionStateMachine.Configuration()
    /// Offer LZ4 to clients that accept it.
    public var compression = true
    public var compressionThreshold = CompressionPolicy.defaultThreshold
    /// A connection that has not completed HELLO by then gets GOAWAY HANDSHAKE_TIMEOUT.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A connection silent (no frames, nothing in flight) this long gets GOAWAY IDLE_TIMEOUT.
    public var idleTimeout: Duration = .seconds(300)
    /// On shutdown, in-flight requests get this long to finish before connections close.
    public var drainTimeout: Duration = .seconds(10)
    /// L1 cache of encoded GetSchemaById responses, in bytes. Default 256 MiB.
    public var cacheBytes = 256 * 1024 * 1024
    /// Schemas loaded into L1 at start (newest first). 0 disables warm-up.
    public var warmupSchemas = 100_000
    /// Shown in HELLO_OK and server info.
    public var serverID = "schema-registry-1"
    /// The draft of JSON schemas without `$schema`: draft-07, as Confluent and Karapace read
    /// them, so existing schemas (array-form `items`, `definitions`) register unchanged.
    public var jsonSchemaDefaultDraft = JSONSchemaDraft.draft7
    /// Refuse Avro field defaults that do not match their type. Off by default, as Confluent's
    /// registry accepts them: such a schema registers with a warning and its invalid defaults
    /// count as none.
    public var avroValidateDefaults = false
    /// `automatic`: API keys required as soon as one exists; `disabled`: never (`--insecure-no-auth`).
    public var authentication = APIKeyRing.Mode.automatic
    /// How often API keys are reloaded from the store (creation and revocation take effect within it).
    public var authRefresh: Duration = .seconds(1)
    /// Connections open at once, in all and from one source address; beyond them a new
    /// connection gets GOAWAY OVERLOADED and is closed.
    public var maxConnections = 10_000
    public var maxConnectionsPerAddress = 1_000
    /// Requests leaving the event loop at once across all connections (the ceiling of the
    /// adaptive budget); beyond the budget requests are answered OVERLOADED, writes first.
    public var maxInFlightGlobal = 2048
    /// Completions slower than this shrink the adaptive budget.
    public var overloadLatencyTarget: Duration = .milliseconds(100)
    /// A frame started must be complete within this (a client trickling bytes is closed).
    public var frameTimeout: Duration = .seconds(30)
    /// Bytes of answers one connection may hold for its client (waiting for the socket, or
    /// reserved by requests still running) before it stops decoding requests; 0: no limit.
    public var answerBudgetBytes = 4 << 20
    /// The same, summed over the server's connections (reservations of running requests).
    public var answerBudgetBytesGlobal = 512 << 20
    /// Decompressed LZ4 request bodies held by running requests, server-wide; beyond it such
    /// requests are answered OVERLOADED (nothing decompressed). 0: no limit.
    public var maxDecompressedBytesInFlight = 64 << 20
    /// A connection closed by the server (after GOAWAY, or an HTTP error answer) keeps reading
    /// and discarding this long and this much, so the peer reads the reason (PROTOCOL.md 7.3).
    public var linger = LingerLimits()
    /// The registry's own settings (default compatibility, size limits).
    public var registry = RegistryService.Configuration()
    /// Offer Watch (docs/PROTOCOL.md 19) when the store keeps a change log. Off: HELLO_OK says
    /// `watch: false` and Watch is answered 42209.
    public var watch = true
    /// Watches one SRP connection may hold (docs/PROTOCOL.md 19.5).
    public var watchMaxPerConnection = 16
    /// Events waiting for a watcher's socket, per watch; beyond it they are dropped for a RESYNC.
    public var watchQueueEvents = 1_024
    /// The newest changes kept in memory, from which a reconnecting watcher can resume.
    public var watchReplayChanges = 10_000
    /// Changes kept in the store's change log; older ones are pruned.
    public var watchLogRetention = 100_000
    /// The change log is read at least this often (PostgreSQL's NOTIFY and this process's
    /// commits wake it sooner); what a lost notification can delay an event by.
    public var watchPollInterval: Duration = .seconds(1)
    /// TLS on the SRP port; off unless a certificate and key are set.
    public var tls = ServerTLSConfiguration()

    public init() {}
}

extension ServerConfiguration {
    /// The schema formats these settings ask for.
    public var schemaFormats: [SchemaType: any SchemaFormat] {
        SchemaFormatCatalog.standard(
            jsonSchemaDefaultDraft: jsonSchemaDefaultDraft, avroValidateDefaults: avroValidateDefaults)
    }
}
