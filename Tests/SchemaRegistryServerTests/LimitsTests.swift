import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// The adaptive budget itself: pure, no clocks.
@Suite struct AdaptiveLimitTests {
    @Test func slowCompletionsShrinkTheLimitOncePerIntervalAndFastOnesGrowIt() {
        var limit = AdaptiveConcurrencyLimit(
            maximum: 100, minimum: 10, latencyTarget: .milliseconds(10), decreaseInterval: .milliseconds(100))
        #expect(limit.currentLimit == 100)
        let slow: UInt64 = 50_000_000
        limit.record(latency: slow, now: 1_000_000_000)
        #expect(limit.currentLimit == 90)
        // A burst of slow completions within the interval is one signal.
        for offset in 1...50 { limit.record(latency: slow, now: 1_000_000_000 + UInt64(offset) * 1_000_000) }
        #expect(limit.currentLimit == 90)
        // Sustained slowness keeps shrinking it, down to the minimum and no further.
        for step in 1...100 { limit.record(latency: slow, now: 1_000_000_000 + UInt64(step) * 100_000_000) }
        #expect(limit.currentLimit == 10)
        // Within the quiet period, fast completions grow it by about one per `limit` of them.
        let lastSlow: UInt64 = 1_000_000_000 + 100 * 100_000_000
        for _ in 0..<12 { limit.record(latency: 1_000_000, now: lastSlow + 500_000_000) }
        #expect(limit.currentLimit == 11)
    }

    /// Once nothing has been slow for the quiet period (1 s), the limit grows 10% every 100 ms,
    /// traffic or not: from its minimum back to the ceiling within seconds (issue 13: it had
    /// stayed at 224 of 2,048 through ten seconds of fast requests).
    @Test func theLimitRecoversInSecondsOnceLatencyIsBack() {
        var limit = AdaptiveConcurrencyLimit(maximum: 2048, minimum: 8, latencyTarget: .milliseconds(100))
        let second: UInt64 = 1_000_000_000
        for step in 0..<200 { limit.record(latency: 300_000_000, now: second + UInt64(step) * 100_000_000) }
        #expect(limit.currentLimit == 8)
        let lastSlow = second + 199 * 100_000_000
        // Still within the quiet period: no time-based growth.
        limit.advance(to: lastSlow + second - 1)
        #expect(limit.currentLimit == 8)
        // 1 s quiet, then 10% per 100 ms: 8 -> 2048 takes ln(256)/ln(1.1) = 59 steps, 5.9 s.
        limit.advance(to: lastSlow + 4 * second)
        let midway = limit.currentLimit
        #expect(midway > 8 && midway < 2048)
        limit.advance(to: lastSlow + 7 * second)
        #expect(limit.currentLimit == 2048)
        // A new slow completion starts it over from where it is.
        limit.record(latency: 300_000_000, now: lastSlow + 8 * second)
        #expect(limit.currentLimit == Int(2048 * 0.9))
    }

    /// An idle server sheds nothing: after an outage shrank the budget, the first burst after
    /// a quiet spell (512 reads on one connection, as in issue 13) is admitted whole.
    @Test func anIdleServerAdmitsABurstAfterAnOutage() {
        let budget = OverloadGuard(limit: AdaptiveConcurrencyLimit(maximum: 2048, latencyTarget: .milliseconds(100)))
        let second: UInt64 = 1_000_000_000
        // An outage: every read slow for 3 s.
        for step in 0..<30 {
            let now = second + UInt64(step) * 100_000_000
            #expect(budget.tryAcquire(isWrite: false, now: now))
            budget.release(isWrite: false, latency: 2 * second, now: now)
        }
        #expect(budget.currentLimit < 200)
        // Ten quiet seconds later, 512 at once.
        let later = 14 * second
        #expect((0..<512).allSatisfy { _ in budget.tryAcquire(isWrite: false, now: later) })
        #expect(budget.currentLimit == 2048)
    }

    /// Slow writes (queued behind one subject's lock, or a slow store) shrink what writes may
    /// take, never what reads may.
    @Test func slowWritesDoNotShrinkTheReadsBudget() {
        let budget = OverloadGuard(limit: AdaptiveConcurrencyLimit(maximum: 100, latencyTarget: .milliseconds(100)))
        for step in 0..<50 {
            let now = UInt64(step + 1) * 100_000_000
            #expect(budget.tryAcquire(isWrite: true, now: now))
            budget.release(isWrite: true, latency: 500_000_000, now: now)
        }
        #expect(budget.currentWriteLimit < 75)
        #expect(budget.currentLimit == 100)
        #expect((0..<100).allSatisfy { _ in budget.tryAcquire(isWrite: false, now: 5_000_000_000) })
    }

