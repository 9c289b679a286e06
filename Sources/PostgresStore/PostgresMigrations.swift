import SchemaRegistryCore

/// The database layout, as an ordered list of steps recorded in `schema_migrations`.
///
/// Steps are only ever appended: editing a shipped step would leave existing databases with a
/// layout no step describes.
enum PostgresMigrations {
    static let steps: [String] = [
        // 1: the initial layout.
        """
        -- A sequence, not a counter row: nextval never blocks other transactions and never goes
        -- back, so ids of permanently deleted schemas are never handed out again.
        CREATE SEQUENCE schema_ids;
        CREATE TABLE schemas (
            id bigint PRIMARY KEY DEFAULT nextval('schema_ids'),
            schema_type integer NOT NULL,
            canonical text NOT NULL,
            fingerprint text NOT NULL,
            refs text NOT NULL
        );
        ALTER SEQUENCE schema_ids OWNED BY schemas.id;
        -- Identity lookups: the fingerprint finds candidates, full values decide.
        CREATE INDEX schemas_by_fingerprint ON schemas (fingerprint);

        -- COLLATE "C": bytewise order, as SQLite's BINARY, so subject order and prefix ranges
        -- match the embedded store and the primary key serves range scans on subject.
        CREATE TABLE subject_versions (
            subject text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            schema_id bigint NOT NULL REFERENCES schemas (id),
            deleted boolean NOT NULL DEFAULT false,
            metadata jsonb NOT NULL,
            tags jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (subject, version)
        );
        -- Live versions: subjects() without deleted ones, and the latest live version per subject.
        CREATE INDEX subject_versions_live ON subject_versions (subject, version) WHERE NOT deleted;
        CREATE INDEX subject_versions_by_schema ON subject_versions (schema_id, subject, version);

        -- The references of each schema, by position, so that the schemas naming a
        -- (subject, version) are found without reading every schema's refs.
        CREATE TABLE schema_references (
            schema_id bigint NOT NULL REFERENCES schemas (id) ON DELETE CASCADE,
            position integer NOT NULL,
            name text NOT NULL,
            subject text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            PRIMARY KEY (schema_id, position)
        );
        CREATE INDEX schema_references_by_target ON schema_references (subject, version);

        -- Subject '' holds the global setting.
        CREATE TABLE config (subject text PRIMARY KEY, compatibility text NOT NULL);
        CREATE TABLE modes (subject text PRIMARY KEY, mode text NOT NULL);
        """
    ]

    static var latestVersion: Int { steps.count }

    /// Brings the database up to date; returns how many steps were applied.
    ///
    /// One transaction holding a transaction-level advisory lock: several instances starting at
    /// once queue on the lock, and each after the first finds the steps already recorded. A failed
    /// step rolls back with everything else, leaving the database as it was.
    @discardableResult
    static func migrate(_ connection: PostgresConnection) throws -> Int {
        try connection.transaction {
            try connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('schema-registry:migrations', 0))")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let current = try connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations").int(0, 0)
            guard current <= latestVersion else {
                throw RegistryError(
                    .storeError,
                    "postgres: the database has layout version \(current), newer than the \(latestVersion) this "
                        + "build knows; use a newer schema-registry")
            }
            guard current < latestVersion else { return 0 }
            for (index, step) in steps.enumerated() where index + 1 > current {
                try connection.execute(step)
                try connection.query(
                    "INSERT INTO schema_migrations (version) VALUES ($1::integer)", [String(index + 1)])
            }
            return latestVersion - current
        }
    }
}
