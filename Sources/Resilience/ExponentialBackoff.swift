/// Delays that start at `initial` and double after each failure, capped at `maximum`; a
/// success resets them. The one retry policy of the project (PostgreSQL and Redis reconnects,
/// the Redis circuit breaker and invalidation listener, the client's retries), so every retry
/// loop backs off the same way and is tested once.
public struct ExponentialBackoff: Sendable, Hashable {
    public let initial: Duration
    public let maximum: Duration
    /// The delay the next failure will be told to wait.
    public private(set) var next: Duration
    /// Failures since the last success.
    public private(set) var failures = 0

    /// A `maximum` below `initial` is raised to it (every delay is then `initial`).
    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(maximum, initial)
        self.next = initial
    }

    /// Records a failure and returns how long to wait before the next attempt: `initial` after
    /// the first failure, then twice the previous delay, never more than `maximum`.
    public mutating func failed() -> Duration {
        let delay = next
        failures += 1
        next = min(next * 2, maximum)
        return delay
    }

    /// Records a success: the next failure waits `initial` again.
    public mutating func succeeded() {
        next = initial
        failures = 0
    }

    /// The delay after `failures` consecutive failures (1 -> `initial`), without keeping state.
    public func delay(afterFailures failures: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(failures, 1) {
            delay = min(delay * 2, maximum)
            if delay == maximum { break }
        }
        return delay
    }
}