    @Test func writesGetOnlyTheirShareOfTheBudget() {
        let budget = OverloadGuard(
            limit: AdaptiveConcurrencyLimit(maximum: 8, minimum: 1, latencyTarget: .seconds(1)), writeShare: 0.5)
        for _ in 0..<4 { #expect(budget.tryAcquire(isWrite: true, now: 1)) }
        #expect(!budget.tryAcquire(isWrite: true, now: 1))
        for _ in 0..<4 { #expect(budget.tryAcquire(isWrite: false, now: 1)) }
        #expect(!budget.tryAcquire(isWrite: false, now: 1))
        budget.release(isWrite: false, latency: 1, now: 1)
        #expect(budget.tryAcquire(isWrite: false, now: 1))
        #expect(!budget.tryAcquire(isWrite: true, now: 1))
    }

    @Test func connectionLimitsCountPerAddressAndInAll() {
        let limiter = ConnectionLimiter(maxConnections: 3, maxPerAddress: 2)
        #expect(limiter.admit("10.0.0.1") == nil)
        #expect(limiter.admit("10.0.0.1") == nil)
        #expect(limiter.admit("10.0.0.1")?.contains("max-connections-per-address 2") == true)
        #expect(limiter.admit("10.0.0.2") == nil)
        #expect(limiter.admit("10.0.0.3")?.contains("max-connections 3") == true)
        limiter.release("10.0.0.1")
        #expect(limiter.admit("10.0.0.3") == nil)
        #expect(limiter.open == 3)
    }

    @Test func nestingIsMeasuredOutsideStrings() {
        #expect(JSONNesting.exceeds(2, in: Array(#"{"a":[1,{"b":"[[[[["}]}"#.utf8)))
        #expect(!JSONNesting.exceeds(3, in: Array(#"{"a":[1,{"b":"[[[[["}]}"#.utf8)))
        #expect(!JSONNesting.exceeds(1, in: Array(#"{"a":"\"{{{{"}"#.utf8)))
        #expect(JSONNesting.exceeds(100, in: Array(String(repeating: "[", count: 101).utf8)))
    }
}

/// Limits at the edge of a real server, over real sockets.
@Suite struct LimitsTests {
    @Test func connectionsBeyondThePerAddressLimitGetGoAwayOverloaded() async throws {
        try await withServer({ $0.maxConnectionsPerAddress = 3 }) { server in
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let raw = try RawConnection(port: server.port)
                _ = try await raw.handshake()
                held.append(raw)
            }
            let refused = try RawConnection(port: server.port)
            let goAway = try #require(try await refused.readUntilClosed())
            #expect(goAway.header.kind == .goAway && goAway.header.code == StatusCode.overloaded.rawValue)
            #expect(RawConnection.errorMessage(goAway).contains("max-connections-per-address 3"))
            // When one of them leaves, a new connection is served again.
            held.removeFirst()  // closes its socket
            let served = await eventually {
                let client = server.client()
                let served = (try? await client.serverInfo(.init())) != nil
                await client.close()
                return served
            }
            #expect(served)
            held.removeAll()
        }
    }

    @Test func overBudgetRequestsAreShedWritesFirstAndL1HitsKeepFlowing() async throws {
        try await withServer({
            $0.maxInFlightGlobal = 4
            $0.overloadLatencyTarget = .seconds(3600)  // keep the budget at 4: this test is not about adapting
        }) { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let id = try await client.registerSchema(
                .with {
                    $0.subject = "orders"
                    $0.schema = avroRecord("Order")
                }
            ).id
            let noRetries = CallOptions(maxRetries: 0)
            // Fill three of the four slots, as three slow requests would: writes (share 0.75 -> 3) are shed.
            for _ in 0..<3 { #expect(server.server.overload.tryAcquire(isWrite: false)) }
            do {
                _ = try await client.registerSchema(
                    .with {
                        $0.subject = "orders"
                        $0.schema = avroRecord("Order", fields: 3)
                    }, options: noRetries)
                Issue.record("a write over its share of the budget was executed")
            } catch let error as SchemaRegistryClientError {
                #expect(error.status == .overloaded && error.retryAfterMilliseconds > 0)
            }
            // Reads still have the last slot; an L1 hit needs none.
            _ = try await client.listSubjects(.init())
            #expect(server.server.overload.tryAcquire(isWrite: false))
            await #expect(throws: SchemaRegistryClientError.self) {
                _ = try await client.listSubjects(.init(), options: noRetries)
            }
            #expect(try await client.getSchemaById(.with { $0.id = id }).schema.id == id)
            for _ in 0..<4 { server.server.overload.release(isWrite: false, latency: 0, now: 1) }
            // Budget back: the write goes through, so nothing was lost but the refused attempt.
            let second = try await client.registerSchema(
                .with {
                    $0.subject = "orders"
                    $0.schema = avroRecord("Order", fields: 3)
                })
            #expect(second.version == 2)
        }
    }

    /// A soak of racing registrations slow enough to shrink the budget (a 1 ms latency target
    /// makes every write "slow"), then quiet: the limits go back to their ceilings on their own.
    @Test func afterASoakOfSlowWritesTheLimitsReturnToTheirCeiling() async throws {
        try await withServer({ $0.overloadLatencyTarget = .milliseconds(1) }) { server in
            let client = server.client()
            for round in 0..<3 {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<64 {
                        group.addTask {
                            _ = try? await client.registerSchema(
                                .with {
                                    $0.subject = "soak-\(writer % 4)"
                                    $0.schema = avroRecord("Soak", seed: round * 100 + writer)
                                })
                        }
                    }
                }
            }
            let overload = server.server.overload
            #expect(overload.currentWriteLimit < Int(Double(server.server.configuration.maxInFlightGlobal) * 0.75))
            // Nothing slow any more: back at the ceilings (how soon is the limit's business,
            // tested on numbers above; this waits for it).
            let ceiling = server.server.configuration.maxInFlightGlobal
            #expect(
                await eventually {
                    // Taking and giving back a slot applies the time that passed.
                    if overload.tryAcquire(isWrite: false) {
                        overload.release(isWrite: false, latency: 0, now: NIODeadline.now().uptimeNanoseconds)
                    }
                    return overload.currentLimit == ceiling && overload.currentWriteLimit == Int(Double(ceiling) * 0.75)
                })
            await client.close()
        }
    }

    @Test func aFrameTrickledTooSlowlyClosesTheConnection() async throws {
        try await withServer({ $0.frameTimeout = .milliseconds(200) }) { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            raw.send([0, 0, 0, 10, 1])  // five bytes of a twelve-byte header, then nothing
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.header.code == StatusCode.idleTimeout.rawValue)
            #expect(RawConnection.errorMessage(goAway).contains("frame-timeout-ms"))
        }
    }

    @Test func tooDeepSchemasPayloadsAndReferenceChainsAreRefused() async throws {
        try await withServer({
            $0.registry.maxNestingDepth = 16
            $0.registry.maxReferenceDepth = 2
        }) { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let deep =
                String(repeating: #"{"type":"array","items":"#, count: 20) + #""string""#
                + String(repeating: "}", count: 20)
            do {
                _ = try await client.registerSchema(
                    .with {
                        $0.subject = "deep"
                        $0.schema = deep
                    })
                Issue.record("a schema nested 20 deep was accepted with a limit of 16")
            } catch let error as SchemaRegistryClientError {
                #expect(error.registryErrorCode == 42201 && error.message.contains("deeper than 16"))
            }
            // A chain a -> b -> c is depth 2: fine; d -> c -> b -> a is depth 3: refused.
            func register(_ name: String, referencing previous: String?) async throws -> Srp_RegisterSchemaResponse {
                try await client.registerSchema(
                    .with {
                        $0.subject = name
                        $0.schemaType = .json
                        if let previous {
                            $0.schema = #"{"type":"object","properties":{"f":{"$ref":"\#(previous)"}}}"#
                            $0.references = [
                                .with {
                                    $0.name = previous
                                    $0.subject = previous
                                    $0.version = 1
                                }
                            ]
                        } else {
                            $0.schema = #"{"type":"object"}"#
                        }
                    })
            }
            _ = try await register("A", referencing: nil)
            _ = try await register("B", referencing: "A")
            _ = try await register("C", referencing: "B")
            do {
                _ = try await register("D", referencing: "C")
                Issue.record("a reference chain 3 deep was accepted with a limit of 2")
            } catch let error as SchemaRegistryClientError {
                #expect(error.registryErrorCode == 42201 && error.message.contains("References nest deeper than 2"))
            }
            // Payloads too.
            let id = try await register("E", referencing: nil).id
            do {
                _ = try await client.validatePayload(
                    .with {
                        $0.id = id
                        $0.payload = Data(String(repeating: "[", count: 40).utf8)
                    })
                Issue.record("a payload nested 40 deep was validated with a limit of 16")
            } catch let error as SchemaRegistryClientError {
                #expect(error.registryErrorCode == 42209)
            }
        }
    }
}
