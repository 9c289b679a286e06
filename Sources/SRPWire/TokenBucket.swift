/// A token bucket: `rate` tokens a second up to `burst`; each request spends its cost.
///
/// Pure: time comes in as monotonic nanoseconds, so tests drive it with a manual clock.
/// A refused request spends nothing, so a client that backs off for the advised time
/// converges to exactly `rate` tokens a second.
public struct TokenBucket: Sendable, Hashable {
    public enum Decision: Sendable, Hashable {
        case admitted
        /// Not enough tokens: retry after this many nanoseconds, when the cost will be covered.
        case throttled(retryAfterNanoseconds: UInt64)
    }

    /// Tokens per second; 0 disables the bucket.
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var lastRefill: UInt64

    public init(rate: Double, burst: Double, now: UInt64) {
        self.rate = rate
        self.burst = max(burst, 1)
        self.tokens = self.burst
        self.lastRefill = now
    }

    public var isEnabled: Bool { rate > 0 }

    /// Tokens available at `now` (for tests and metrics).
    public func available(now: UInt64) -> Double {
        min(burst, tokens + Double(now &- min(now, lastRefill)) * rate / 1e9)
    }

    public mutating func take(cost: Int, now: UInt64) -> Decision {
        guard isEnabled, cost > 0 else { return .admitted }
        tokens = available(now: now)
        lastRefill = max(lastRefill, now)
        // A cost above the burst could never be paid; charge the whole bucket instead.
        let price = min(Double(cost), burst)
        if tokens >= price {
            tokens -= price
            return .admitted
        }
        let missing = price - tokens
        return .throttled(retryAfterNanoseconds: UInt64((missing / rate * 1e9).rounded(.up)))
    }
}
