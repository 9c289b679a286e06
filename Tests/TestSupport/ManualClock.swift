import Synchronization

/// Time that moves only when the test says so, for code that takes a `now` closure
/// (`CircuitBreaker`, `RedisClient`): however slowly a test is scheduled, nothing that waits
/// on this clock happens until the test calls ``advance(_:)``.
public final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    public init() {}

    public var now: ContinuousClock.Instant { start + offset.withLock { $0 } }

    /// A `now` closure reading this clock, for the initialisers that take one.
    public var nowFunction: @Sendable () -> ContinuousClock.Instant { { self.now } }

    public func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
}
