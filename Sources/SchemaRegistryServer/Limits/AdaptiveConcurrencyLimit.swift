import Foundation

/// A concurrency limit that follows what the machine can do. Pure: time and latencies come in
/// as numbers, so it is tested without clocks.
///
/// - A completion slower than the latency target means requests are queueing (for the store,
///   for CPU): the limit shrinks by `decreaseFactor`, at most once per `decreaseInterval` (a
///   burst of slow completions is one signal, not many). Admitting fewer brings latency back,
///   and the requests turned away get OVERLOADED at once instead of waiting in a queue that
///   only grows.
/// - Fast completions grow it by about one per `limit` of them (additive increase).
/// - And time heals: once no completion has been slow for `quietPeriod`, the limit grows by
///   `recoveryFactor` every `recoveryInterval` until it is back at the maximum, with or without
///   traffic. Without this, growth needed `limit` fast completions per slot: after an outage
///   the limit stayed low for minutes, and an idle server shed the first burst that came
///   (issue 13: 2,048 fell to 224 and ten seconds of 9,500 fast requests raised it to 264).
public struct AdaptiveConcurrencyLimit: Sendable {
    public private(set) var limit: Double
    public private(set) var minimum: Double
    public private(set) var maximum: Double
    /// Nanoseconds a request may take before the limit shrinks.
    public let latencyTarget: UInt64
    public let decreaseFactor: Double
    /// One decrease per interval: a burst of slow completions is one signal, not many.
    public let decreaseInterval: UInt64
    /// How long after the last slow completion time-based recovery starts (nanoseconds).
    public let quietPeriod: UInt64
    /// Growth per `recoveryInterval` while recovering.
    public let recoveryFactor: Double
    public let recoveryInterval: UInt64
    private var lastDecrease: UInt64?
    /// When the last slow completion was seen.
    private var lastSlow: UInt64?
    /// Recovery has been applied up to this time.
    private var recoveredUntil: UInt64 = 0

    public init(
        maximum: Int, minimum: Int = 8, latencyTarget: Duration, decreaseFactor: Double = 0.9,
        decreaseInterval: Duration = .milliseconds(100), quietPeriod: Duration = .seconds(1),
        recoveryFactor: Double = 1.1, recoveryInterval: Duration = .milliseconds(100)
    ) {
        self.maximum = Double(max(1, maximum))
        self.minimum = Double(max(1, min(minimum, maximum)))
        self.limit = self.maximum
        self.latencyTarget = Self.nanoseconds(latencyTarget)
        self.decreaseFactor = decreaseFactor
        self.decreaseInterval = Self.nanoseconds(decreaseInterval)
        self.quietPeriod = Self.nanoseconds(quietPeriod)
        self.recoveryFactor = recoveryFactor
        self.recoveryInterval = max(1, Self.nanoseconds(recoveryInterval))
    }

    /// The same rules with maximum and minimum scaled by `share` (the writes' part of a budget).
    public func scaled(by share: Double) -> AdaptiveConcurrencyLimit {
        var scaled = self
        scaled.maximum = max(1, (maximum * share).rounded(.down))
        scaled.minimum = max(1, (minimum * share).rounded(.down))
        scaled.limit = min(scaled.maximum, max(scaled.minimum, (limit * share).rounded(.down)))
        return scaled
    }

    /// The whole number of requests admitted at once (as of the last `advance`/`record`).
    public var currentLimit: Int { Int(limit) }

    /// A request finished after `latency` nanoseconds, at time `now` (nanoseconds, monotonic).
    public mutating func record(latency: UInt64, now: UInt64) {
        advance(to: now)
        if latency > latencyTarget {
            lastSlow = now
            if let lastDecrease, now &- lastDecrease < decreaseInterval { return }
            lastDecrease = now
            limit = max(minimum, limit * decreaseFactor)
        } else {
            limit = min(maximum, limit + 1 / limit)
        }
    }

    /// Applies time-based recovery up to `now`.
    public mutating func advance(to now: UInt64) {
        guard limit < maximum, let lastSlow else { return }
        let start = max(recoveredUntil, lastSlow &+ quietPeriod)
        guard now > start else { return }
        let steps = (now - start) / recoveryInterval
        guard steps > 0 else { return }
        limit = min(maximum, limit * pow(recoveryFactor, Double(min(steps, 1000))))
        recoveredUntil = start + steps * recoveryInterval
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
    }
}
