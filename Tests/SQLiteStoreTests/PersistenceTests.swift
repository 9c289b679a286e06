import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SQLiteStore

@Suite struct PersistenceTests {
    @Test func reopeningKeepsDataAndDoesNotMigrateAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Parent directories are created.
        let path = directory.path("nested/deeper/registry.db")
        let store = try SQLiteStore(path: path)
        #expect(store.appliedMigrations == SQLiteMigrations.latestVersion)
        try await register(store, "orders", record("A"), metadata: ["owner": "a"])
        try await store.setCompatibility(.full, subject: nil)
        try await store.close()

        let reopened = try SQLiteStore(path: path)
        #expect(reopened.appliedMigrations == 0)
        #expect(try await reopened.version(subject: "orders", version: 1)?.metadata == ["owner": "a"])
        #expect(try await reopened.compatibility(subject: nil) == .full)
        #expect(try await register(reopened, "orders", record("B")) == .registered(id: 2, version: 2))
        try await reopened.close()
    }

    @Test func aDatabaseFromANewerBuildIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("future.db")
        try await SQLiteStore(path: path).close()
        let connection = try SQLiteConnection(path: path, readOnly: false)
        try connection.execute("PRAGMA user_version = \(SQLiteMigrations.latestVersion + 1)")
        connection.close()

        let error = #expect(throws: RegistryError.self) { try SQLiteStore(path: path) }
        #expect(error?.code == .storeError)
        #expect(error?.message.contains("newer") == true)
    }

    @Test func anAcknowledgedRegistrationIsOnDiskBeforeClose() async throws {
        try await withStore { store, directory async throws in
            try await register(store, "orders", record("A"))
            // Copy the files while the store is still open, as a killed process would leave them.
            let crashed = try TemporaryDirectory()
            defer { crashed.remove() }
            for suffix in ["", "-wal"] {
                let source = directory.path("registry.db" + suffix)
                if FileManager.default.fileExists(atPath: source) {
                    try FileManager.default.copyItem(atPath: source, toPath: crashed.path("registry.db" + suffix))
                }
            }
            let recovered = try SQLiteStore(path: crashed.path("registry.db"))
            #expect(try await recovered.version(subject: "orders", version: 1)?.schema.text == record("A"))
            try await recovered.close()
        }
    }

    @Test func countsSchemasAndLiveSubjects() async throws {
        try await withStore { store, _ async throws in
            #expect(try await store.counts() == StoreCounts(schemas: 0, subjects: 0))
            try await register(store, "orders", record("A"))
            try await register(store, "orders", record("B"))
            try await register(store, "payments", record("A"))
            #expect(try await store.counts() == StoreCounts(schemas: 2, subjects: 2))
        }
    }

    @Test func callsAfterCloseThrow() async throws {
        try await withStore { store, _ async throws in
            try await store.close()
            let read = await #expect(throws: RegistryError.self) { try await store.schema(id: 1) }
            #expect(read?.code == .storeError)
            let write = await #expect(throws: RegistryError.self) { try await register(store, "orders", record("A")) }
            #expect(write?.code == .storeError)
        }
    }
}
