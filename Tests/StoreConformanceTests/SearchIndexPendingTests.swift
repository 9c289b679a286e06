import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import PostgresStore
@testable import SQLiteStore

/// Deferred indexing: a registration only records a pending row, and a ranked search indexes
/// every pending version first. Checked on each store through its tables: what a search finds
/// right after a registration, that one search empties the pending table, and that a permanent
/// delete of a version still pending leaves nothing behind.
@Suite struct SearchIndexPendingTests {
    static var server: [String] { StoreFactory.postgresURL.map { [$0] } ?? [] }

    static func find(_ store: any SchemaStore, _ words: String, includeDeleted: Bool = false) async throws
        -> [String]
    {
        try await store.search(SearchQuery(words: words, includeDeleted: includeDeleted)).map {
            "\($0.subject):\($0.version)"
        }
    }

    /// The same steps on either store; `counts` returns (pending rows, documents).
    static func exercise(_ store: any SchemaStore, counts: () async throws -> [Int]) async throws {
        // Found by the first search after it is acknowledged.
        try await register(store, "first-value", record("Walrus"))
        #expect(try await counts() == [1, 0])
        #expect(try await find(store, "walrus") == ["first-value:1"])
        #expect(try await counts() == [0, 1])

        // Many registrations, then one search indexes them all.
        for index in 0..<40 {
            try await register(store, "many-\(index)", record("Heron\(index)"), tags: ["flock"])
        }
        #expect(try await counts() == [40, 1])
        #expect(try await find(store, "flock").count == 40)
        #expect(try await counts() == [0, 41])

        // Soft then permanent delete of versions never indexed: no pending row, no document.
        try await register(store, "gone-value", record("Dodo"), tags: ["extinct"])
        try await register(store, "soft-value", record("Moa"), tags: ["extinct"])
        #expect(try await store.softDelete(subject: "gone-value", versions: [1]) == [1])
        #expect(try await store.softDelete(subject: "soft-value", versions: [1]) == [1])
        #expect(try await store.permanentlyDelete(subject: "gone-value", versions: [1]) == [1])
        #expect(try await counts() == [1, 41])
        // The soft-deleted one is indexed with its flag as the row has it now.
        #expect(try await find(store, "extinct").isEmpty)
        #expect(try await find(store, "extinct", includeDeleted: true) == ["soft-value:1"])
        #expect(try await counts() == [0, 42])
    }

    @Test func sqliteIndexesPendingVersionsBeforeASearch() async throws {
        let directory = try TemporaryDirectory(prefix: "search-pending")
        defer { directory.remove() }
        let path = directory.path("registry.db")
        let store = try SQLiteStore(path: path)
        let check = try SQLiteConnection(path: path, readOnly: true)
        defer { check.close() }
        try await Self.exercise(store) {
            try ["search_pending", "search_documents"].map { table in
                try check.firstRow("SELECT count(*) FROM \(table)") { $0.int(0) } ?? -1
            }
        }
        try await store.close()
        let verify = try SQLiteConnection(path: path, readOnly: false)
        defer { verify.close() }
        try verify.execute("INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)")
    }

    @Test(arguments: server) func postgresIndexesPendingVersionsBeforeASearch(_ url: String) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        let check = PostgresWorker(label: "search-pending", conninfo: schema.url)
        do {
            let store = try await PostgresStore(url: schema.url, poolSize: 2)
            try await Self.exercise(store) {
                try await check.run { connection in
                    let rows = try connection.query(
                        "SELECT (SELECT count(*) FROM search_pending), (SELECT count(*) FROM search_documents)")
                    return [rows.int(0, 0), rows.int(0, 1)]
                }
            }
            try await store.close()
        } catch {
            await check.close()
            await schema.drop()
            throw error
        }
        await check.close()
        await schema.drop()
    }

    /// Instances sharing one database register and search at once: every search finds every
    /// registration acknowledged before it, whichever instance's catch-up indexed it.
    @Test(arguments: server) func postgresConcurrentCatchUpsAreExact(_ url: String) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        do {
            let first = try await PostgresStore(url: schema.url, poolSize: 4)
            let second = try await PostgresStore(url: schema.url, poolSize: 4)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in [first, second, first, second, first, second].enumerated() {
                    group.addTask {
                        for round in 0..<10 {
                            let subject = "crane-\(index)-\(round)"
                            let text = record("Crane\(index)x\(round)")
                            try await register(store, subject, text, tags: ["crane\(index)"])
                            let found = try await Self.find(store, "crane\(index)")
                            #expect(found.count == round + 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await Self.find(first, "crane*").count == 60)
            try await first.close()
            try await second.close()
        } catch {
            await schema.drop()
            throw error
        }
        await schema.drop()
    }
}
