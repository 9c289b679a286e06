import Resilience
import Testing

@Suite struct ExponentialBackoffTests {
    @Test func doublesFromInitialUpToMaximumAndResetsOnSuccess() {
        var backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        let delays = (0..<7).map { _ in backoff.failed() }
        #expect(delays == [100, 200, 400, 800, 1000, 1000, 1000].map { .milliseconds($0) })
        #expect(backoff.failures == 7)
        backoff.succeeded()
        #expect(backoff.failures == 0)
        #expect(backoff.failed() == .milliseconds(100))
    }

    @Test func delayAfterFailuresAgreesWithTheStatefulSequence() {
        var backoff = ExponentialBackoff(initial: .milliseconds(10), maximum: .seconds(2))
        let template = backoff
        for failures in 1...20 {
            #expect(template.delay(afterFailures: failures) == backoff.failed(), "after \(failures)")
        }
        #expect(template.delay(afterFailures: 0) == .milliseconds(10))
    }
}
