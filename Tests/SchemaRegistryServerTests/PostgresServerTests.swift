import Foundation
import SchemaRegistryClient
import Testing

/// `schema-registry serve --store postgres://...` for real: several instances on one database.
/// Needs the PostgreSQL that the README's test command starts (SR_TEST_POSTGRES_URL); under
/// CI=true a missing URL fails instead of skipping.
@Suite("Serving from PostgreSQL")
struct PostgresServerTests {
    /// A fresh database for one test, created with psql; nil when no PostgreSQL is configured.
    private func freshDatabase() throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        guard let base = environment["SR_TEST_POSTGRES_URL"], !base.isEmpty else {
            if environment["CI"] == "true" {
                Issue.record("SR_TEST_POSTGRES_URL is not set: run the suite with scripts/test.sh")
            } else {
                print("note: SR_TEST_POSTGRES_URL not set; PostgreSQL server tests not run")
            }
            return nil
        }
        let name = "sr_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", base, "-q", "-c", "CREATE DATABASE \(name)"]
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else {
            Issue.record("psql could not create database \(name)")
            return nil
        }
        let root = base[..<(base.lastIndex(of: "/") ?? base.endIndex)]
        return "\(root)/\(name)"
    }

    @Test func twoInstancesShareOnePostgres() async throws {
        guard let url = try freshDatabase() else { return }
        let directory = NSTemporaryDirectory() + "sr-pg-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: directory + "-a.log")
            try? FileManager.default.removeItem(atPath: directory + "-b.log")
            try? FileManager.default.removeItem(atPath: directory + "-c.log")
        }
        let a = try ServerProcess(dataDirectory: directory + "-a", extraArguments: ["--store", url])
        let b = try ServerProcess(dataDirectory: directory + "-b", extraArguments: ["--store", url])
        defer { b.terminate() }
        let clientA = try await a.connectedClient()
        let clientB = try await b.connectedClient()

        // Register through A, read through B, including `latest` right after a new version.
        let v1 = try await clientA.registerSchema(
            .with {
                $0.subject = "orders"
                $0.schema = avroRecord("Order", seed: 1)
            })
        #expect(try await clientB.getSchemaById(.with { $0.id = v1.id }).schema.id == v1.id)
        let v2 = try await clientA.registerSchema(
            .with {
                $0.subject = "orders"
                $0.schema = avroRecord("Order", fields: 3, seed: 1)
            })
        let latest = try await clientB.getSchemaByVersion(
            .with {
                $0.subject = "orders"
                $0.version = -1
            })
        #expect(latest.schema.version == 2 && latest.schema.id == v2.id)

        // 32 registrations of distinct schemas racing through both instances: versions 3...34.
        let versions = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<32 {
                let client = index.isMultiple(of: 2) ? clientA : clientB
                group.addTask {
                    try await client.registerSchema(
                        .with {
                            $0.subject = "orders"
                            $0.schema = avroRecord("Order", seed: 100 + index)
                        }
                    ).version
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(versions.sorted() == Array(3...34))

        // The same schema through both instances at once: one id.
        let ids = try await withThrowingTaskGroup(of: UInt32.self) { group in
            for index in 0..<16 {
                let client = index.isMultiple(of: 2) ? clientA : clientB
                group.addTask {
                    try await client.registerSchema(
                        .with {
                            $0.subject = "shared-\(index % 4)"
                            $0.schema = avroRecord("Shared")
                        }
                    ).id
                }
            }
            return try await group.reduce(into: Set<UInt32>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)

        // kill -9 instance A: what it acknowledged is there, B keeps serving, a new instance sees it all.
        await clientA.close()
        a.kill9()
        #expect(try await clientB.listVersions(.with { $0.subject = "orders" }).versions == Array(1...34))
        let c = try ServerProcess(dataDirectory: directory + "-c", extraArguments: ["--store", url])
        defer { c.terminate() }
        let clientC = try await c.connectedClient()
        #expect(try await clientC.getSchemaById(.with { $0.id = v2.id }).schema.id == v2.id)
        let info = try await clientC.serverInfo(.init())
        #expect(info.store == "postgres")
        await clientB.close()
        await clientC.close()
    }
}
