import SRPWire
import Testing

/// The bucket takes time as monotonic nanoseconds, so a manual clock drives it.
@Suite("TokenBucket")
struct TokenBucketTests {
    private static let second: UInt64 = 1_000_000_000
    private static let millisecond: UInt64 = 1_000_000

    @Test("a full bucket admits the burst, then throttles with the time the cost needs")
    func burstThenThrottle() {
        var bucket = TokenBucket(rate: 100, burst: 10, now: 0)
        for _ in 0..<10 { #expect(bucket.take(cost: 1, now: 0) == .admitted) }
        guard case .throttled(let retry) = bucket.take(cost: 1, now: 0) else {
            Issue.record("the 11th request was admitted")
            return
        }
        // One token at 100 tokens/s: 10 ms (rounded up to the nanosecond).
        #expect(retry >= 10 * Self.millisecond && retry <= 10 * Self.millisecond + 1)

        // A cost of 4 with 0 tokens: 40 ms.
        guard case .throttled(let retry4) = bucket.take(cost: 4, now: 0) else {
            Issue.record("admitted with an empty bucket")
            return
        }
        #expect(retry4 >= 40 * Self.millisecond && retry4 <= 40 * Self.millisecond + 1)
    }

    @Test("waiting the advised time is always enough")
    func retryAfterIsEnough() {
        for (rate, burst, cost) in [(100.0, 10.0, 1), (3.0, 5.0, 2), (100_000.0, 20_000.0, 10), (7.0, 1.0, 1)] {
            var bucket = TokenBucket(rate: rate, burst: burst, now: 0)
            var now: UInt64 = 0
            while bucket.take(cost: cost, now: now) == .admitted {}
            for _ in 0..<100 {
                guard case .throttled(let retry) = bucket.take(cost: cost, now: now) else {
                    Issue.record("admitted with an empty bucket")
                    return
                }
                #expect(retry > 0)
                now += retry
                #expect(bucket.take(cost: cost, now: now) == .admitted, "rate \(rate) cost \(cost) at \(now)")
            }
        }
    }

    @Test("refused requests spend nothing")
    func refusalIsFree() {
        var bucket = TokenBucket(rate: 10, burst: 5, now: 0)
        for _ in 0..<5 { _ = bucket.take(cost: 1, now: 0) }
        for _ in 0..<1000 { _ = bucket.take(cost: 1, now: 50 * Self.millisecond) }
        // 100 ms at 10/s refill exactly 1 token, however many refusals came in between.
        #expect(bucket.take(cost: 1, now: 100 * Self.millisecond) == .admitted)
    }

    @Test("refill: rate tokens a second, capped at the burst")
    func refill() {
        var bucket = TokenBucket(rate: 1000, burst: 100, now: 0)
        for _ in 0..<100 { _ = bucket.take(cost: 1, now: 0) }
        #expect(bucket.available(now: 0) == 0)
        #expect(abs(bucket.available(now: 50 * Self.millisecond) - 50) < 1e-9)
        #expect(bucket.available(now: 10 * Self.second) == 100, "capped at the burst")
        // A clock that steps back never mints tokens.
        _ = bucket.take(cost: 50, now: 50 * Self.millisecond)
        #expect(bucket.available(now: 10 * Self.millisecond) == 0)
    }

    @Test("a cost above the burst charges the whole bucket instead of never passing")
    func costAboveBurst() {
        var bucket = TokenBucket(rate: 10, burst: 5, now: 0)
        #expect(bucket.take(cost: 50, now: 0) == .admitted)
        #expect(bucket.available(now: 0) == 0)
        guard case .throttled(let retry) = bucket.take(cost: 50, now: 0) else {
            Issue.record("admitted with an empty bucket")
            return
        }
        // It waits for a full bucket: 5 tokens at 10/s.
        #expect(retry >= 500 * Self.millisecond && retry <= 500 * Self.millisecond + 1)
        #expect(bucket.take(cost: 50, now: retry) == .admitted)
    }

    @Test("rate 0 disables the bucket; cost 0 is always admitted")
    func disabled() {
        var off = TokenBucket(rate: 0, burst: 10, now: 0)
        #expect(!off.isEnabled)
        for _ in 0..<100_000 { #expect(off.take(cost: 10, now: 0) == .admitted) }

        var on = TokenBucket(rate: 1, burst: 1, now: 0)
        #expect(on.take(cost: 1, now: 0) == .admitted)
        #expect(on.take(cost: 0, now: 0) == .admitted, "HELLO costs 0")
        #expect(on.take(cost: 1, now: 0) != .admitted)
    }

    @Test(
        "a client that sends as fast as allowed and honours retry-after gets burst + rate x time",
        arguments: [(1_000.0, 200.0, 10, false), (1_000.0, 200.0, 10, true), (100_000.0, 20_000.0, 7, true)])
    func convergence(rate: Double, burst: Double, cost: Int, millisecondRetry: Bool) {
        var bucket = TokenBucket(rate: rate, burst: burst, now: 0)
        let end = 60 * Self.second
        var now: UInt64 = 0
        var admitted = 0
        var refusals = 0
        while now <= end {
            switch bucket.take(cost: cost, now: now) {
            case .admitted:
                admitted += cost
            case .throttled(let retry):
                refusals += 1
                // The wire carries whole milliseconds, rounded up (as the server sends them).
                now += millisecondRetry ? (retry + Self.millisecond - 1) / Self.millisecond * Self.millisecond : retry
            }
        }
        let expected = burst + rate * 60
        #expect(abs(Double(admitted) - expected) <= expected * 0.01, "admitted \(admitted), expected \(expected)")
        #expect(refusals > 0)
    }
}
