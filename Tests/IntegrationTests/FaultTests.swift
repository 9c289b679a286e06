import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

/// Faults under load, with the real binary on a PostgreSQL and a Redis of the test's own (so
/// stopping them disturbs no other test): Redis killed and restarted, PostgreSQL stopped
/// gracefully and immediately and started again.
@Suite("Faults under load", .serialized)
struct FaultTests {
    /// Reads in a bounded loop (at most `limit`, and until stopped), counting what failed.
    final class ReadLoad: Sendable {
        private final class Counters: Sendable {
            let stopped = Atomic<Bool>(false)
            let succeeded = Atomic<Int>(0)
            let failures = Mutex<[String]>([])
        }

        private let counters = Counters()
        private let task: Task<Void, Never>

        init(client: SchemaRegistryClient, ids: [UInt32], subjects: [String], limit: Duration = .seconds(90)) {
            let counters = self.counters
            task = Task {
                let deadline = ContinuousClock.now + limit
                var round = 0
                while !counters.stopped.load(ordering: .relaxed), ContinuousClock.now < deadline {
                    round += 1
                    do {
                        let id = ids[round % ids.count]
                        let subject = subjects[round % subjects.count]
                        async let byID = client.getSchemaById(.with { $0.id = id })
                        async let latest = client.getSchemaByVersion(
                            .with {
                                $0.subject = subject
                                $0.version = -1
                            })
                        let (schema, version) = try await (byID, latest)
                        guard schema.schema.id == id, version.schema.subject == subject else {
                            throw ExternalServerError(description: "wrong answer for \(id) / \(subject)")
                        }
                        counters.succeeded.add(2, ordering: .relaxed)
                    } catch {
                        counters.failures.withLock { $0.append("\(error)") }
                    }
                }
            }
        }

        func stop() async -> (succeeded: Int, failures: [String]) {
            counters.stopped.store(true, ordering: .relaxed)
            await task.value
            return (counters.succeeded.load(ordering: .relaxed), counters.failures.withLock { $0 })
        }
    }

