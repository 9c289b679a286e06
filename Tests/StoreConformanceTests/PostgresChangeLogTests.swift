import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import PostgresStore

/// Issue 20 on PostgreSQL: several instances share one change log; positions follow commit order
/// across them, and LISTEN/NOTIFY wakes each instance's observers for the others' commits.
@Suite struct PostgresChangeLogTests {
    /// Two stores (two instances) on one fresh schema.
    private func withTwoInstances(
        _ url: String, poolSize: Int = 2,
        _ body: (PostgresStore, PostgresStore, PostgresTestSchema) async throws -> Void
    ) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        let a = try await PostgresStore(url: schema.url, poolSize: poolSize)
        let b = try await PostgresStore(url: schema.url, poolSize: poolSize)
        do {
            try await body(a, b, schema)
        } catch {
            try? await a.close()
            try? await b.close()
            await schema.drop()
            throw error
        }
        try await a.close()
        try await b.close()
        await schema.drop()
    }

    /// Waits until `store`'s LISTEN connection has connected `count` times.
    private func listenerConnected(_ store: PostgresStore, times count: Int = 1) async -> Bool {
        await eventually { (store.changeFeed.listener?.connections.load(ordering: .relaxed) ?? 0) >= count }
    }

    @Test(arguments: PostgresBehaviourTests.server) func aWriteOnOneInstanceWakesObserversOnAnother(_ url: String)
        async throws
    {
        try await withTwoInstances(url) { a, b, _ in
            let wakes = WakeCounter()
            let observation = try await b.observeCommits { wakes.wake() }
            #expect(await listenerConnected(b), "B's listener never connected")
            // The wake every (re)connect makes.
            #expect(await eventually { wakes.count >= 1 })
            let before = wakes.count
            // Only A writes: B's observers can only hear of it through LISTEN.
            try await register(a, "orders", record("A"))
            #expect(await eventually { wakes.count > before }, "B was not woken by A's commit")
            let seen = try await b.changes(after: 0, limit: 10).changes.map(\.withoutPosition)
            #expect(seen == [Change(position: 0, kind: .registered, subject: "orders", versions: [1], schemaID: 1)])
            observation.cancel()
        }
    }

    @Test(arguments: PostgresBehaviourTests.server) func theListenerReconnectsAndWakesAfterItsConnectionIsLost(
        _ url: String
    ) async throws {
        try await withTwoInstances(url) { a, b, schema in
            let wakes = WakeCounter()
            let observation = try await b.observeCommits { wakes.wake() }
            #expect(await listenerConnected(b))
            try await schema.execute(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = '\(schema.name)' AND query = 'LISTEN sr_changes'
                """)
            #expect(await listenerConnected(b, times: 2), "B's listener did not reconnect")
            let before = wakes.count
            try await register(a, "orders", record("A"))
            #expect(await eventually { wakes.count > before }, "B was not woken after reconnecting")
            // The last observation cancelled, the LISTEN connection goes.
            observation.cancel()
            #expect(b.changeFeed.listener == nil)
            let gone = try await eventually {
                let rows = try await schema.admin.run { connection in
                    try connection.query(
                        """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE application_name = $1::text AND query = 'LISTEN sr_changes'
                        """, [schema.name])
                }
                return rows.int(0, 0) == 0
            }
            #expect(gone, "the LISTEN connection outlived its last observation")
        }
    }

    /// 8 writers x 50 registrations (and settings and imports) over two instances, and a reader that polls "after the last
    /// position I saw" meanwhile: if a position below one already seen could commit later, the
    /// reader would skip it. What it saw must be exactly the final log.
    @Test(arguments: PostgresBehaviourTests.server) func aPollingReaderMissesNothingUnderConcurrentWriters(
        _ url: String
    ) async throws {
        try await withTwoInstances(url, poolSize: 4) { a, b, _ in
            let writers = 8
            let perWriter = 50
            let reader = Task {
                var seen: [Change] = []
                var last: ChangePosition = 0
                var finalRound = false
                while true {
                    let done = finalRound
                    let page = try await b.changes(after: last, limit: 64)
                    for change in page.changes {
                        #expect(change.position > last, "position \(change.position) after \(last)")
                        last = change.position
                        seen.append(change)
                    }
                    if done && page.changes.isEmpty { return seen }
                    if page.changes.isEmpty {
                        finalRound = Task.isCancelled
                        try? await Task.sleep(for: .milliseconds(1))
                    }
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    let store = writer % 2 == 0 ? a : b
                    group.addTask {
                        for index in 0..<perWriter {
                            // Several subjects per writer, shared with another writer, so
                            // subject locks and group-committed batches interleave.
                            let subject = "subject-\((writer + index) % 5)"
                            let outcome = try await register(store, subject, record("W\(writer)-\(index)"))
                            guard case .registered = outcome else {
                                Issue.record("unexpected \(outcome)")
                                return
                            }
                        }
                    }
                }
                // Beside them, the other appending paths: settings (their own transactions) and
                // imports (the Swift registration transaction, not the batched function).
                for writer in 0..<2 {
                    group.addTask {
                        for index in 0..<25 {
                            let store = index % 2 == 0 ? a : b
                            try await store.setCompatibility(
                                index % 3 == 0 ? .full : .backward, subject: "subject-\((writer + index) % 5)")
                        }
                    }
                }
                group.addTask {
                    for index in 0..<25 {
                        let store = index % 2 == 0 ? b : a
                        _ = try await store.register(
                            RegistrationWrite(
                                subject: "imported-\(index)", schema: avro(record("I\(index)")), importVersion: 1))
                    }
                }
                try await group.waitForAll()
            }
            reader.cancel()
            let seen = try await reader.value
            let final = try await a.changes(after: 0, limit: 10_000).changes
            #expect(final.count == writers * perWriter + 2 * 25 + 25)
            #expect(seen == final)
        }
    }

    /// A group-committed batch whose statement fails is rolled back whole, with the changes its
    /// good registrations had appended; they are then registered (and logged) one by one, and the
    /// bad one logs nothing.
    @Test(arguments: PostgresBehaviourTests.server) func aRolledBackBatchLogsNothingOfItsOwn(_ url: String)
        async throws
    {
        let schema = try await PostgresTestSchema(serverURL: url)
        let store = try await PostgresStore(url: schema.url, poolSize: 4)
        let holder = PostgresWorker(label: "test.lock-holder", conninfo: schema.url)
        defer { Task { await holder.close() } }
        let heldSubject = "held-\(UUID().uuidString)"
        let lockKey = "subject:" + heldSubject
        _ = try await holder.run { try $0.query("SELECT pg_advisory_lock(hashtextextended($1::text, 0))", [lockKey]) }
        // As many registrations as batches may run at once wait for the held subject lock, so the
        // next ones queue into one batch (as in PostgresGroupCommitTests).
        var held: [Task<RegistrationOutcome, any Error>] = []
        for index in 0..<store.registrations.maxRunning {
            held.append(Task { try await register(store, heldSubject, record("Held")) })
            #expect(
                try await eventually {
                    let rows = try await holder.run {
                        try $0.query(
                            """
                            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                              AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1::text, 0)
                            """, [lockKey])
                    }
                    return rows.int(0, 0) == index + 1 && store.registrations.pendingCount == 0
                })
        }
        let good = (0..<3).map { index in Task { try await register(store, "good-\(index)", record("G\(index)")) } }
        #expect(await eventually { store.registrations.pendingCount == 3 })
        // An expected version PostgreSQL's integer cannot hold: the batch's statement fails.
        let bad = Task {
            try await store.register(
                RegistrationWrite(subject: "bad", schema: avro(record("Bad")), expectedLatestVersion: Int.max))
        }
        #expect(await eventually { store.registrations.pendingCount == 4 })
        _ = try await holder.run {
            try $0.query("SELECT pg_advisory_unlock(hashtextextended($1::text, 0))", [lockKey])
        }
        for task in held { _ = try await task.value }
        for task in good { _ = try await task.value }
        await #expect(throws: RegistryError.self) { try await bad.value }
        #expect(store.registrations.failedBatches.load(ordering: .relaxed) == 1)

        let changes = try await store.changes(after: 0, limit: 100).changes
        // The held registration first; the good ones in whatever order their tasks queued.
        #expect(changes.first?.subject == heldSubject)
        #expect(changes.dropFirst().compactMap(\.subject).sorted() == ["good-0", "good-1", "good-2"])
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.position < $1.position })
        try await store.close()
        await schema.drop()
    }

    /// A database made before the change log keeps its data and starts with an empty log; the
    /// one-statement registration (replaced by the migration) then logs.
    @Test(arguments: PostgresBehaviourTests.server) func aDatabaseWithDataMigratesToAnEmptyLog(_ url: String)
        async throws
    {
        let schema = try await PostgresTestSchema(serverURL: url)
        let stepsBefore = try #require(PostgresMigrations.steps.firstIndex(of: PostgresChangeLogMigration.step))
        let old = PostgresWorker(label: "change-log-migration", conninfo: schema.url)
        _ = try await old.run { connection in
            try connection.execute(
                "CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for (index, step) in PostgresMigrations.steps[..<stepsBefore].enumerated() {
                try connection.execute(step)
                try connection.query(
                    "INSERT INTO schema_migrations (version) VALUES ($1::integer)", [String(index + 1)])
            }
            // A registration by the old function.
            try connection.execute(
                "SELECT sr_register_unreferenced('a', 1, 'old', 'f-old', '[]', '{}'::jsonb, '[]'::jsonb, NULL)")
        }
        await old.close()

        let store = try await PostgresStore(url: schema.url, poolSize: 2)
        #expect(store.appliedMigrations == PostgresMigrations.latestVersion - stepsBefore)
        #expect(try await store.changes(after: 0, limit: 10) == ChangePage(changes: [], horizon: 0, head: 0))
        #expect(try await store.versions(subject: "a", includeDeleted: true).map(\.version) == [1])
        #expect(try await register(store, "a", record("New")) == .registered(id: 2, version: 2))
        let changes = try await store.changes(after: 0, limit: 10).changes.map(\.withoutPosition)
        #expect(changes == [Change(position: 0, kind: .registered, subject: "a", versions: [2], schemaID: 2)])
        try await store.close()
        await schema.drop()
    }
}
