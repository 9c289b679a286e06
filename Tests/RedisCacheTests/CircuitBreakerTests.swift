import Synchronization
import TestSupport
import Testing

@testable import RedisCache

/// The breaker's state machine on a manual clock: no sockets, no sleeping.
@Suite struct CircuitBreakerTests {
    private func breaker(_ clock: ManualClock) -> CircuitBreaker {
        CircuitBreaker(initialBackoff: .milliseconds(100), maximumBackoff: .milliseconds(400), now: { clock.now })
    }

    @Test func closedRunsEverything() {
        let breaker = breaker(ManualClock())
        for _ in 0..<5 { #expect(breaker.admit() == .run) }
        breaker.recordSuccess(wasProbe: false)
        #expect(breaker.isClosed && breaker.opens == 0)
    }

    @Test func aFailureOpensForTheBackoffThenOneProbeIsLetThrough() {
        let clock = ManualClock()
        let breaker = breaker(clock)
        breaker.recordFailure(wasProbe: false)
        #expect(!breaker.isClosed && breaker.opens == 1)
        #expect(breaker.admit() == .reject)
        clock.advance(.milliseconds(99))
        #expect(breaker.admit() == .reject)
        clock.advance(.milliseconds(1))
        #expect(breaker.admit() == .probe)
        // Only one probe at a time.
        #expect(breaker.admit() == .reject)
        breaker.recordSuccess(wasProbe: true)
        #expect(breaker.isClosed)
        #expect(breaker.admit() == .run)
    }

    @Test func failedProbesDoubleTheBackoffUpToTheMaximum() {
        let clock = ManualClock()
        let breaker = breaker(clock)
        breaker.recordFailure(wasProbe: false)
        for expected in [200, 400, 400] {
            clock.advance(.seconds(1))
            #expect(breaker.admit() == .probe)
            breaker.recordFailure(wasProbe: true)
            clock.advance(.milliseconds(expected - 1))
            #expect(breaker.admit() == .reject, "backoff should be \(expected) ms")
            clock.advance(.milliseconds(1))
            #expect(breaker.admit() == .probe)
            breaker.recordFailure(wasProbe: true)
        }
        #expect(breaker.opens == 1)  // probes failing do not count as new openings

        // Success resets the backoff to its initial value.
        clock.advance(.seconds(1))
        #expect(breaker.admit() == .probe)
        breaker.recordSuccess(wasProbe: true)
        breaker.recordFailure(wasProbe: false)
        #expect(breaker.opens == 2)
        clock.advance(.milliseconds(100))
        #expect(breaker.admit() == .probe)
    }

    @Test func lateResultsOfCallsAdmittedBeforeTheFailureChangeNothing() {
        let clock = ManualClock()
        let breaker = breaker(clock)
        breaker.recordFailure(wasProbe: false)
        // A call admitted earlier succeeds late: the breaker stays open until a probe succeeds.
        breaker.recordSuccess(wasProbe: false)
        #expect(!breaker.isClosed)
        // Another one fails late: still one opening, same window.
        breaker.recordFailure(wasProbe: false)
        #expect(breaker.opens == 1)
        clock.advance(.milliseconds(100))
        #expect(breaker.admit() == .probe)
    }
}
