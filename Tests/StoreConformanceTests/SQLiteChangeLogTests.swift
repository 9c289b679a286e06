import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SQLiteStore

/// Issue 20 on SQLite: group-committed writes append their changes inside their own savepoints.
@Suite struct SQLiteChangeLogTests {
    @Test func aWriteRolledBackInAGroupCommitLogsNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "sqlite-change-log")
        defer { directory.remove() }
        let store = try SQLiteStore(path: directory.path("registry.db"))
        // The writer held busy, so the writes below queue into one batch (as in GroupCommitTests).
        let (release, holding) = try await holdWriter(store)
        let first = Task { try await register(store, "a", record("A")) }
        await waitForQueued(store, 1)
        // Appends its change, then throws: its savepoint is rolled back with the row.
        let undone = Task {
            try await store.write { connection in
                try SQLiteStore.appendChange(.registered, subject: "undone", versions: [1], on: connection)
                throw RegistryError(.storeError, "undone on purpose")
            }
        }
        await waitForQueued(store, 2)
        let conflicting = Task {
            try await store.register(
                RegistrationWrite(subject: "c", schema: avro(record("Other")), importID: 1, importVersion: 1))
        }
        await waitForQueued(store, 3)
        let second = Task { try await register(store, "a", record("B")) }
        await waitForQueued(store, 4)
        let batchesBefore = store.groupCommit.committedBatches.load(ordering: .relaxed)
        release.signal()
        try await holding.value

        #expect(try await first.value == .registered(id: 1, version: 1))
        await #expect(throws: RegistryError.self) { try await undone.value }
        await #expect(throws: RegistryError.self) { try await conflicting.value }
        #expect(try await second.value == .registered(id: 2, version: 2))
        // The held write's batch, then ONE for the four.
        #expect(store.groupCommit.committedBatches.load(ordering: .relaxed) == batchesBefore + 2)
        let changes = try await store.changes(after: 0, limit: 10).changes
        #expect(
            changes.map(\.withoutPosition) == [
                Change(position: 0, kind: .registered, subject: "a", versions: [1], schemaID: 1),
                Change(position: 0, kind: .registered, subject: "a", versions: [2], schemaID: 2),
            ])
        try await store.close()
    }

    @Test func aDatabaseWithDataMigratesToAnEmptyLog() async throws {
        let directory = try TemporaryDirectory(prefix: "sqlite-change-log")
        defer { directory.remove() }
        let path = directory.path("registry.db")
        // A file at layout 3 (before the change log) holding a registration.
        do {
            let store = try SQLiteStore(path: path)
            try await register(store, "a", record("A"))
            _ = try await store.write { connection in
                try connection.execute("DROP TABLE changes; DROP TABLE change_log; PRAGMA user_version = 3")
            }
            try await store.close()
        }
        let store = try SQLiteStore(path: path)
        #expect(store.appliedMigrations == SQLiteMigrations.latestVersion - 3)  // step 4 and any after it
        #expect(try await store.changes(after: 0, limit: 10) == ChangePage(changes: [], horizon: 0, head: 0))
        #expect(!(try await store.changeLogID()).isEmpty)
        try await register(store, "a", record("B"))
        #expect(try await store.changes(after: 0, limit: 10).changes.map(\.versions) == [[2]])
        try await store.close()
    }
}
