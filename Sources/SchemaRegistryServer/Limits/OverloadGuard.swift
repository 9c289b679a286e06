import Synchronization

/// The server-wide in-flight budget: every request that leaves the event loop (everything but
/// an L1 hit) takes a slot, and gets OVERLOADED when none is free. Writes may only use the
/// first `writeShare` of the budget, so under pressure they are shed first and reads keep
/// flowing; L1 hits never come here at all.
public final class OverloadGuard: Sendable {
    private struct State {
        var inFlight = 0
        var limit: AdaptiveConcurrencyLimit
    }

    private let state: Mutex<State>
    /// Fraction of the limit writes may fill.
    public let writeShare: Double
    /// What OVERLOADED answers advise.
    public let retryAfterMilliseconds: UInt32

    public init(limit: AdaptiveConcurrencyLimit, writeShare: Double = 0.75, retryAfterMilliseconds: UInt32 = 100) {
        self.state = Mutex(State(limit: limit))
        self.writeShare = writeShare
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    /// Takes a slot, or returns false (answer OVERLOADED).
    public func tryAcquire(isWrite: Bool) -> Bool {
        state.withLock { state in
            let ceiling = Double(state.limit.currentLimit) * (isWrite ? writeShare : 1)
            guard Double(state.inFlight) < max(1, ceiling) else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Gives the slot back, with how long the request took (nanoseconds) at `now`.
    public func release(latency: UInt64, now: UInt64) {
        state.withLock { state in
            state.inFlight -= 1
            state.limit.record(latency: latency, now: now)
        }
    }

    public var inFlight: Int { state.withLock { $0.inFlight } }
    public var currentLimit: Int { state.withLock { $0.limit.currentLimit } }
}
