import CoreMetrics

/// Values that already live elsewhere (cache counters, warm-up progress), copied into gauges
/// when metrics are scraped rather than counted twice on the request path.
extension SRPServer {
    /// Sets the scrape-time gauges; the metrics endpoint calls it before each emit.
    public func updateScrapeGauges() {
        let tiers = [cache.tierStatistics] + lowerCacheTiers()
        for tier in tiers {
            let dimensions = [("tier", tier.tier)]
            Gauge(label: "cache_hits", dimensions: dimensions).record(tier.hits)
            Gauge(label: "cache_misses", dimensions: dimensions).record(tier.misses)
            Gauge(label: "cache_entries", dimensions: dimensions).record(tier.entries)
            Gauge(label: "cache_bytes", dimensions: dimensions).record(tier.bytes)
            Gauge(label: "cache_available", dimensions: dimensions).record(tier.available ? 1 : 0)
            Gauge(label: "cache_errors", dimensions: dimensions).record(tier.errors)
            // The circuit breaker in front of a tier: 1 while it refuses calls (the tier is bypassed).
            Gauge(label: "cache_breaker_open", dimensions: dimensions).record(tier.available ? 0 : 1)
        }
        Gauge(label: "warmup_schemas_loaded").record(warmUp.loaded)
        Gauge(label: "warmup_done").record(warmUp.isDone ? 1 : 0)
        Gauge(label: "srp_in_flight_limit").record(overload.currentLimit)
        Gauge(label: "srp_connections_open").record(connectionLimiter.open)
        if let pool = storePool?.snapshot {
            Gauge(label: "store_pool_connections").record(pool.connections)
            Gauge(label: "store_pool_in_use").record(pool.inUse)
            Gauge(label: "store_pool_waiting").record(pool.waiting)
            Gauge(label: "store_operations").record(pool.operations)
            Gauge(label: "store_operation_seconds").record(pool.operationSeconds)
        }
        Gauge(label: "srp_in_flight_global").record(overload.inFlight)
    }
}
