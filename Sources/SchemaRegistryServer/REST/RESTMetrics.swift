import CoreMetrics
import NIOHTTP1
import Synchronization

/// What the REST port counts (names and help in ``MetricsCatalog``): answers by route template
/// and HTTP status, durations of requests that ran in a task, and refused credentials.
final class RESTMetrics: Sendable {
    let authFailures = Counter(label: "rest_auth_failures_total")
    private let cachedAnswers = Counter(
        label: "rest_requests_total", dimensions: [("route", "GET /schemas/ids/{id}"), ("status", "200")])
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Timer]>([:])

    /// An answer from L1 on the event loop (one atomic add; not timed).
    func recordCached() { cachedAnswers.increment() }

    /// `nanoseconds` 0: answered without running (refusals), not timed.
    func record(_ route: RESTRoute, status: HTTPResponseStatus, nanoseconds: UInt64) {
        let key = "\(route.name) \(status.code)"
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let made = Counter(
                label: "rest_requests_total", dimensions: [("route", route.name), ("status", "\(status.code)")])
            counters[key] = made
            return made
        }
        counter.increment()
        guard nanoseconds > 0 else { return }
        let timer = timers.withLock { timers in
            if let timer = timers[route.name] { return timer }
            let made = Timer(label: "rest_request_duration_seconds", dimensions: [("route", route.name)])
            timers[route.name] = made
            return made
        }
        timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }
}
