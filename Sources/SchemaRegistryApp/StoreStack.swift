import Logging
import RedisCache
import SchemaRegistryCore
import SchemaRegistryServer

/// The stores under one server: the backing store (L3), the Redis L2 over it when configured,
/// and the listener that keeps L1 in step with other instances' permanent deletes.
public struct StoreStack: Sendable {
    public let backing: BackingStore
    /// What the registry reads and writes through: Redis over the backing store, or the backing store.
    public let store: any SchemaStore
    /// The L2, when configured: its counters appear in `info` and the metrics.
    public let redis: RedisCachedStore?
    let listener: RedisInvalidationListener?

    /// Wraps `backing` in the Redis L2 when `configuration.cache` names one, subscribing to the
    /// other instances' invalidations: a schema another instance permanently deleted leaves
    /// `l1` too.
    public init(
        backing: BackingStore, configuration: ServerConfiguration, l1: EncodedSchemaCache, logger: Logger
    ) throws {
        self.backing = backing
        guard let url = configuration.cache else {
            (store, redis, listener) = (backing.schemas, nil, nil)
            return
        }
        logger.info("using redis cache", metadata: ["url": "\(url)"])
        let cached = RedisCachedStore(
            store: backing.schemas,
            client: try RedisClient(
                url: url, commandTimeout: configuration.cacheTimeout, connectTimeout: configuration.cacheTimeout),
            keyPrefix: configuration.cacheKeyPrefix,
            mappingTTL: configuration.cacheMappingTTL)
        listener = try RedisInvalidationListener(
            url: url, channel: cached.invalidationChannel,
            onMessage: { message in
                if message.hasPrefix("schema:"), let id = UInt32(message.dropFirst("schema:".count)) {
                    l1.remove(id)
                }
            },
            onResubscribed: {
                logger.warning("redis invalidation channel resubscribed; messages sent meanwhile were missed")
            })
        (store, redis) = (cached, cached)
    }

    /// The counters of the tiers behind L1, read when server info is asked for.
    var lowerCacheTiers: @Sendable () -> [CacheTierStatistics] {
        guard let redis else { return { [] } }
        return {
            let metrics = redis.metrics
            return [
                CacheTierStatistics(
                    tier: "redis", hits: metrics.hits + metrics.mappingHits,
                    misses: metrics.misses + metrics.mappingMisses, available: redis.isAvailable,
                    errors: metrics.errors)
            ]
        }
    }

    func start() { listener?.start() }

    /// Stops the listener and closes the stores (the L2 closes the backing store under it).
    public func close() async throws {
        await listener?.stop()
        try await store.close()
    }
}
