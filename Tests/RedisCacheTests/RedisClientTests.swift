import Foundation
import TestSupport
import Testing

@testable import RedisCache

@Suite struct RedisClientTests {
    @Test func stringCommandsRoundTrip() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let client = try RedisClient(url: url, commandTimeout: .seconds(5))
        let key = uniquePrefix() + "a"
        #expect(try await client.command(["PING"]) == .status("PONG"))
        #expect(try await client.command(["SET", key, "one"]) == .status("OK"))
        #expect(try await client.command(["GET", key]).string == "one")
        #expect(
            try await client.command(["MGET", key, key + "missing"]) == .array([.bytes(Array("one".utf8)), .null]))
        #expect(try await client.command(["DEL", key]) == .integer(1))
        #expect(try await client.command(["GET", key]) == .null)
        // Nobody subscribes to this channel: zero receivers.
        #expect(try await client.command(["PUBLISH", key, "hello"]) == .integer(0))
        // A server error is a reply, not a failure: the connection stays usable.
        _ = try await client.command(["SET", key, "text"])
        guard case .error(let message) = try await client.command(["INCR", key]) else {
            Issue.record("INCR on text should fail")
            return
        }
        #expect(message.contains("not an integer"))
        #expect(client.isAvailable)
        #expect(client.metrics.errors == 0)
    }

    @Test func valuesAndKeysAreBinarySafe() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let client = try RedisClient(url: url, commandTimeout: .seconds(5))
        let key = Array((uniquePrefix() + "bin\u{0}key").utf8)
        let value = (0...255).map { UInt8($0) } + [0, 0, 13, 10]
        _ = try await client.command(bytes: [Array("SET".utf8), key, value])
        #expect(try await client.command(bytes: [Array("GET".utf8), key]) == .bytes(value))
        _ = try await client.command(bytes: [Array("SET".utf8), key, []])
        #expect(try await client.command(bytes: [Array("GET".utf8), key]) == .bytes([]))
    }

    @Test func pipelineReturnsOneReplyPerCommand() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let client = try RedisClient(url: url, commandTimeout: .seconds(5))
        let key = uniquePrefix() + "counter"
        let incr = [Array("INCR".utf8), Array(key.utf8)]
        let replies = try await client.pipeline([incr, incr, incr, [Array("GET".utf8), Array(key.utf8)]])
        #expect(replies == [.integer(1), .integer(2), .integer(3), .bytes(Array("3".utf8))])
    }

    /// Behaviour only: the breaker's windows and probes are tested on a manual clock
    /// (CircuitBreakerTests); a 60 s backoff keeps any probe out of this test however slow it runs.
    @Test func aTimeoutOpensTheBreakerAndCallsAreRefusedWhileOpen() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let client = try RedisClient(
            url: url, poolSize: 1, commandTimeout: .milliseconds(200), initialBackoff: .seconds(60))
        // BLPOP blocks only this connection on the server, so the shared server is not disturbed.
        let error = await #expect(throws: RedisError.self) {
            // Blocks far longer than the 200 ms timeout, however late the timeout fires.
            try await client.command(["BLPOP", uniquePrefix() + "q", "60"])
        }
        #expect(error?.kind == .timeout)
        #expect(!client.isAvailable)
        #expect(client.metrics.breakerOpens == 1)

        // While open: refused without touching the connection.
        let refused = await #expect(throws: RedisError.self) { try await client.command(["PING"]) }
        #expect(refused?.kind == .unavailable)
        #expect(client.metrics.errors == 2)
    }

    /// The breaker runs on a manual clock: however slowly this test is scheduled, no probe can
    /// happen until the test moves the clock.
    @Test func aDeadServerIsRefusedWhileOpenAndRecoveryIsNoticed() async throws {
        guard ExternalService.redis.url(skipping: "a Redis test") != nil else { return }
        let port = try Ports.freeLoopbackPort()
        let clock = ManualClock()
        let client = try RedisClient(url: "redis://127.0.0.1:\(port)", now: { clock.now })
        let first = await #expect(throws: RedisError.self) { try await client.command(["PING"]) }
        #expect(first?.kind == .connection)
        #expect(!client.isAvailable)
        for _ in 0..<20 {
            let error = await #expect(throws: RedisError.self) { try await client.command(["PING"]) }
            #expect(error?.kind == .unavailable)
        }
        #expect(client.metrics.breakerOpens == 1)

        // Redis comes back; each round moves the clock past any backoff, so the next call probes.
        let server = try RedisProcess(port: port)
        try await server.start()
        let recovered = await eventually(every: .milliseconds(50)) {
            clock.advance(.seconds(10))
            return (try? await client.command(["PING"])) == .status("PONG")
        }
        await server.destroy()
        #expect(recovered)
        #expect(client.isAvailable)
        #expect(client.metrics.breakerOpens == 1)
    }

    @Test func urlsAreParsed() throws {
        let full = try RedisEndpoint(url: "redis://cache.internal:6400/3")
        #expect(full == RedisEndpoint(host: "cache.internal", port: 6400, database: 3))
        #expect(
            try RedisEndpoint(url: "redis://localhost") == RedisEndpoint(host: "localhost", port: 6379, database: 0))
        for bad in ["http://x:1", "redis://", "redis://h:0", "redis://h:x", "redis://u:p@h:1", "redis://h:1/x"] {
            #expect(throws: RedisError.self) { try RedisEndpoint(url: bad) }
        }
    }
}
