/// Every metric the server exposes, with its `# HELP` text: swift-metrics has no place for help,
/// so ``PrometheusExposition`` looks it up here by name when a handle is made. A name missing
/// here is exposed without HELP, which `MetricsEndpointTests` (and `promtool check metrics`)
/// refuse.
public enum MetricsCatalog {
    /// How many cached GetSchemaById answers per connection are timed: the first, then 1 in this
    /// many (a clock read and a histogram update on every answer would cost the hottest path
    /// measurably; the countdown costs a decrement).
    public static let cachedReadSampling = 64

    public static let help: [String: String] = [
        // Requests.
        "srp_requests_total":
            "SRP requests answered, by method and status name (OK, SCHEMA_NOT_FOUND, THROTTLED, OVERLOADED, ...), "
            + "including GetSchemaById answered from L1 and requests refused before they ran",
        "srp_request_duration_seconds":
            "Time a request that left the event loop (everything but GetSchemaById answered from L1) took to run, "
            + "by method",
        "srp_cached_request_duration_seconds":
            "Time from reading a GetSchemaById answered from L1 to writing its answer to the socket; sampled: the "
            + "first such answer of each connection and 1 in \(cachedReadSampling) after it are timed, so _count is "
            + "not the number of answers (srp_requests_total is)",
        "srp_requests_in_flight": "Requests running (outside the event loop) now, server-wide",
        "srp_watches_started_total": "Watch subscriptions opened (docs/PROTOCOL.md 19)",
        "srp_watch_events_sent_total": "Change events written to watchers",
        "srp_watch_resyncs_total": "Watchers told to resync (queue full or resume position gone)",
        "srp_in_flight_limit": "The adaptive server-wide in-flight budget; requests over it are answered OVERLOADED",
        "srp_requests_rejected_total":
            "Requests refused by the connection (THROTTLED, unknown method, shutting down) before they ran",
        "srp_requests_shed_total": "Requests answered OVERLOADED by the server-wide budgets, by kind (read, write)",
        "srp_deadlines_exceeded_total": "Requests answered DEADLINE_EXCEEDED (the client's deadline passed first)",
        "rest_requests_total":
            "REST API requests answered, by route template and HTTP status (cached GET /schemas/ids/{id} included)",
        "rest_request_duration_seconds":
            "Time a REST request that left the event loop took to run, by route template",
        "rest_auth_failures_total": "REST requests refused (401) for their credentials (the log says why)",
        "registry_registrations_total": "Schemas registered (RegisterSchema answered OK)",
        // Connections and bytes.
        "srp_connections": "SRP connections open now (TLS handshakes in progress included)",
        "srp_connections_refused_total": "SRP connections refused at accept (global or per-address limit)",
        "srp_auth_failures_total": "Handshakes refused for their credentials (the log says why)",
        "srp_tls_handshake_failures_total": "TLS handshakes on the SRP port that failed or never completed",
        "srp_bytes_received_total": "Bytes read from SRP connections",
        "srp_bytes_sent_total": "Bytes written to SRP connections",
        "srp_lz4_plain_bytes_total": "Bodies sent LZ4-compressed: their size before compression",
        "srp_lz4_wire_bytes_total": "Bodies sent LZ4-compressed: their size on the wire",
        // Caches, by tier (l1, redis).
        "cache_hits_total": "Lookups answered by the cache tier",
        "cache_misses_total": "Lookups the cache tier did not have",
        "cache_errors_total": "Calls to the cache tier that failed and fell through to the next tier",
        "cache_entries": "Entries the cache tier holds (0 when it cannot tell: a shared Redis)",
        "cache_bytes": "Bytes the cache tier holds (0 when it cannot tell: a shared Redis)",
        "cache_available": "1 while the cache tier is used, 0 while it is bypassed (its circuit breaker is open)",
        "cache_breaker_open": "1 while the circuit breaker in front of the cache tier refuses calls",
        "warmup_schemas_loaded": "Schemas loaded into L1 by the start-up warm-up",
        "warmup_done": "1 once the start-up warm-up has finished (or was skipped or failed)",
        // The store.
        "store_pool_connections": "Connections of the store's pool",
        "store_pool_in_use": "Store connections running an operation now",
        "store_pool_waiting": "Store operations waiting for a connection",
        "store_operations_total": "Store operations completed",
        "store_operation_seconds_total": "Time store operations took, summed (mean = its rate / the operations' rate)",
        // The process.
        "schema_registry_build_info": "Always 1; the version label says which build runs",
        "process_cpu_seconds_total": "User and system CPU time the process used",
        "process_resident_memory_bytes": "Resident memory of the process",
        "process_virtual_memory_bytes": "Virtual memory of the process",
        "process_open_fds": "File descriptors the process has open",
        "process_max_fds": "The process's limit of open file descriptors",
        "process_start_time_seconds": "When the process started, in seconds since the Unix epoch",
    ]

    /// Latency histogram buckets: cached answers take microseconds and a store write milliseconds
    /// to seconds, so both ends resolve (Prometheus' defaults start at 5 ms).
    public static let latencyBuckets: [Duration] = [
        .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
}
