import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

/// Issue 20: every store keeps a durable log of what its writes changed (`ChangeLog`), in the
/// same transaction as the change, in commit order.
@Suite struct ChangeLogConformance {
    @Test(arguments: StoreFactory.all) func everyChangeIsLoggedWithExactFieldsAndNothingElse(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let log = try changeLog(store)
            try await register(store, "a", record("A"))  // id 1, a v1
            try await register(store, "a", record("B"))  // id 2, a v2
            try await register(store, "b", record("A"))  // id 1, b v1
            // Nothing changes, nothing is logged: an existing schema, a stale expected version.
            #expect(try await register(store, "a", record("A")) == .existing(id: 1, version: 1))
            let stale = RegistrationWrite(subject: "a", schema: avro(record("C")), expectedLatestVersion: 1)
            #expect(try await store.register(stale) == .conflict(actualLatestVersion: 2))
            // Deletes log the versions they changed; none changed, nothing logged.
            #expect(try await store.softDelete(subject: "a", versions: [1, 9]) == [1])
            #expect(try await store.softDelete(subject: "a", versions: [1]) == [])
            #expect(try await store.softDelete(subject: "a", versions: [2]) == [2])
            #expect(try await store.permanentlyDelete(subject: "a", versions: [1, 5]) == [1])
            #expect(try await store.permanentlyDelete(subject: "a", versions: [1]) == [])
            #expect(try await store.permanentlyDelete(subject: "a", versions: [2]) == [2])
            // Settings: set (global and per subject) and removed; removing nothing logs nothing.
            try await store.setCompatibility(.full, subject: nil)
            try await store.setCompatibility(.backward, subject: "b")
            #expect(try await store.deleteCompatibility(subject: "b") == .backward)
            #expect(try await store.deleteCompatibility(subject: "b") == nil)
            try await store.setMode(.readOnly, subject: nil)
            #expect(try await store.deleteMode(subject: nil) == .readOnly)
            #expect(try await store.deleteMode(subject: "none") == nil)

            let changes = try await log.changes(after: 0, limit: 100).changes
            #expect(
                changes.map(\.withoutPosition) == [
                    Change(position: 0, kind: .registered, subject: "a", versions: [1], schemaID: 1),
                    Change(position: 0, kind: .registered, subject: "a", versions: [2], schemaID: 2),
                    Change(position: 0, kind: .registered, subject: "b", versions: [1], schemaID: 1),
                    Change(position: 0, kind: .softDeleted, subject: "a", versions: [1], subjectEmptied: false),
                    Change(position: 0, kind: .softDeleted, subject: "a", versions: [2], subjectEmptied: true),
                    Change(position: 0, kind: .permanentlyDeleted, subject: "a", versions: [1], subjectEmptied: false),
                    Change(position: 0, kind: .permanentlyDeleted, subject: "a", versions: [2], subjectEmptied: true),
                    Change(position: 0, kind: .compatibilityChanged, subject: nil, setting: "FULL"),
                    Change(position: 0, kind: .compatibilityChanged, subject: "b", setting: "BACKWARD"),
                    Change(position: 0, kind: .compatibilityChanged, subject: "b", setting: nil),
                    Change(position: 0, kind: .modeChanged, subject: nil, setting: "READONLY"),
                    Change(position: 0, kind: .modeChanged, subject: nil, setting: nil),
                ])
            #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.position < $1.position })
        }
    }

    @Test(arguments: StoreFactory.all) func deletingSeveralVersionsLogsOneChangeListingThem(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let log = try changeLog(store)
            for name in ["A", "B", "C"] { try await register(store, "s", record(name)) }
            #expect(try await store.softDelete(subject: "s", versions: [3, 1]) == [1, 3])
            #expect(try await store.permanentlyDelete(subject: "s", versions: [1, 2, 3]) == [1, 2, 3])
            let deletes = try await log.changes(after: 0, limit: 100).changes.dropFirst(3).map(\.withoutPosition)
            #expect(
                deletes == [
                    Change(position: 0, kind: .softDeleted, subject: "s", versions: [1, 3], subjectEmptied: false),
                    Change(
                        position: 0, kind: .permanentlyDeleted, subject: "s", versions: [1, 2, 3], subjectEmptied: true),
                ])
        }
    }

    @Test(arguments: StoreFactory.all) func pagesPruneAndTheHorizon(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            let log = try changeLog(store)
            #expect(try await log.changes(after: 0, limit: 10) == ChangePage(changes: [], horizon: 0, head: 0))
            #expect(try await log.latestChanges(limit: 10) == ChangePage(changes: [], horizon: 0, head: 0))
            for index in 0..<5 { try await register(store, "s\(index)", record("R\(index)")) }
            let all = try await log.changes(after: 0, limit: 100)
            let positions = all.changes.map(\.position)
            #expect(positions.count == 5 && all.horizon == 0 && all.head == positions[4])

            let middle = try await log.changes(after: positions[1], limit: 2)
            #expect(middle.changes.map(\.position) == [positions[2], positions[3]])
            #expect(middle.head == positions[4])
            let latest = try await log.latestChanges(limit: 2)
            #expect(latest.changes.map(\.position) == [positions[3], positions[4]])
            #expect(latest.changes.map(\.subject) == ["s3", "s4"])

            try await log.pruneChanges(through: positions[2])
            let pruned = try await log.changes(after: 0, limit: 100)
            #expect(pruned.changes.map(\.position) == [positions[3], positions[4]])
            #expect(pruned.horizon == positions[2] && pruned.head == positions[4])
            // The horizon never goes down.
            try await log.pruneChanges(through: positions[0])
            #expect(try await log.changes(after: 0, limit: 100).horizon == positions[2])
            // Everything pruned: head is the horizon, and positions are never handed out again.
            try await log.pruneChanges(through: positions[4])
            #expect(
                try await log.latestChanges(limit: 10)
                    == ChangePage(changes: [], horizon: positions[4], head: positions[4]))
            // Beyond the head: the horizon rises only to the head, so later changes stay above it.
            try await log.pruneChanges(through: positions[4] + 1000)
            #expect(try await log.latestChanges(limit: 10).horizon == positions[4])
            try await register(store, "later", record("Later"))
            let after = try await log.changes(after: positions[4], limit: 10)
            #expect(after.changes.count == 1 && after.changes[0].position > positions[4])
            #expect(after.head == after.changes[0].position && after.horizon == positions[4])
        }
    }

    @Test(arguments: StoreFactory.all) func theLogIDLastsAsLongAsTheData(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, opened async throws in
            let id = try await changeLog(store).changeLogID()
            #expect(!id.isEmpty)
            try await register(store, "s", record("A"))
            try await store.close()
            let reopened = try await opened.reopen()
            #expect(try await changeLog(reopened).changeLogID() == id)
            #expect(try await changeLog(reopened).changes(after: 0, limit: 10).changes.count == 1)
            try await reopened.close()

            let other = try await factory.open()
            let otherID = try await changeLog(other.store).changeLogID()
            try? await other.store.close()
            await other.cleanup()
            #expect(otherID != id)
        }
    }

    @Test(arguments: StoreFactory.all) func observersAreWokenAfterACommitUntilCancelled(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let log = try changeLog(store)
            let wakes = WakeCounter()
            let observation = try await log.observeCommits { wakes.wake() }
            let before = wakes.count
            try await register(store, "s", record("A"))
            #expect(await eventually { wakes.count > before }, "no wake after a registration")
            let beforeSetting = wakes.count
            try await store.setMode(.readOnly, subject: "s")
            #expect(await eventually { wakes.count > beforeSetting }, "no wake after a mode change")
            observation.cancel()
            observation.cancel()  // idempotent
        }
    }
}

/// The store's change log (every store under test keeps one).
func changeLog(_ store: any SchemaStore) throws -> any ChangeLog {
    try #require(store as? any ChangeLog, "\(store.kind) is not a ChangeLog")
}

/// Counts wakes from any thread.
final class WakeCounter: Sendable {
    private let wakes = Atomic<Int>(0)
    var count: Int { wakes.load(ordering: .sequentiallyConsistent) }
    func wake() { wakes.add(1, ordering: .sequentiallyConsistent) }
}

extension Change {
    /// The change with position 0: what tests compare when positions are the store's to choose.
    var withoutPosition: Change {
        var change = self
        change.position = 0
        return change
    }
}
