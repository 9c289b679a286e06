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
        """,
        // 2: registration without references or imported ids in one round trip (see
        // `PostgresStore.registerInOneStatement`). The same steps, locks and lock keys as the
        // Swift transaction, so instances running either path stay serialised together.
        """
        CREATE FUNCTION sr_register_unreferenced(
            p_subject text, p_type integer, p_canonical text, p_fingerprint text, p_refs text,
            p_metadata jsonb, p_tags jsonb, p_expected integer,
            OUT o_outcome text, OUT o_id bigint, OUT o_version integer)
        LANGUAGE plpgsql AS $$
        DECLARE
            v_highest integer;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended('subject:' || p_subject, 0));
            -- 1. The same schema, live under this subject: nothing to write.
            SELECT sv.schema_id, sv.version INTO o_id, o_version
            FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
            WHERE sv.subject = p_subject AND NOT sv.deleted AND s.fingerprint = p_fingerprint
              AND s.schema_type = p_type AND s.canonical = p_canonical AND s.refs = p_refs
            ORDER BY sv.version DESC LIMIT 1;
            IF FOUND THEN
                o_outcome := 'existing';
                RETURN;
            END IF;
            -- 2. The expected latest version (soft-deleted versions count).
            SELECT coalesce(max(sv.version), 0) INTO v_highest FROM subject_versions sv WHERE sv.subject = p_subject;
            IF p_expected IS NOT NULL AND p_expected <> v_highest THEN
                o_outcome := 'conflict';
                o_id := 0;
                o_version := v_highest;
                RETURN;
            END IF;
            -- 3. The id: found by identity (under the fingerprint lock), or assigned.
            PERFORM pg_advisory_xact_lock(hashtextextended('schema:' || p_fingerprint, 0));
            SELECT s.id INTO o_id FROM schemas s
            WHERE s.fingerprint = p_fingerprint AND s.schema_type = p_type AND s.canonical = p_canonical
              AND s.refs = p_refs
            ORDER BY s.id LIMIT 1;
            IF NOT FOUND THEN
                INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs)
                VALUES (nextval('schema_ids'), p_type, p_canonical, p_fingerprint, p_refs)
                RETURNING schemas.id INTO o_id;
            END IF;
            -- 4. The new version.
            o_version := v_highest + 1;
            INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)
            VALUES (p_subject, o_version, o_id, false, p_metadata, p_tags);
            o_outcome := 'registered';
        END
        $$;
        """,
        // 3: API keys, stored as SHA-256 hashes only.
        """
        CREATE TABLE api_keys (
            id text PRIMARY KEY,
            name text NOT NULL,
            role text NOT NULL,
            subject_prefixes text NOT NULL,
            key_hash text NOT NULL UNIQUE,
            created_at bigint NOT NULL,
            revoked boolean NOT NULL DEFAULT false
        );
        """,
        // 4: the full-text index of ranked search, kept by triggers and a catch-up before each
        // ranked search, existing versions backfilled.
        PostgresSearchIndex.migrationStep,
        // 5: the change log watch subscriptions read, appended by every write in its transaction.
        PostgresChangeLogMigration.step,
        // 6: a registration's context read and its write in one call.
        PostgresRegistrationMigration.step,
        // 7: a group-committed batch in one call, appending its changes at its end.
        PostgresBatchRegistrationMigration.step,
        // 8: a registration's context in one statement, and a new subject's first version
        // registered without reading again what the context read.
        PostgresLeanRegistrationMigration.step,
        // 9: a batch registers a new subject's first version without a nested set-returning call.
        PostgresBatchFastPathMigration.step,
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
