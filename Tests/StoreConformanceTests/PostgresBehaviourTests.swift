import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import PostgresStore

/// What only the PostgreSQL store has: connection handling, migrations shared by instances.
@Suite struct PostgresBehaviourTests {
    static var server: [String] { StoreFactory.postgresURL.map { [$0] } ?? [] }

    /// Needs no server: nothing listens on port 1, so connecting must fail fast and retryably.
    /// A refused connection is reported as UNAVAILABLE (retryable) at once, not retried inside
    /// the call. (How fast is for benchmarks, not tests: no wall-clock bound here.)
    @Test func unreachableServerIsUnavailable() async throws {
        let error = await #expect(throws: RegistryError.self) {
            _ = try await PostgresStore(url: "postgres://postgres@127.0.0.1:1/postgres")
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.hasPrefix("postgres unavailable:") == true)
    }

    /// Why writes resume within a second or so of PostgreSQL coming back: however long it was
    /// down, a connection never waits more than 1 s before its next connect attempt.
    @Test func reconnectBackoffDoublesFrom100MillisecondsAndIsCappedAtOneSecond() {
        let delays = (1...100).map { PostgresWorker.reconnectBackoff.delay(afterFailures: $0) }
        #expect(Array(delays.prefix(5)) == [100, 200, 400, 800, 1000].map { .milliseconds($0) })
        #expect(delays.allSatisfy { $0 <= .seconds(1) })
        #expect(PostgresWorker.reconnectBackoff.delay(afterFailures: 0) == .milliseconds(100))
    }

    @Test(arguments: server) func instancesStartingAtOnceMigrateOnce(_ url: String) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        do {
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgresStore(url: schema.url, poolSize: 1) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(stores.map(\.appliedMigrations).reduce(0, +) == PostgresMigrations.latestVersion)
            // Every instance works on the one layout.
            var outcomes: [RegistrationOutcome] = []
            for store in stores {
                outcomes.append(try await register(store, "orders", record("A")))
                try await store.close()
            }
            #expect(
                outcomes == [.registered(id: 1, version: 1)] + Array(repeating: .existing(id: 1, version: 1), count: 3))
        } catch {
            await schema.drop()
            throw error
        }
        await schema.drop()
    }

    @Test(arguments: server) func aBrokenConnectionIsReplaced(_ url: String) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        let store = try await PostgresStore(url: schema.url, poolSize: 1)
        do {
            try await register(store, "orders", record("A"))
            // The server ends the pooled connection, as on a restart or failover.
            try await schema.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(schema.name)'")
            // Reads retry once on a fresh connection; writes then reconnect too.
            #expect(try await store.counts() == StoreCounts(schemas: 1, subjects: 1))
            try await schema.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(schema.name)'")
            do {
                try await register(store, "orders", record("B"))
            } catch let error as RegistryError {
                // A write on a connection that died is reported as retryable, never retried silently.
                #expect(error.code == .unavailable)
                try await register(store, "orders", record("B"))
            }
            #expect(try await store.versions(subject: "orders", includeDeleted: false).map(\.version) == [1, 2])
        } catch {
            try? await store.close()
            await schema.drop()
            throw error
        }
        try await store.close()
        await schema.drop()
    }
}

extension PostgresBehaviourTests {
    /// PostgreSQL text cannot hold NUL: the store refuses it rather than store a truncated text.
    @Test(arguments: server) func textWithNULIsRefusedNotTruncated(_ url: String) async throws {
        try await withStore(StoreFactory.postgres(url: url)) { store, _ async throws in
            let error = await #expect(throws: RegistryError.self) {
                try await register(store, "orders", "{\"doc\":\"a\u{0}b\"}")
            }
            #expect(error?.code == .storeError)
            #expect(try await store.versions(subject: "orders", includeDeleted: true).isEmpty)
        }
    }
}

@Suite struct CloseConformance {
    @Test(arguments: StoreFactory.all) func callsAfterCloseThrow(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            try await store.close()
            await #expect(throws: RegistryError.self) { try await store.schema(id: 1) }
            await #expect(throws: RegistryError.self) { try await register(store, "orders", record("B")) }
        }
    }
}
