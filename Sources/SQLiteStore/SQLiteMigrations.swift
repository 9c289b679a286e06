import SchemaRegistryCore

/// The database layout, as an ordered list of steps.
///
/// `PRAGMA user_version` records how many steps a file has had. Steps are only ever appended:
/// editing a shipped step would leave existing files with a layout no step describes.
enum SQLiteMigrations {
    static let steps: [String] = [
        // 1: the initial layout.
        """
        -- AUTOINCREMENT: ids of permanently deleted schemas are never handed out again
        -- (a plain INTEGER PRIMARY KEY would reuse the highest id once it is deleted).
        CREATE TABLE schemas (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            schema_type INTEGER NOT NULL,
            canonical TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            refs TEXT NOT NULL
        );
        CREATE INDEX schemas_by_fingerprint ON schemas (fingerprint);

        CREATE TABLE subject_versions (
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            schema_id INTEGER NOT NULL REFERENCES schemas (id),
            deleted INTEGER NOT NULL DEFAULT 0,
            metadata TEXT NOT NULL,
            tags TEXT NOT NULL,
            created_at INTEGER,
            PRIMARY KEY (subject, version)
        ) WITHOUT ROWID;
        CREATE INDEX subject_versions_by_schema ON subject_versions (schema_id);

        -- The references of each schema, by position, so that the schemas naming a
        -- (subject, version) can be found without reading every schema's refs.
        CREATE TABLE schema_references (
            schema_id INTEGER NOT NULL REFERENCES schemas (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (schema_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX schema_references_by_target ON schema_references (subject, version);

        -- Subject '' holds the global setting.
        CREATE TABLE config (subject TEXT PRIMARY KEY, compatibility TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE modes (subject TEXT PRIMARY KEY, mode TEXT NOT NULL) WITHOUT ROWID;
        """,
        // 2: API keys, stored as SHA-256 hashes only.
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            subject_prefixes TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        """,
        // 3: the full-text index of ranked search, kept by triggers, existing versions backfilled.
        SQLiteSearchIndex.migrationStep,
        // 4: the change log watch subscriptions read (issue 20); existing data starts with an empty log.
        SQLiteStore.changeLogMigrationStep,
        // 5: ranked search orders equal scores by subject from a narrow index (issue 19).
        SQLiteSearchIndex.orderMigrationStep,
    ]

    /// The `user_version` of a file with every step applied.
    static var latestVersion: Int { steps.count }

    /// Brings the file up to date; returns how many steps were applied (0 when it already was).
    ///
    /// One IMMEDIATE transaction: two processes opening a new file at once cannot both apply
    /// step 1, and a failed step leaves the file as it was.
    @discardableResult
    static func migrate(_ connection: SQLiteConnection) throws -> Int {
        try connection.transaction(.immediate) {
            let current = try connection.firstRow("PRAGMA user_version") { $0.int(0) } ?? 0
            guard current <= latestVersion else {
                throw RegistryError(
                    .storeError,
                    "sqlite: the database has layout version \(current), newer than the \(latestVersion) this "
                        + "build knows; use a newer schema-registry")
            }
            guard current < latestVersion else { return 0 }
            for step in steps[current...] {
                try connection.execute(step)
            }
            // PRAGMA takes no bound parameters; the value is our own integer.
            try connection.execute("PRAGMA user_version = \(latestVersion)")
            return latestVersion - current
        }
    }
}
