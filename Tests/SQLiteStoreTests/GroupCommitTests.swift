import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

@testable import SQLiteStore

/// Issue 19: writes queued behind the writer share one transaction (`SQLiteGroupCommit`). The
/// writer is held busy so that the writes under test provably queue into ONE batch; then each
/// must behave exactly as if it had committed alone.
@Suite("SQLite group commit")
struct GroupCommitTests {
    @Test func oneBatchKeepsEachRegistrationsSemantics() async throws {
        try await withStore { store, _ async throws in
            let held = try await holdWriter(store)
            let batchesBefore = store.groupCommit.committedBatches.load(ordering: .relaxed)
            // In this order, all in one batch: a new schema; the same schema under another
            // subject (must get the same id, from the pending first write); an import whose id
            // conflicts with it (fails alone); an identical re-registration (existing); a stale
            // expected version (conflict); and a second version behind the first.
            let same = avro(record("Same"))
            let a = Task { try await store.register(RegistrationWrite(subject: "a", schema: same)) }
            await waitForQueued(store, 1)
            let b = Task { try await store.register(RegistrationWrite(subject: "b", schema: same)) }
            await waitForQueued(store, 2)
            let badImport = Task {
                try await store.register(
                    RegistrationWrite(subject: "c", schema: avro(record("Other")), importID: 1, importVersion: 1))
            }
            await waitForQueued(store, 3)
            let again = Task { try await store.register(RegistrationWrite(subject: "a", schema: same)) }
            await waitForQueued(store, 4)
            let stale = Task {
                try await store.register(
                    RegistrationWrite(subject: "b", schema: avro(record("B2")), expectedLatestVersion: 0))
            }
            await waitForQueued(store, 5)
            let second = Task {
                try await store.register(
                    RegistrationWrite(subject: "a", schema: avro(record("A2")), expectedLatestVersion: 1))
            }
            await waitForQueued(store, 6)
            let wakes = Mutex(0)
            let observation = try await store.observeCommits { wakes.withLock { $0 += 1 } }
            defer { observation.cancel() }
            held.release.signal()
            try await held.done.value

            #expect(try await a.value == .registered(id: 1, version: 1))
            #expect(try await b.value == .registered(id: 1, version: 1))
            await #expect {
                _ = try await badImport.value
            } throws: { ($0 as? RegistryError)?.code == .idConflict }
            #expect(try await again.value == .existing(id: 1, version: 1))
            #expect(try await stale.value == .conflict(actualLatestVersion: 1))
            #expect(try await second.value == .registered(id: 2, version: 2))
            // The six writes were one transaction, and observers were woken once for it (the
            // holding write appended nothing).
            #expect(store.groupCommit.committedBatches.load(ordering: .relaxed) == batchesBefore + 2)
            #expect(wakes.withLock { $0 } == 1)
            #expect(try await store.versions(subject: "a", includeDeleted: true).map(\.version) == [1, 2])
            #expect(try await store.versions(subject: "b", includeDeleted: true).map(\.schema.id) == [1])
            #expect(try await store.versions(subject: "c", includeDeleted: true).isEmpty)
            #expect(try await store.counts() == StoreCounts(schemas: 2, subjects: 2))
        }
    }

    @Test func aWriteThatThrowsAfterWritingIsUndoneAlone() async throws {
        try await withStore { store, _ async throws in
            let held = try await holdWriter(store)
            let first = Task { try await store.setCompatibility(.full, subject: "first") }
            await waitForQueued(store, 1)
            // Writes a row, then fails: its savepoint is rolled back, nothing else is.
            let failing = Task {
                try await store.write { connection in
                    try connection.run("INSERT INTO config (subject, compatibility) VALUES ('failing', 'NONE')")
                    throw RegistryError(.invalidRequest, "refused after writing")
                }
            }
            await waitForQueued(store, 2)
            let last = Task { try await store.setCompatibility(.backward, subject: "last") }
            await waitForQueued(store, 3)
            held.release.signal()
            try await held.done.value

            try await first.value
            await #expect(throws: RegistryError.self) { try await failing.value }
            try await last.value
            #expect(try await store.compatibility(subject: "first") == .full)
            #expect(try await store.compatibility(subject: "failing") == nil)
            #expect(try await store.compatibility(subject: "last") == .backward)
        }
    }

    /// Issue 19: the wake after a batch's COMMIT carries the changes it appended, exactly as the
    /// log holds them: not those of a write whose savepoint was rolled back after appending.
    @Test func aBatchsWakeCarriesExactlyTheChangesItCommitted() async throws {
        try await withStore { store, _ async throws in
            let held = try await holdWriter(store)
            let first = Task { try await store.register(RegistrationWrite(subject: "a", schema: avro(record("A")))) }
            await waitForQueued(store, 1)
            let failing = Task {
                try await store.write { connection in
                    try SQLiteStore.appendChange(
                        .registered, subject: "ghost", versions: [1], schemaID: 7, on: connection)
                    throw RegistryError(.invalidRequest, "refused after appending")
                }
            }
            await waitForQueued(store, 2)
            let setting = Task { try await store.setCompatibility(.full, subject: "b") }
            await waitForQueued(store, 3)
            let last = Task { try await store.register(RegistrationWrite(subject: "c", schema: avro(record("C")))) }
            await waitForQueued(store, 4)
            let notices = Mutex<[CommitNotice]>([])
            let observation = try await store.observeCommits(notices: { notice in
                notices.withLock { $0.append(notice) }
            })
            defer { observation.cancel() }
            held.release.signal()
            try await held.done.value
            _ = try await first.value
            await #expect(throws: RegistryError.self) { try await failing.value }
            try await setting.value
            _ = try await last.value

            let logged = try await store.changes(after: 0, limit: 100).changes
            #expect(logged.map(\.subject) == ["a", "b", "c"])
            #expect(notices.withLock { $0 } == [.appended(logged)])
        }
    }

    @Test func concurrentRegistrationsOfOneSchemaGetOneID() async throws {
        try await withStore { store, _ async throws in
            let held = try await holdWriter(store)
            let outcomes = Task {
                try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
                    for index in 0..<32 {
                        group.addTask {
                            try await store.register(
                                RegistrationWrite(subject: "s\(index % 8)", schema: avro(record("One"))))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            await waitForQueued(store, 32)
            held.release.signal()
            try await held.done.value
            let all = try await outcomes.value
            #expect(Set(all.compactMap(\.id)) == [1])
            #expect(all.filter { if case .registered = $0 { true } else { false } }.count == 8)
            #expect(try await store.counts() == StoreCounts(schemas: 1, subjects: 8))
        }
    }
}
