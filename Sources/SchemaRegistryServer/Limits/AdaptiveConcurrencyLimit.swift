/// An AIMD concurrency limit that follows what the machine can do: it grows by about one for
/// every `limit` requests that finish within the latency target, and shrinks by
/// `decreaseFactor` (at most once per `decreaseInterval`) when one takes longer. Pure: time
/// and latencies come in as numbers, so it is tested without clocks.
///
/// Latency past the target means requests are queueing (for the store, for CPU); admitting
/// fewer of them brings latency back, and the requests turned away get OVERLOADED at once
/// instead of waiting in a queue that only grows.
public struct AdaptiveConcurrencyLimit: Sendable {
    public private(set) var limit: Double
    public let minimum: Double
    public let maximum: Double
    /// Nanoseconds a request may take before the limit shrinks.
    public let latencyTarget: UInt64
    public let decreaseFactor: Double
    /// One decrease per interval: a burst of slow completions is one signal, not many.
    public let decreaseInterval: UInt64
    private var lastDecrease: UInt64 = 0

    public init(
        maximum: Int, minimum: Int = 8, latencyTarget: Duration, decreaseFactor: Double = 0.9,
        decreaseInterval: Duration = .milliseconds(100)
    ) {
        self.maximum = Double(max(1, maximum))
        self.minimum = Double(max(1, min(minimum, maximum)))
        self.limit = self.maximum
        self.latencyTarget = Self.nanoseconds(latencyTarget)
        self.decreaseFactor = decreaseFactor
        self.decreaseInterval = Self.nanoseconds(decreaseInterval)
    }

    /// The whole number of requests admitted at once now.
    public var currentLimit: Int { Int(limit) }

    /// A request finished after `latency` nanoseconds, at time `now` (nanoseconds, monotonic).
    public mutating func record(latency: UInt64, now: UInt64) {
        if latency > latencyTarget {
            guard now &- lastDecrease >= decreaseInterval || lastDecrease == 0 else { return }
            lastDecrease = now
            limit = max(minimum, limit * decreaseFactor)
        } else {
            limit = min(maximum, limit + 1 / limit)
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
    }
}
