import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SQLiteStore

/// Issue 19: `register(_:when:)` reads a registration's context and writes in ONE job on the
/// writer. Queued behind a held writer, several such registrations share one batch; each must
/// see what the ones before it wrote, decide from that, and fail alone.
@Suite("SQLite one-step registration")
struct OneStepRegistrationTests {
    /// Writes when nothing matches and no live version exists; the rule the registry uses for a
    /// new subject, written here so the test does not depend on the registry.
    private static let writeWhenNew: @Sendable (RegistrationContext) throws -> Bool = { context in
        context.view.match == nil && context.view.newestLive == nil
    }

    @Test func decisionsSeeTheWritesBatchedBeforeThem() async throws {
        try await withStore { store, _ async throws in
            try await store.setCompatibility(.full, subject: "a")
            let held = try await holdWriter(store)
            let batchesBefore = store.groupCommit.committedBatches.load(ordering: .relaxed)
            let same = avro(record("Same"))
            // A new subject: written, and its decision saw the subject's level.
            let a = Task {
                try await store.register(RegistrationWrite(subject: "a", schema: same), defaultMode: .readWrite) {
                    context in
                    #expect(context.subjectCompatibility == .full)
                    return try Self.writeWhenNew(context)
                }
            }
            await waitForQueued(store, 1)
            // The same schema under another subject: the id the pending first write assigned.
            let b = Task {
                try await store.register(
                    RegistrationWrite(subject: "b", schema: same), defaultMode: .readWrite, when: Self.writeWhenNew)
            }
            await waitForQueued(store, 2)
            // A decision that refuses: fails alone, writes nothing.
            let refused = Task {
                try await store.register(
                    RegistrationWrite(subject: "c", schema: avro(record("C"))), defaultMode: .readWrite
                ) { _ in
                    throw RegistryError(.operationNotPermitted, "refused")
                }
            }
            await waitForQueued(store, 3)
            // The schema again under "a": the context shows the first write's version, unwritten yet.
            let again = Task {
                try await store.register(
                    RegistrationWrite(subject: "a", schema: same), defaultMode: .readWrite, when: Self.writeWhenNew)
            }
            await waitForQueued(store, 4)
            // A second version of "a", decided to write: it follows version 1 (its expected latest).
            let second = Task {
                try await store.register(
                    RegistrationWrite(subject: "a", schema: avro(record("A2"))), defaultMode: .readWrite
                ) {
                    context in
                    context.view.newestVersion == 1 && context.view.match == nil
                }
            }
            await waitForQueued(store, 5)
            held.release.signal()
            try await held.done.value

            #expect(try await a.value.outcome == .registered(id: 1, version: 1))
            #expect(try await b.value.outcome == .registered(id: 1, version: 1))
            await #expect {
                _ = try await refused.value
            } throws: { ($0 as? RegistryError)?.code == .operationNotPermitted }
            let seen = try await again.value
            #expect(seen.outcome == nil)
            #expect(seen.context.view.match?.version == 1 && seen.context.view.match?.schema.id == 1)
            #expect(seen.context.view.newestLive?.version == 1)
            #expect(try await second.value.outcome == .registered(id: 2, version: 2))
            // The five were one transaction after the held one.
            #expect(store.groupCommit.committedBatches.load(ordering: .relaxed) == batchesBefore + 2)
            #expect(try await store.versions(subject: "a", includeDeleted: true).map(\.version) == [1, 2])
            #expect(try await store.versions(subject: "c", includeDeleted: true).isEmpty)
            #expect(try await store.counts() == StoreCounts(schemas: 2, subjects: 2))
            // Exactly one change per new version, in commit order.
            let changes = try await store.changes(after: 0, limit: 100).changes.filter { $0.kind == .registered }
            #expect(changes.map(\.subject) == ["a", "b", "a"])
            #expect(changes.map(\.versions) == [[1], [1], [2]])
        }
    }

    @Test func aDecisionNotToWriteLeavesTheContextToTheCaller() async throws {
        try await withStore { store, _ async throws in
            try await store.setMode(.readOnly, subject: nil)
            _ = try await store.register(RegistrationWrite(subject: "s", schema: avro(record("First"))))
            let done = try await store.register(
                RegistrationWrite(subject: "s", schema: avro(record("Second"))), defaultMode: .readWrite
            ) { _ in
                false
            }
            #expect(done.outcome == nil)
            #expect(done.context.globalMode == .readOnly && done.context.subjectMode == nil)
            #expect(done.context.view.newestVersion == 1 && done.context.view.match == nil)
            #expect(try await store.versions(subject: "s", includeDeleted: true).count == 1)
        }
    }
}
