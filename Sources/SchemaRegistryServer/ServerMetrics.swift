import CoreMetrics
import SRPWire
import SchemaRegistryCore
import Synchronization

/// What the server counts, through swift-metrics: `schema-registry serve` bootstraps the
/// Prometheus backend (``ServerMetricsFactory``, served by ``MetricsHTTPServer``); an embedder
/// picks its own, or none (then every call here is a no-op). Names and help: ``MetricsCatalog``.
///
/// Handles are made once (per method, per status) so that recording is one atomic add; the
/// cached GetSchemaById path does not record per request at all: each connection counts its
/// hits and bytes locally and adds them once per read batch, and times a sample of them.
public final class ServerMetrics: Sendable {
    let bytesReceived = Counter(label: "srp_bytes_received_total")
    let bytesSent = Counter(label: "srp_bytes_sent_total")
    /// Requests refused by the connection's state machine (THROTTLED and friends).
    let rejected = Counter(label: "srp_requests_rejected_total")
    let registrations = Counter(label: "registry_registrations_total")
    /// Handshakes refused for their credentials (the reason is logged, not labelled).
    let authFailures = Counter(label: "srp_auth_failures_total")
    /// Requests refused with OVERLOADED by the global in-flight budget, by kind.
    let shedReads = Counter(label: "srp_requests_shed_total", dimensions: [("kind", "read")])
    let shedWrites = Counter(label: "srp_requests_shed_total", dimensions: [("kind", "write")])
    /// Connections refused at accept (global or per-address limit).
    let connectionsRefused = Counter(label: "srp_connections_refused_total")
    /// Bodies sent LZ4-compressed: their size before and after (ratio = plain / wire).
    let compressedPlainBytes = Counter(label: "srp_lz4_plain_bytes_total")
    let compressedWireBytes = Counter(label: "srp_lz4_wire_bytes_total")
    /// Requests answered DEADLINE_EXCEEDED.
    let deadlinesExceeded = Counter(label: "srp_deadlines_exceeded_total")
    /// TLS handshakes that failed or never completed (the SRP port with TLS on).
    let tlsHandshakeFailures = Counter(label: "srp_tls_handshake_failures_total")
    /// Watches (docs/PROTOCOL.md 19): started, events written, RESYNCs owed to watchers.
    let watchesStarted = Counter(label: "srp_watches_started_total")
    let watchEventsSent = Counter(label: "srp_watch_events_sent_total")
    let watchResyncs = Counter(label: "srp_watch_resyncs_total")
    /// Totals kept elsewhere, published as counters at scrape time.
    let scrapeCounters = ScrapeCounters()
    /// Answered from L1 on the event loop (GetSchemaById, OK).
    private let cachedAnswers: Counter
    /// A sample of those answers, timed (``MetricsCatalog/cachedReadSampling``).
    private let cachedLatency = Timer(label: "srp_cached_request_duration_seconds")
    private let latency: [UInt16: Timer]
    private let counters = Mutex<[UInt32: Counter]>([:])

    public init() {
        cachedAnswers = Self.requestCounter(.getSchemaById, .ok)
        var latency: [UInt16: Timer] = [:]
        for method in SRPMethod.allCases {
            latency[method.rawValue] = Timer(
                label: "srp_request_duration_seconds", dimensions: [("method", method.name)])
        }
        self.latency = latency
    }

    /// The `status` label: a name (`OK`, `THROTTLED`, `SCHEMA_NOT_FOUND`), never a number, so that
    /// queries and alerts say what they mean.
    static func statusName(_ status: StatusCode) -> String {
        status == .ok || status.isProtocolStatus
            ? status.description : RegistryError.Code(rawValue: Int(status.rawValue)).name
    }

    private static func requestCounter(_ methodName: String, _ status: StatusCode) -> Counter {
        Counter(label: "srp_requests_total", dimensions: [("method", methodName), ("status", statusName(status))])
    }

    private static func requestCounter(_ method: SRPMethod, _ status: StatusCode) -> Counter {
        requestCounter(method.name, status)
    }

    /// Requests answered from L1 without leaving the event loop (counted in batches).
    func recordCachedAnswers(_ count: Int) {
        if count > 0 { cachedAnswers.increment(by: Int64(count)) }
    }

    /// One sampled cached answer: nanoseconds from the read that brought it to its write.
    func recordCachedLatency(nanoseconds: UInt64) {
        cachedLatency.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// A request that ran in a task: its status and how long it took.
    func recordDispatched(_ method: SRPMethod, status: StatusCode, duration: Duration) {
        recordAnswered(method, status: status)
        let (seconds, attoseconds) = duration.components
        latency[method.rawValue]?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if method == .registerSchema, status == .ok { registrations.increment() }
    }

    /// A request answered with `status` (`method` nil: an id no method has). Those answered on the
    /// event loop without running (OVERLOADED, THROTTLED, BAD_COMPRESSION, ...) come here directly:
    /// srp_requests_total counts every answer, refusals included.
    func recordAnswered(_ method: SRPMethod?, status: StatusCode) {
        let key = UInt32(method?.rawValue ?? 0) << 16 | UInt32(status.rawValue)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Self.requestCounter(method?.name ?? "unknown", status)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