    private func register(_ client: SchemaRegistryClient, _ subject: String, seed: Int) async throws
        -> Srp_RegisterSchemaResponse
    {
        try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = avroRecord("Fault", seed: seed)
            })
    }

    private func redisTier(_ client: SchemaRegistryClient) async throws -> Srp_CacheTierStats? {
        try await client.serverInfo(.init()).caches.first { $0.tier == "redis" }
    }

    @Test func redisKilledUnderLoadCostsNoReadAndIsUsedAgainAfterRestart() async throws {
        guard try await ExternalService.launchersAvailable(skipping: "fault tests") else { return }
        let redis = try RedisProcess()
        try await redis.start()
        let directory = TemporaryDirectory.uniquePath("sr-fault-redis")
        // cache-bytes=0 turns L1 off, so every read goes through Redis (or around it).
        let server = try await ServerProcess.start(
            dataDirectory: directory, extraArguments: ["--cache", redis.url, "--set", "cache-bytes=0"])
        defer {
            server.terminate()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let client = try await server.connectedClient()
        var ids: [UInt32] = []
        let subjects = (0..<8).map { "redis-fault-\($0)" }
        for (index, subject) in subjects.enumerated() {
            ids.append(try await register(client, subject, seed: index).id)
        }

        let load = ReadLoad(client: client, ids: ids, subjects: subjects)
        try await Task.sleep(for: .milliseconds(500))
        await redis.kill()
        // The reads under way find Redis gone and open the breaker (how soon depends on the machine).
        #expect(await eventually(every: .milliseconds(100)) { (try? await redisTier(client))??.available == false })
        let hitsBeforeRestart = try await redisTier(client)?.hits ?? 0
        try await redis.start()
        // The breaker's probe closes it within its backoff (at most 5 s on a quiet machine).
        let usedAgain = await eventually(every: .milliseconds(100)) {
            guard let tier = (try? await redisTier(client)) ?? nil else { return false }
            return tier.available && tier.hits > hitsBeforeRestart + 10
        }
        let (succeeded, failures) = await load.stop()
        #expect(failures.isEmpty, "reads failed while Redis was down: \(failures.prefix(3))")
        #expect(succeeded > 0)
        #expect(usedAgain, "Redis was not used again after it came back")
        await client.close()
        await redis.destroy()
    }

    @Test(arguments: ["fast", "immediate"])
    func postgresStoppedUnderLoad(mode: String) async throws {
        guard try await ExternalService.launchersAvailable(skipping: "fault tests") else { return }
        let postgres = try await PostgresCluster.create()
        let redis = try RedisProcess()
        try await redis.start()
        let directory = TemporaryDirectory.uniquePath("sr-fault-pg")
        // A generous Redis timeout: on a loaded machine a 200 ms Redis call can time out, and with
        // PostgreSQL down such a read has nowhere else to go. This test is about PostgreSQL.
        let server = try await ServerProcess.start(
            dataDirectory: directory,
            extraArguments: ["--store", postgres.url, "--cache", redis.url, "--set", "cache-timeout-ms=5000"])
        defer { server.terminate() }
        let client = try await server.connectedClient()
        let subjects = (0..<8).map { "pg-fault-\($0)" }
        var acknowledged: [String: (id: UInt32, version: Int32)] = [:]
        for (index, subject) in subjects.enumerated() {
            let response = try await register(client, subject, seed: index)
            acknowledged["\(subject)#\(response.version)"] = (response.id, response.version)
        }
        let load = ReadLoad(client: client, ids: acknowledged.values.map(\.id), subjects: subjects)

        // Writes keep landing until the stop; each one acknowledged is recorded.
        for seed in 100..<120 {
            let response = try await register(client, "pg-fault-writes", seed: seed)
            acknowledged["pg-fault-writes#\(response.version)"] = (response.id, response.version)
        }
        try await postgres.stop(mode: mode)

        // Reads keep succeeding (L1 for ids, Redis for latest); writes fail fast and retryable.
        let clock = ContinuousClock()
        for seed in 200..<205 {
            let started = clock.now
            do {
                let response = try await register(client, "pg-fault-writes", seed: seed)
                Issue.record("a write succeeded with PostgreSQL stopped: \(response)")
            } catch let error as SchemaRegistryClientError {
                #expect(error.registryErrorCode == 50003, "\(error)")
                #expect(error.retryAfterMilliseconds > 0, "UNAVAILABLE should carry a retry-after")
            }
            print("write with PostgreSQL stopped (\(mode)) failed after \(clock.now - started)")
        }
        try await Task.sleep(for: .seconds(1))

        try await postgres.start()
        let restarted = clock.now
        var recovered: Duration?
        for seed in 300..<10_000 where recovered == nil {
            do {
                let response = try await register(client, "pg-fault-writes", seed: seed)
                acknowledged["pg-fault-writes#\(response.version)"] = (response.id, response.version)
                recovered = clock.now - restarted
            } catch {
                try await Task.sleep(for: .milliseconds(20))
            }
            if clock.now - restarted > .seconds(90) { break }  // a bound for a broken build only
        }
        let (succeeded, failures) = await load.stop()
        print("PostgreSQL \(mode) stop: writes recovered \(recovered.map { "\($0)" } ?? "never") after the restart")
        #expect(failures.isEmpty, "reads failed while PostgreSQL was down: \(failures.prefix(3))")
        #expect(succeeded > 0)
        // Writes come back (the loop above is a liveness bound, not a speed claim: how soon is
        // printed, and the 1 s cap on reconnect backoff that makes it quick is tested exactly
        // in PostgresBehaviourTests).
        #expect(recovered != nil, "writes never recovered after the restart")

        // Every acknowledged write is there.
        for (key, expected) in acknowledged {
            let subject = String(key[..<key.lastIndex(of: "#")!])
            let found = try await client.getSchemaByVersion(
                .with {
                    $0.subject = subject
                    $0.version = expected.version
                })
            #expect(found.schema.id == expected.id, "\(key) lost")
        }
        await client.close()
        server.terminate()
        await redis.destroy()
        await postgres.destroy()
    }
}
