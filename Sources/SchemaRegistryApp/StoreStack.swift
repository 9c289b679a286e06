import Logging
import RedisCache
import SchemaRegistryCore
import SchemaRegistryServer

/// The stores under one server: the backing store (L3) and the Redis L2 over it when
/// configured.
public struct StoreStack: Sendable {
    public let backing: BackingStore
    /// What the registry reads and writes through: Redis over the backing store, or the backing store.
    public let store: any SchemaStore
    /// The L2, when configured: its counters appear in `info` and the metrics.
    public let redis: RedisCachedStore?
    /// The L2's URL, for the invalidation listener.
    let redisURL: String?

    /// Wraps `backing` in the Redis L2 when `configuration.cache` names one.
    public init(backing: BackingStore, configuration: ServerConfiguration, logger: Logger) throws {
        self.backing = backing
        guard let url = configuration.cache else {
            (store, redis, redisURL) = (backing.schemas, nil, nil)
            return
        }
        logger.info("using redis cache", metadata: ["url": "\(url)"])
        let cached = RedisCachedStore(
            store: backing.schemas,
            client: try RedisClient(
                url: url, commandTimeout: configuration.cacheTimeout, connectTimeout: configuration.cacheTimeout),
            keyPrefix: configuration.cacheKeyPrefix,
            mappingTTL: configuration.cacheMappingTTL)
        (store, redis, redisURL) = (cached, cached, url)
    }

    /// Subscribes to the other instances' invalidations: a schema another instance permanently
    /// deleted leaves `l1` too. Nil without an L2.
    func invalidationListener(for l1: SchemaTier, logger: Logger) throws -> RedisInvalidationListener? {
        guard let redis, let redisURL else { return nil }
        return try RedisInvalidationListener(
            url: redisURL, channel: redis.invalidationChannel,
            onMessage: { message in
                if message.hasPrefix("schema:"), let id = UInt32(message.dropFirst("schema:".count)) {
                    l1.removed(id)
                }
            },
            onResubscribed: {
                logger.warning("redis invalidation channel resubscribed; messages sent meanwhile were missed")
            })
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

    /// Closes the stores (the L2 closes the backing store under it).
    public func close() async throws {
        try await store.close()
    }
}
