import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import PostgresStore

/// Issue 19: concurrent registrations on PostgreSQL share one statement (`PostgresGroupCommit`).
/// A registration is held inside PostgreSQL (its subject's advisory lock is taken by another
/// session) so that the registrations under test provably queue into ONE batch; each must then
/// behave exactly as if it had committed alone.
@Suite struct PostgresGroupCommitTests {
    /// Runs `body` with a store on a fresh schema and a batch held running (see the suite), which
    /// `release` lets finish.
    private func withHeldBatch(
        _ url: String, _ body: (PostgresStore, _ release: @Sendable () async throws -> Void) async throws -> Void
    ) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        let store = try await PostgresStore(url: schema.url, poolSize: 4)
        // A connection of its own (a session-level lock lives as long as its session).
        let holder = PostgresWorker(label: "test.lock-holder", conninfo: schema.url)
        // A subject of this test's own: advisory locks are database-wide, and tests run in parallel.
        let heldSubject = "held-\(UUID().uuidString)"
        let lockKey = "subject:" + heldSubject
        _ = try await holder.run {
            try $0.query("SELECT pg_advisory_lock(hashtextextended($1::text, 0))", [lockKey])
        }
        // As many held registrations as batches may run at once, each taken from the queue and
        // waiting for the lock: whatever is registered next has to queue.
        var held: [Task<RegistrationOutcome, any Error>] = []
        for index in 0..<store.registrations.maxRunning {
            held.append(
                Task { try await store.register(RegistrationWrite(subject: heldSubject, schema: avro(record("Held")))) }
            )
            let waiting = try await eventually {
                let rows = try await holder.run {
                    try $0.query(
                        """
                        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                          AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1::text, 0)
                        """, [lockKey])
                }
                return rows.int(0, 0) == index + 1 && store.registrations.pendingCount == 0
            }
            #expect(waiting, "held registration \(index + 1) never waited for its lock")
        }
        let heldTasks = held
        do {
            try await body(store) {
                _ = try await holder.run {
                    try $0.query("SELECT pg_advisory_unlock(hashtextextended($1::text, 0))", [lockKey])
                }
                for (index, task) in heldTasks.enumerated() {
                    let outcome = try await task.value
                    #expect(outcome == (index == 0 ? .registered(id: 1, version: 1) : .existing(id: 1, version: 1)))
                }
            }
        } catch {
            held.forEach { $0.cancel() }
            await holder.close()
            try? await store.close()
            await schema.drop()
            throw error
        }
        await holder.close()
        try await store.close()
        await schema.drop()
    }

    private func waitForPending(_ store: PostgresStore, _ count: Int) async {
        let queued = await eventually { store.registrations.pendingCount == count }
        #expect(queued, "\(store.registrations.pendingCount) registrations pending, not \(count)")
    }

    @Test(arguments: PostgresBehaviourTests.server) func oneBatchKeepsEachRegistrationsSemantics(_ url: String)
        async throws
    {
        try await withHeldBatch(url) { store, release in
            let same = avro(record("Same"))
            // In this order, all in one batch: a new schema; the same schema under another subject
            // (the same id, from the write just before it in the batch); an identical
            // re-registration (existing); a stale expected version (conflict); a second version.
            let a = Task { try await store.register(RegistrationWrite(subject: "a", schema: same)) }
            await waitForPending(store, 1)
            let b = Task { try await store.register(RegistrationWrite(subject: "b", schema: same)) }
            await waitForPending(store, 2)
            let again = Task { try await store.register(RegistrationWrite(subject: "a", schema: same)) }
            await waitForPending(store, 3)
            let stale = Task {
                try await store.register(
                    RegistrationWrite(subject: "b", schema: avro(record("B2")), expectedLatestVersion: 0))
            }
            await waitForPending(store, 4)
            let second = Task {
                try await store.register(
                    RegistrationWrite(subject: "a", schema: avro(record("A2")), expectedLatestVersion: 1))
            }
            await waitForPending(store, 5)
            let batchesBefore = store.registrations.committedBatches.load(ordering: .relaxed)
            // This process's own wakes (no position; the listener's carry the NOTIFY's), counted
            // once the listener is connected (its connect wake has no position either).
            let directWakes = WakeCounter()
            let observation = try store.changeFeed.add { if $0 == nil { directWakes.wake() } }
            defer { observation.cancel() }
            #expect(await eventually { (store.changeFeed.listener?.connections.load(ordering: .relaxed) ?? 0) > 0 })
            let wakesBefore = directWakes.count
            try await release()

            #expect(try await a.value == .registered(id: 2, version: 1))
            #expect(try await b.value == .registered(id: 2, version: 1))
            #expect(try await again.value == .existing(id: 2, version: 1))
            #expect(try await stale.value == .conflict(actualLatestVersion: 1))
            #expect(try await second.value == .registered(id: 3, version: 2))
            #expect(store.registrations.committedBatches.load(ordering: .relaxed) == batchesBefore + 1)
            #expect(store.registrations.failedBatches.load(ordering: .relaxed) == 0)
            #expect(try await store.versions(subject: "a", includeDeleted: true).map(\.version) == [1, 2])
            // The batch appends its changes at its end: the three new versions, once each, in
            // the batch's call order, after the held registration's (which committed first).
            let logged = try await store.changes(after: 0, limit: 100).changes
            #expect(logged.first?.subject?.hasPrefix("held-") == true)
            #expect(
                logged.dropFirst().map { "\($0.kind) \($0.subject ?? "") \($0.versions) \($0.schemaID ?? 0)" } == [
                    "registered a [1] 2", "registered b [1] 2", "registered a [2] 3",
                ])
            #expect(zip(logged, logged.dropFirst()).allSatisfy { $0.position < $1.position })
            // One wake per committed statement that registered: the held registration's, and the
            // batch's (not one per registration in it).
            #expect(directWakes.count - wakesBefore == 2)
        }
    }

    /// A batch's arguments travel as array literals: PostgreSQL must read back every element as
    /// it was, whatever it holds.
    @Test(arguments: PostgresBehaviourTests.server) func arrayLiteralsRoundTripThroughPostgres(_ url: String)
        async throws
    {
        let schema = try await PostgresTestSchema(serverURL: url)
        let worker = PostgresWorker(label: "test.array-literal", conninfo: schema.url)
        let elements: [String?] = [
            "plain", "", "NULL", nil, #"{"type":"record","name":"R","fields":[]}"#, #"back\slash \" quote"#,
            "comma, {brace} space", "é ü 漢字 🎉", "line\nbreak\ttab", "\\", "\"", "e\u{301}",
        ]
        let rows = try await worker.run {
            try $0.query(
                "SELECT e, e IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS u(e, n) ORDER BY n",
                [PostgresGroupCommit.arrayLiteral(elements)])
        }
        #expect(rows.count == elements.count)
        for (row, element) in elements.enumerated() {
            #expect(rows.bool(row, 1) == (element == nil), "element \(row)")
            #expect(rows.optionalText(row, 0) == element, "element \(row)")
        }
        await worker.close()
        await schema.drop()
    }

    @Test(arguments: PostgresBehaviourTests.server) func aBadRegistrationInABatchFailsAlone(_ url: String)
        async throws
    {
        try await withHeldBatch(url) { store, release in
            let good = (0..<4).map { index in
                Task {
                    try await store.register(
                        RegistrationWrite(subject: "good-\(index)", schema: avro(record("G\(index)"))))
                }
            }
            await waitForPending(store, 4)
            // An expected version PostgreSQL's integer cannot hold: the batch's statement fails.
            let bad = Task {
                try await store.register(
                    RegistrationWrite(subject: "bad", schema: avro(record("Bad")), expectedLatestVersion: Int.max))
            }
            await waitForPending(store, 5)
            try await release()

            // Each good one registered, with ids 2-5 in whatever order their tasks joined the batch.
            var ids: [Int] = []
            for task in good {
                if case .registered(let id, let version) = try await task.value, version == 1 { ids.append(id) }
            }
            #expect(ids.sorted() == [2, 3, 4, 5])
            await #expect(throws: RegistryError.self) { try await bad.value }
            #expect(store.registrations.failedBatches.load(ordering: .relaxed) == 1)
            #expect(try await store.versions(subject: "bad", includeDeleted: true).isEmpty)
            #expect(try await store.counts() == StoreCounts(schemas: 5, subjects: 5))
        }
    }

    /// Registrations in their context (`register(_:defaultMode:when:)`) share a batch with each
    /// other: a new subject is written by its call; anything else is answered its context, as
    /// seen after the calls before it in the batch, and decided here.
    @Test(arguments: PostgresBehaviourTests.server) func registrationsInContextShareABatch(_ url: String)
        async throws
    {
        try await withHeldBatch(url) { store, release in
            try await store.setMode(.readOnly, subject: "ro")
            let same = avro(record("Same"))
            let newOnly: @Sendable (RegistrationContext) throws -> Bool = { $0.view.newestLive == nil }
            let x = Task {
                try await store.register(RegistrationWrite(subject: "x", schema: same), defaultMode: .readWrite) { _ in
                    Issue.record("a new subject in READWRITE is written without asking")
                    return false
                }
            }
            await waitForPending(store, 1)
            let y = Task {
                try await store.register(
                    RegistrationWrite(subject: "y", schema: same), defaultMode: .readWrite, when: newOnly)
            }
            await waitForPending(store, 2)
            // The schema again under "x": its context shows the version the first call wrote.
            let again = Task {
                try await store.register(
                    RegistrationWrite(subject: "x", schema: same), defaultMode: .readWrite, when: newOnly)
            }
            await waitForPending(store, 3)
            // A new subject whose mode refuses: asked, refuses alone, nothing written.
            let refused = Task {
                try await store.register(
                    RegistrationWrite(subject: "ro", schema: avro(record("RO"))), defaultMode: .readWrite
                ) { context in
                    #expect(context.subjectMode == .readOnly)
                    throw RegistryError(.operationNotPermitted, "read-only")
                }
            }
            await waitForPending(store, 4)
            // A second version of "x", decided here from the context and written after it.
            let second = Task {
                try await store.register(
                    RegistrationWrite(subject: "x", schema: avro(record("X2"))), defaultMode: .readWrite
                ) { $0.view.newestVersion == 1 && $0.view.match == nil }
            }
            await waitForPending(store, 5)
            let batchesBefore = store.registrations.committedBatches.load(ordering: .relaxed)
            try await release()

            #expect(try await x.value.outcome == .registered(id: 2, version: 1))
            #expect(try await y.value.outcome == .registered(id: 2, version: 1))
            let seen = try await again.value
            #expect(seen.outcome == nil)
            #expect(seen.context.view.match?.version == 1 && seen.context.view.newestLive?.schema.id == 2)
            await #expect {
                _ = try await refused.value
            } throws: { ($0 as? RegistryError)?.code == .operationNotPermitted }
            #expect(try await second.value.outcome == .registered(id: 3, version: 2))
            #expect(store.registrations.committedBatches.load(ordering: .relaxed) >= batchesBefore + 1)
            #expect(store.registrations.failedBatches.load(ordering: .relaxed) == 0)
            #expect(try await store.versions(subject: "ro", includeDeleted: true).isEmpty)
            let registered = try await store.changes(after: 0, limit: 100).changes.filter {
                $0.kind == .registered && $0.subject != nil && ["x", "y"].contains($0.subject!)
            }
            #expect(registered.map(\.subject) == ["x", "y", "x"])
            #expect(registered.map(\.versions) == [[1], [1], [2]])
        }
    }
}
