import CoreMetrics

/// Values that already live elsewhere (cache counters, warm-up progress, limits, the process),
/// copied into metrics when they are scraped rather than counted twice on the request path.
extension SRPServer {
    /// Sets the scrape-time metrics; the metrics endpoint calls it before each emit.
    public func updateScrapeGauges() {
        metrics.scrapeCounters.scrape { counters in
            let tiers = [schemas.tierStatistics] + lowerCacheTiers()
            for tier in tiers {
                let dimensions = [("tier", tier.tier)]
                counters.set("cache_hits_total", dimensions, to: tier.hits)
                counters.set("cache_misses_total", dimensions, to: tier.misses)
                counters.set("cache_errors_total", dimensions, to: tier.errors)
                Gauge(label: "cache_entries", dimensions: dimensions).record(tier.entries)
                Gauge(label: "cache_bytes", dimensions: dimensions).record(tier.bytes)
                Gauge(label: "cache_available", dimensions: dimensions).record(tier.available ? 1 : 0)
                // The circuit breaker in front of a tier: 1 while it refuses calls (the tier is bypassed).
                Gauge(label: "cache_breaker_open", dimensions: dimensions).record(tier.available ? 0 : 1)
            }
            if let pool = storePool?.snapshot {
                Gauge(label: "store_pool_connections").record(pool.connections)
                Gauge(label: "store_pool_in_use").record(pool.inUse)
                Gauge(label: "store_pool_waiting").record(pool.waiting)
                counters.set("store_operations_total", to: pool.operations)
                counters.set("store_operation_seconds_total", to: pool.operationSeconds)
            }
            if let process = ProcessStatistics.current() {
                counters.set("process_cpu_seconds_total", to: process.cpuSeconds)
                Gauge(label: "process_resident_memory_bytes").record(process.residentBytes)
                Gauge(label: "process_virtual_memory_bytes").record(process.virtualBytes)
                Gauge(label: "process_open_fds").record(process.openFileDescriptors)
                Gauge(label: "process_max_fds").record(process.maxFileDescriptors)
                Gauge(label: "process_start_time_seconds").record(process.startTimeSeconds)
            }
        }
        Gauge(label: "warmup_schemas_loaded").record(schemas.warmUp.loaded)
        Gauge(label: "warmup_done").record(schemas.warmUp.isDone ? 1 : 0)
        Gauge(label: "srp_in_flight_limit").record(overload.currentLimit)
        // The only connections and in-flight gauges: the limiter and the budget count them
        // anyway, so the request path keeps no second count.
        Gauge(label: "srp_connections").record(connectionLimiter.open)
        Gauge(label: "srp_requests_in_flight").record(overload.inFlight)
        Gauge(label: "schema_registry_build_info", dimensions: [("version", Self.version)]).record(1)
    }
}
