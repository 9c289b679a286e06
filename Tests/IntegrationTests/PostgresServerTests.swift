import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

/// `schema-registry serve --store postgres://...` for real: several instances on one database.
/// Needs the PostgreSQL that the README's test command starts (SR_TEST_POSTGRES_URL); under
/// CI=true a missing URL fails instead of skipping.
@Suite("Serving from PostgreSQL")
struct PostgresServerTests {
    /// A fresh database for one test, created with psql; nil when no PostgreSQL is configured.
    private func freshDatabase() async throws -> String? {
        guard let base = ExternalService.postgres.url(skipping: "PostgreSQL server tests") else { return nil }
        let name = "sr_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let psql = try await onOwnThread {
            try ChildProcess.run("psql", [base, "-q", "-c", "CREATE DATABASE \(name)"])
        }
        guard psql.status == 0 else {
            Issue.record("psql could not create database \(name): \(psql.errors)")
            return nil
        }
        return ExternalService.postgresURL(base, database: name)
    }

    /// The L2 arguments for one test: the test command's Redis with a key prefix of the test's own.
    private func redisArguments(_ withRedis: Bool) -> [String]? {
        guard withRedis else { return [] }
        guard let url = ExternalService.redis.url(skipping: "PostgreSQL server tests with Redis") else { return nil }
        // A generous timeout: on a loaded test machine a 200 ms Redis call can time out, and an
        // invalidation lost that way is served stale for up to the mapping TTL, by design.
        return [
            "--cache", url, "--set", "cache-key-prefix=test-\(UUID().uuidString):", "--set", "cache-timeout-ms=5000",
        ]
    }

    private func register(_ client: SchemaRegistryClient, _ subject: String, _ schema: String) async throws
        -> Srp_RegisterSchemaResponse
    {
        try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = schema
            })
    }

    @Test(arguments: [false, true])
    func twoInstancesShareOnePostgres(withRedis: Bool) async throws {
        guard let url = try await freshDatabase(), let cache = redisArguments(withRedis) else { return }
        let directory = TemporaryDirectory.uniquePath("sr-pg")
        defer {
            for suffix in ["-a", "-b", "-c"] {
                try? FileManager.default.removeItem(atPath: directory + suffix + ".log")
            }
        }
        let a = try await ServerProcess.start(
            dataDirectory: directory + "-a", extraArguments: ["--store", url] + cache)
        let b = try await ServerProcess.start(
            dataDirectory: directory + "-b", extraArguments: ["--store", url] + cache)
        defer { b.terminate() }
        let clientA = try await a.connectedClient()
        let clientB = try await b.connectedClient()

        // Register through A, read through B, including `latest` right after each new version
        // (B reads it before and after, so a cached `latest` must be invalidated).
        let v1 = try await register(clientA, "orders", avroRecord("Order", seed: 1))
        #expect(try await clientB.getSchemaById(.with { $0.id = v1.id }).schema.id == v1.id)
        let latest: @Sendable () async throws -> Srp_SchemaVersion = {
            try await clientB.getSchemaByVersion(
                .with {
                    $0.subject = "orders"
                    $0.version = -1
                }
            ).schema
        }
        #expect(try await latest().version == 1)
        let v2 = try await register(clientA, "orders", avroRecord("Order", fields: 3, seed: 1))
        let second = try await latest()
        #expect(second.version == 2 && second.id == v2.id)

        // A config change through A is what B enforces and reports.
        let before = try await clientB.getConfig(
            .with {
                $0.subject = "orders"
                $0.defaultToGlobal = true
            })
        #expect(before.compatibility == .none)  // the servers run with default-compatibility=NONE
        _ = try await clientA.setConfig(
            .with {
                $0.subject = "orders"
                $0.compatibility = .full
            })
        #expect(try await clientB.getConfig(.with { $0.subject = "orders" }).compatibility == .full)
        await #expect(throws: SchemaRegistryClientError.self) {
            // Adding a field without a default breaks FULL: B must refuse it.
            try await register(clientB, "orders", avroRecord("Order", fields: 4, seed: 1))
        }

        // A permanent delete through A: B stops serving the schema, from L1 too (Redis pub/sub
        // carries the eviction; without Redis, L1 of other instances keeps immutable schemas).
        if withRedis {
            let doomed = try await register(clientA, "doomed", avroRecord("Doomed"))
            #expect(try await clientB.getSchemaById(.with { $0.id = doomed.id }).schema.id == doomed.id)
            _ = try await clientA.deleteSubject(.with { $0.subject = "doomed" })
            _ = try await clientA.deleteSubject(
                .with {
                    $0.subject = "doomed"
                    $0.permanent = true
                })
            let evicted = await eventually {
                do {
                    _ = try await clientB.getSchemaById(.with { $0.id = doomed.id })
                    return false
                } catch let error as SchemaRegistryClientError {
                    return error.registryErrorCode == 40403
                } catch {
                    return false
                }
            }
            #expect(evicted, "B still serves a permanently deleted schema")
        }

        // 64 clients (32 per instance) register the same schema at once: one id, one version.
        let clients = try await connectMany(32, a: a, b: b)
        let same = try await withThrowingTaskGroup(of: (UInt32, Int32).self) { group in
            for client in clients {
                group.addTask {
                    let response = try await self.register(client, "shared", avroRecord("Shared"))
                    return (response.id, response.version)
                }
            }
            return try await group.reduce(into: Set<[UInt32]>()) { $0.insert([$1.0, UInt32($1.1)]) }
        }
        #expect(same.count == 1 && same.first?[1] == 1, "\(same)")

        // 64 distinct schemas under one subject at once, through both: versions 1...64, no gap, no duplicate.
        let versions = try await withThrowingTaskGroup(of: Int32.self) { group in
            for (index, client) in clients.enumerated() {
                group.addTask {
                    try await self.register(client, "racing", avroRecord("Racing", seed: index)).version
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(versions.sorted() == Array(1...64))
        for client in clients { await client.close() }

        // kill -9 instance A while both take registrations: what either acknowledged is there,
        // and B keeps serving.
        let acknowledged = Acknowledged()
        let writers = (0..<2).map { writer in
            Task { [self] in
                let client = writer == 0 ? clientA : clientB
                for seed in 0..<200 {
                    guard
                        let response = try? await self.register(
                            client, "during-kill", avroRecord("Kill", seed: writer * 1000 + seed))
                    else {
                        if writer == 0 { return }  // A is gone
                        continue
                    }
                    acknowledged.versions.withLock { $0[response.version] = response.id }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        a.kill9()
        for writer in writers { await writer.value }
        await clientA.close()
        let landed = try await clientB.listVersions(.with { $0.subject = "during-kill" }).versions
        let expected = acknowledged.versions.withLock { $0 }
        #expect(Set(expected.keys).isSubset(of: Set(landed)))
        #expect(landed == (0..<landed.count).map { Int32($0 + 1) }, "versions have a gap: \(landed)")

        // A fresh instance sees everything.
        let c = try await ServerProcess.start(
            dataDirectory: directory + "-c", extraArguments: ["--store", url] + cache)
        defer { c.terminate() }
        let clientC = try await c.connectedClient()
        for (version, id) in expected {
            let found = try await clientC.getSchemaByVersion(
                .with {
                    $0.subject = "during-kill"
                    $0.version = version
                })
            #expect(found.schema.id == id)
        }
        let info = try await clientC.serverInfo(.init())
        #expect(info.store == (withRedis ? "postgres+redis" : "postgres"))
        await clientB.close()
        await clientC.close()
    }

    /// Versions acknowledged to the writers, with their ids.
    private final class Acknowledged: Sendable {
        let versions = Mutex<[Int32: UInt32]>([:])
    }

    private func connectMany(_ perInstance: Int, a: ServerProcess, b: ServerProcess) async throws
        -> [SchemaRegistryClient]
    {
        var clients: [SchemaRegistryClient] = []
        for _ in 0..<perInstance {
            clients.append(try await a.connectedClient())
            clients.append(try await b.connectedClient())
        }
        return clients
    }
}
