import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistryServer
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
        // Fast completions grow it back by about one per `limit` of them, up to the maximum.
        for _ in 0..<12 { limit.record(latency: 1_000_000, now: 100_000_000_000) }
        #expect(limit.currentLimit == 11)
        for _ in 0..<100_000 { limit.record(latency: 1_000_000, now: 100_000_000_000) }
        #expect(limit.currentLimit == 100)
    }

    @Test func writesGetOnlyTheirShareOfTheBudget() {
        let budget = OverloadGuard(
            limit: AdaptiveConcurrencyLimit(maximum: 8, minimum: 1, latencyTarget: .seconds(1)), writeShare: 0.5)
        for _ in 0..<4 { #expect(budget.tryAcquire(isWrite: true)) }
        #expect(!budget.tryAcquire(isWrite: true))
        for _ in 0..<4 { #expect(budget.tryAcquire(isWrite: false)) }
        #expect(!budget.tryAcquire(isWrite: false))
        budget.release(latency: 1, now: 1)
        #expect(budget.tryAcquire(isWrite: false))
        #expect(!budget.tryAcquire(isWrite: true))
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
            for _ in 0..<4 { server.server.overload.release(latency: 0, now: 1) }
            // Budget back: the write goes through, so nothing was lost but the refused attempt.
            let second = try await client.registerSchema(
                .with {
                    $0.subject = "orders"
                    $0.schema = avroRecord("Order", fields: 3)
                })
            #expect(second.version == 2)
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
