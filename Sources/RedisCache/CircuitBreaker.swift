import Resilience
import Synchronization

/// Keeps a dead or slow Redis from costing more than one timeout.
///
/// Closed: calls run. A connection error or timeout opens it for a backoff (100 ms, doubling
/// up to 5 s); while open every call is refused at once. When the backoff has passed, exactly
/// one call becomes the probe (it reconnects and PINGs first): success closes the breaker,
/// failure reopens it with the doubled backoff.
final class CircuitBreaker: Sendable {
    enum Admission: Equatable {
        case run
        case probe
        case reject
    }

    private struct State {
        var openUntil: ContinuousClock.Instant?
        var probing = false
        var backoff: ExponentialBackoff
        /// How many times the breaker opened: also a generation number for connections, so a
        /// connection made before the last failure is not trusted afterwards.
        var opens = 0
    }

    private let state: Mutex<State>
    /// The time source: the real clock, or a manual one in tests (no sleeping, no flakiness).
    private let now: @Sendable () -> ContinuousClock.Instant

    init(
        initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(5),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.state = Mutex(State(backoff: ExponentialBackoff(initial: initialBackoff, maximum: maximumBackoff)))
        self.now = now
    }

    /// Whether calls currently run (the breaker is closed).
    var isClosed: Bool { state.withLock { $0.openUntil == nil } }

    /// How many times the breaker has opened.
    var opens: Int { state.withLock { $0.opens } }

    /// Decides what a new call may do.
    func admit() -> Admission {
        state.withLock { state in
            guard let until = state.openUntil else { return .run }
            if state.probing || now() < until { return .reject }
            state.probing = true
            return .probe
        }
    }

    /// A call succeeded. Only a probe (or a call while closed) can close the breaker, so a
    /// late success of a call admitted before the failure does not skip the probe.
    func recordSuccess(wasProbe: Bool) {
        state.withLock { state in
            guard wasProbe || state.openUntil == nil else { return }
            state.openUntil = nil
            state.probing = false
            state.backoff.succeeded()
        }
    }

    /// A call failed with a connection error or timeout.
    func recordFailure(wasProbe: Bool) {
        state.withLock { state in
            // Open for `initial` at the first failure, twice as long after each failed probe.
            if wasProbe {
                state.probing = false
                state.openUntil = now() + state.backoff.failed()
            } else if state.openUntil == nil {
                state.opens += 1
                state.openUntil = now() + state.backoff.failed()
            }
            // A failure while already open (a call admitted earlier) changes nothing.
        }
    }
}
