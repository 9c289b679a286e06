import Synchronization

/// What a store's connections are doing, for the operators' metrics: how many there are, how
/// many are busy, how many callers wait for one, and how many operations took how long.
/// Stores count into it; the server publishes it at scrape time.
public final class StorePoolMeter: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var connections = 0
        public var inUse = 0
        public var waiting = 0
        public var operations = 0
        /// Seconds spent in operations (from taking a connection, or queueing on it, to done).
        public var operationSeconds = 0.0
    }

    private let state: Mutex<Snapshot>

    public init(connections: Int) {
        state = Mutex(Snapshot(connections: connections))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// A caller starts waiting for a connection.
    public func waitStarted() { state.withLock { $0.waiting += 1 } }

    /// A waiting caller got its connection (or gave up).
    public func waitEnded() { state.withLock { $0.waiting -= 1 } }

    /// An operation starts: returns the time to hand to ``operationEnded(startedAt:)``.
    public func operationStarted() -> ContinuousClock.Instant {
        state.withLock { $0.inUse += 1 }
        return .now
    }

    public func operationEnded(startedAt: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - startedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.withLock {
            $0.inUse -= 1
            $0.operations += 1
            $0.operationSeconds += seconds
        }
    }
}

/// A store that reports its connections through a ``StorePoolMeter``.
public protocol StorePoolReporting {
    var poolMeter: StorePoolMeter { get }
}
