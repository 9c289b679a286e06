import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import PostgresStore
@testable import SQLiteStore

/// The search index of each store against its source rows: backfilled by the migration for a
/// database that already had versions, and equal to what its definition derives after
/// registrations, soft and permanent deletes (the triggers' work checked row by row).
@Suite struct SearchIndexMigrationTests {
    static var server: [String] { StoreFactory.postgresURL.map { [$0] } ?? [] }

    /// Versions written before the index existed, straight into the tables of the old layout.
    static let oldRows = """
        INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs) VALUES
            (1, 0, '{"type":"record","name":"Order","fields":[{"name":"customer_id","type":"long"}]}', 'a', '[]'),
            (2, 1, '{"type":"object","properties":{"zip_code":{"type":"string"}}}', 'b', '[]');
        INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags) VALUES
            ('orders-value', 1, 1, false, '{"owner":"billing"}', '["pii"]'),
            ('orders-value', 2, 2, true, '{}', '[]'),
            ('people-value', 1, 2, false, '{}', '[]');
        """

    static func find(_ store: any SchemaStore, _ words: String, includeDeleted: Bool = false) async throws
        -> [String]
    {
        try await store.search(SearchQuery(words: words, includeDeleted: includeDeleted)).map {
            "\($0.subject):\($0.version)"
        }
    }

    /// Checks what was found in the migrated store, then writes through every path.
    static func exercise(_ store: any SchemaStore) async throws {
        #expect(try await find(store, "customer") == ["orders-value:1"])
        #expect(try await find(store, "billing pii") == ["orders-value:1"])
        #expect(try await find(store, "zip_code") == ["people-value:1"])
        #expect(Set(try await find(store, "zip", includeDeleted: true)) == ["orders-value:2", "people-value:1"])

        try await register(store, "orders-value", record("Invoice"), tags: ["gold"])
        #expect(try await find(store, "invoice gold") == ["orders-value:3"])
        _ = try await store.softDelete(subject: "orders-value", versions: [1])
        _ = try await store.permanentlyDelete(subject: "orders-value", versions: [1, 2])
        #expect(try await find(store, "customer", includeDeleted: true).isEmpty)
        #expect(try await find(store, "zip", includeDeleted: true) == ["people-value:1"])
    }

    @Test func sqliteBackfillsAndStaysExact() async throws {
        let directory = try TemporaryDirectory(prefix: "search-migration")
        defer { directory.remove() }
        let path = directory.path("registry.db")
        let stepsBefore = try #require(SQLiteMigrations.steps.firstIndex(of: SQLiteSearchIndex.migrationStep))
        let connection = try SQLiteConnection(path: path, readOnly: false)
        for step in SQLiteMigrations.steps[..<stepsBefore] {
            try connection.execute(step)
        }
        try connection.execute("PRAGMA user_version = \(stepsBefore)")
        try connection.execute(Self.oldRows)
        connection.close()

        let store = try SQLiteStore(path: path)
        #expect(store.appliedMigrations == SQLiteMigrations.latestVersion - stepsBefore)
        // The migration itself indexed the old rows: nothing is left for a catch-up.
        let migrated = try SQLiteConnection(path: path, readOnly: true)
        #expect(try migrated.firstRow("SELECT count(*) FROM search_pending") { $0.int(0) } == 0)
        #expect(try migrated.firstRow("SELECT count(*) FROM search_documents") { $0.int(0) } == 3)
        migrated.close()
        try await Self.exercise(store)
        try await store.close()

        let check = try SQLiteConnection(path: path, readOnly: false)
        defer { check.close() }
        // FTS5's own check: the index holds exactly the tokens of search_documents' rows.
        try check.execute("INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)")
        // And SQLite's: every index of search_documents (search_documents_order, which orders
        // ranked ties) has exactly its rows.
        #expect(try check.firstRow("PRAGMA integrity_check") { $0.text(0) } == "ok")
        // search_documents holds exactly what the view derives from the versions, no more, no less.
        let columns = "subject, version, fields, tags, metadata, body"
        let stale = try check.firstRow(
            "SELECT count(*) FROM (SELECT \(columns) FROM search_documents EXCEPT SELECT * FROM search_sources)"
        ) { $0.int(0) }
        let missing = try check.firstRow(
            "SELECT count(*) FROM (SELECT * FROM search_sources EXCEPT SELECT \(columns) FROM search_documents)"
        ) { $0.int(0) }
        #expect(stale == 0)
        #expect(missing == 0)
        #expect(try check.firstRow("SELECT count(*) FROM search_documents") { $0.int(0) } == 2)
    }

    @Test(arguments: server) func postgresBackfillsAndStaysExact(_ url: String) async throws {
        let schema = try await PostgresTestSchema(serverURL: url)
        let stepsBefore = try #require(
            PostgresMigrations.steps.firstIndex(of: PostgresSearchIndex.migrationStep))
        let old = PostgresWorker(label: "search-migration", conninfo: schema.url)
        do {
            _ = try await old.run { connection in
                try connection.execute(
                    "CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                for (index, step) in PostgresMigrations.steps[..<stepsBefore].enumerated() {
                    try connection.execute(step)
                    try connection.query(
                        "INSERT INTO schema_migrations (version) VALUES ($1::integer)", [String(index + 1)])
                }
                try connection.execute(Self.oldRows)
                // The old layout handed out ids 1 and 2 by hand: move the sequence past them.
                try connection.execute("SELECT setval('schema_ids', 2)")
            }
            await old.close()

            let store = try await PostgresStore(url: schema.url, poolSize: 2)
            #expect(store.appliedMigrations == PostgresMigrations.latestVersion - stepsBefore)
            // The migration itself indexed the old rows: nothing is left for a catch-up.
            let migrated = PostgresWorker(label: "search-migrated", conninfo: schema.url)
            let before = try await migrated.run { connection in
                let rows = try connection.query(
                    "SELECT (SELECT count(*) FROM search_pending), (SELECT count(*) FROM search_documents)")
                return [rows.int(0, 0), rows.int(0, 1)]
            }
            await migrated.close()
            #expect(before == [0, 3])
            try await Self.exercise(store)
            try await store.close()

            let check = PostgresWorker(label: "search-check", conninfo: schema.url)
            let derived = """
                SELECT sv.subject, sv.version, sv.deleted,
                    sr_search_document(sv.subject, s.schema_type, s.canonical, sv.metadata, sv.tags)
                FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
                """
            let counts = try await check.run { connection in
                let stale = try connection.query(
                    "SELECT count(*) FROM (SELECT subject, version, deleted, document FROM search_documents EXCEPT \(derived)) x"
                )
                let missing = try connection.query(
                    "SELECT count(*) FROM (\(derived) EXCEPT SELECT subject, version, deleted, document FROM search_documents) x"
                )
                let total = try connection.query("SELECT count(*) FROM search_documents")
                return [stale.int(0, 0), missing.int(0, 0), total.int(0, 0)]
            }
            await check.close()
            #expect(counts == [0, 0, 2])
        } catch {
            await old.close()
            await schema.drop()
            throw error
        }
        await schema.drop()
    }
}
