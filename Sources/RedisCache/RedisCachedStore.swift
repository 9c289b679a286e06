import SchemaRegistryCore
import Synchronization

/// A `SchemaStore` with a Redis L2 cache in front, shared by every registry instance.
///
/// What is cached:
/// - schemas by id, which never change once written (ids are never reused; only a permanent
///   delete can remove a schema, and that path rewrites the key), with a long TTL and a short
///   negative cache for unknown ids;
/// - the mutable mappings (a subject's versions, hence `latest`; compatibility levels; modes),
///   each checked against a generation key that writers bump (see `RedisCachedStore+Mappings`).
///
/// Every write goes to the store first, then fixes the affected Redis keys and publishes an
/// invalidation message on `<prefix>invalidate` for in-process caches of other instances.
/// Redis pub/sub rather than PostgreSQL LISTEN/NOTIFY: it works the same for SQLite and
/// PostgreSQL deployments and needs no extra database connection per store.
///
/// Redis failures are never visible to callers: any Redis error falls back to the store, and
/// the client's circuit breaker keeps the cost of an outage to one timeout.
public final class RedisCachedStore: SchemaStore {
    /// The wrapped store: the source of truth.
    public let store: any SchemaStore
    /// The Redis connections (exposes `isAvailable` and `metrics`).
    public let client: RedisClient
    /// Prepended to every key and to the invalidation channel.
    public let keyPrefix: String
    /// How long a cached schema lives (it never changes, so long).
    let schemaTTL: Duration
    /// How long "no schema with this id" is remembered: long enough to absorb a storm of
    /// lookups of a missing id, short enough not to matter otherwise.
    let negativeTTL: Duration
    /// How long a permanently deleted schema stays marked missing; it outlives any read that
    /// was in flight during the delete, which could otherwise re-cache the old schema.
    let tombstoneTTL: Duration = .seconds(60)
    /// Upper bound on how long a mapping can be stale when an invalidation could not be sent
    /// (Redis failed right after a store write); otherwise invalidation is immediate.
    let mappingTTL: Duration
    /// Subjects whose encoded history is larger than this are not cached.
    let maximumMappingBytes = 1 << 20
    /// Set by `close()`: afterwards reads throw like the store's, even those Redis could answer.
    private let closed = Atomic<Bool>(false)

    public var kind: String { "\(store.kind)+redis" }

    /// Whether Redis is currently used (false while the circuit breaker is open).
    public var isAvailable: Bool { client.isAvailable }
    /// Cache counters for metrics.
    public var metrics: RedisCacheMetrics { client.metrics }

    /// Wraps `store`, caching in the Redis at `redisURL` (`redis://host[:port][/db]`).
    /// Connections are made lazily: an unreachable Redis does not fail this initializer.
    /// - Throws: `RedisError(.invalidURL)` if the URL cannot be parsed.
    public convenience init(store: any SchemaStore, redisURL: String, keyPrefix: String = "sr:") throws {
        self.init(store: store, client: try RedisClient(url: redisURL), keyPrefix: keyPrefix)
    }

    /// Wraps `store` with a client configured by the caller (pool size, timeouts, backoff).
    public init(
        store: any SchemaStore, client: RedisClient, keyPrefix: String = "sr:",
        schemaTTL: Duration = .seconds(7 * 24 * 3600), negativeTTL: Duration = .seconds(5),
        mappingTTL: Duration = .seconds(60)
    ) {
        self.store = store
        self.client = client
        self.keyPrefix = keyPrefix
        self.schemaTTL = schemaTTL
        self.negativeTTL = negativeTTL
        self.mappingTTL = mappingTTL
    }

    // MARK: Keys

    func schemaKey(_ id: SchemaID) -> [UInt8] { Array("\(keyPrefix)schema:\(id)".utf8) }
    /// The pub/sub channel invalidations are published on (see `RedisInvalidationListener`).
    public var invalidationChannel: String { "\(keyPrefix)invalidate" }

    // MARK: Schemas by id (read-through)

    public func schema(id: SchemaID) async throws -> StoredSchema? {
        try await lookup([id]).first
    }

    public func schemas(ids: [SchemaID]) async throws -> [StoredSchema] {
        try await lookup(ids)
    }

    /// Redis first (one MGET), then the store for what Redis could not answer, then fills Redis.
    private func lookup(_ ids: [SchemaID]) async throws -> [StoredSchema] {
        var unique: [SchemaID] = []
        var seen = Set<SchemaID>()
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        if unique.isEmpty { return [] }
        try checkOpen()

        var found: [StoredSchema] = []
        var unanswered: [SchemaID] = []
        if let reply = try? await client.command(bytes: [Array("MGET".utf8)] + unique.map(schemaKey)),
            case .array(let values) = reply, values.count == unique.count
        {
            for (id, value) in zip(unique, values) {
                guard case .bytes(let bytes) = value, let cached = CachedSchema(bytes: bytes) else {
                    unanswered.append(id)
                    continue
                }
                if case .found(let schema) = cached { found.append(schema) }
            }
        } else {
            unanswered = unique
        }
        client.recordHits(unique.count - unanswered.count)
        client.recordMisses(unanswered.count)
        if unanswered.isEmpty { return found }

        let fromStore: [StoredSchema]
        if unanswered.count == 1 {
            fromStore = try await store.schema(id: unanswered[0]).map { [$0] } ?? []
        } else {
            fromStore = try await store.schemas(ids: unanswered)
        }
        await fill(unanswered, with: fromStore)
        return found + fromStore
    }

    /// Caches what the store said about `ids`, with SET NX so that a value a writer put there
    /// meanwhile (a registration, a permanent delete) wins over this possibly older read.
    private func fill(_ ids: [SchemaID], with schemas: [StoredSchema]) async {
        let byID = Dictionary(schemas.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let commands = ids.map { id in
            let value: CachedSchema = byID[id].map { .found($0) } ?? .missing
            let ttl = value == .missing ? negativeTTL : schemaTTL
            return setCommand(id, value, ttl: ttl, onlyIfAbsent: true)
        }
        _ = try? await client.pipeline(commands)
    }

    func setCommand(_ id: SchemaID, _ value: CachedSchema, ttl: Duration, onlyIfAbsent: Bool) -> [[UInt8]] {
        var command = [
            Array("SET".utf8), schemaKey(id), value.encoded(), Array("PX".utf8), Array("\(milliseconds(ttl))".utf8),
        ]
        if onlyIfAbsent { command.append(Array("NX".utf8)) }
        return command
    }

    /// Throws once the store is closed.
    func checkOpen() throws {
        if closed.load(ordering: .relaxed) { throw RegistryError(.storeError, "\(kind): the store is closed") }
    }

    public func close() async throws {
        closed.store(true, ordering: .relaxed)
        try await store.close()
    }
}
