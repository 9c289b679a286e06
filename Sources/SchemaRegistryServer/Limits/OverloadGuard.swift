import NIOCore
import Synchronization

/// The server-wide in-flight budget: every request that leaves the event loop (everything but
/// an L1 hit) takes a slot, and gets OVERLOADED when none is free. L1 hits never come here.
///
/// Reads and writes have limits of their own, each adapting to its own latencies
/// (``AdaptiveConcurrencyLimit``): registrations queued behind one subject's lock, or a slow
/// store write, shrink what writes may take and never what reads may. A write is admitted only
/// while the requests in flight are fewer than the writes' limit (at most `writeShare` of the
/// budget), so under pressure writes are shed first and reads keep flowing; reads may fill it.
public final class OverloadGuard: Sendable {
    private struct State {
        var reads: AdaptiveConcurrencyLimit
        var writes: AdaptiveConcurrencyLimit
        var readsInFlight = 0
        var writesInFlight = 0
    }

    private let state: Mutex<State>
    /// Fraction of the budget writes may fill.
    public let writeShare: Double
    /// What OVERLOADED answers advise.
    public let retryAfterMilliseconds: UInt32

    /// - Parameter limit: the reads' limit; the writes' is the same scaled by `writeShare`.
    public init(limit: AdaptiveConcurrencyLimit, writeShare: Double = 0.75, retryAfterMilliseconds: UInt32 = 100) {
        let writes = limit.scaled(by: writeShare)
        self.state = Mutex(State(reads: limit, writes: writes))
        self.writeShare = writeShare
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    /// Takes a slot, or returns false (answer OVERLOADED). `now`: monotonic nanoseconds.
    public func tryAcquire(isWrite: Bool, now: UInt64 = NIODeadline.now().uptimeNanoseconds) -> Bool {
        state.withLock { state in
            state.reads.advance(to: now)
            state.writes.advance(to: now)
            let total = state.readsInFlight + state.writesInFlight
            guard total < max(1, state.reads.currentLimit) else { return false }
            if isWrite {
                // Writes are admitted only while the whole budget is below their limit: the
                // last part of it is left to reads.
                guard total < max(1, state.writes.currentLimit) else { return false }
                state.writesInFlight += 1
            } else {
                state.readsInFlight += 1
            }
            return true
        }
    }

    /// Gives the slot back, with how long the request took (nanoseconds) at `now`.
    public func release(isWrite: Bool, latency: UInt64, now: UInt64) {
        state.withLock { state in
            if isWrite {
                state.writesInFlight -= 1
                state.writes.record(latency: latency, now: now)
            } else {
                state.readsInFlight -= 1
                state.reads.record(latency: latency, now: now)
            }
        }
    }

    public var inFlight: Int { state.withLock { $0.readsInFlight + $0.writesInFlight } }
    /// The whole budget (what reads may fill).
    public var currentLimit: Int { state.withLock { $0.reads.currentLimit } }
    /// What writes may fill.
    public var currentWriteLimit: Int { state.withLock { $0.writes.currentLimit } }
}
