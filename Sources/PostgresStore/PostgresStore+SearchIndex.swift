import SchemaRegistryCore

/// The full-text index behind ranked search (issue 19): its layout, kept exact by triggers and
/// a catch-up before each ranked search, and the ranked query. The same documents as the
/// embedded store's (`SQLiteSearchIndex`).
///
/// One `tsvector` per subject version in `search_documents`, under a GIN index. A registration
/// only records its (subject, version) in `search_pending`: deriving the document and updating
/// the GIN index in the registration's transaction cost ~1.1 ms and halved registrations/s. A
/// ranked search first indexes every pending version in one statement (`sr_search_catch_up`),
/// so it sees every registration acknowledged before it. The rare writes stay direct: a soft
/// delete updates the mirrored flag, a permanent delete removes the document (foreign key
/// cascade) and any pending row (trigger). Triggers rather than statements in the write paths,
/// so every writer (the one-statement registration function, group commit, imports) keeps the
/// index exact without knowing about it.
enum PostgresSearchIndex {
    /// A migration step (appended after the steps before it).
    ///
    /// - Weights: subject A, field names B, tags and metadata C, body D (`ts_rank`'s defaults
    ///   then count them 1.0, 0.4, 0.2, 0.1).
    /// - Tokens: punctuation and spaces become one space before the `simple` configuration
    ///   reads the text, so `com.acme.Customer` or `customer_id` are words as in SQLite's
    ///   unicode61 tokenizer (the default parser would keep `com.acme.customer` whole, as a host).
    /// - Field names: Avro's (`name` of each object in a `fields` array) and JSON Schema's (keys
    ///   of each `properties` object), through jsonpath filters that skip what does not have the
    ///   expected shape; Protobuf texts are not JSON (their field names are words of the body).
    /// - Body: the first 256 KiB of the schema text, so the vector stays under PostgreSQL's
    ///   1 MiB bound whatever the schema (SQLite indexes the same prefix).
    static let migrationStep = """
        CREATE FUNCTION sr_search_words(p_text text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT to_tsvector('simple', regexp_replace(p_text, '[[:punct:][:space:]]+', ' ', 'g'))
        $$;
        CREATE FUNCTION sr_search_document(p_subject text, p_type integer, p_canonical text, p_metadata jsonb, p_tags jsonb)
        RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT setweight(sr_search_words(p_subject), 'A')
                || setweight(sr_search_words(CASE WHEN p_type IN (0, 1) THEN (
                       SELECT coalesce(string_agg(name, ' '), '') FROM (
                           SELECT jsonb_path_query(p_canonical::jsonb,
                               'strict $.**.fields ? (@.type() == "array")[*] ? (@.type() == "object" && @.name.type() == "string").name',
                               '{}', true) #>> '{}' AS name
                           UNION ALL
                           SELECT jsonb_path_query(p_canonical::jsonb,
                               'strict $.**.properties ? (@.type() == "object").keyvalue().key', '{}', true) #>> '{}'
                       ) names) ELSE '' END), 'B')
                || setweight(sr_search_words(
                       (SELECT coalesce(string_agg(tag, ' '), '') FROM jsonb_array_elements_text(p_tags) tag) || ' '
                       || (SELECT coalesce(string_agg(key || ' ' || value, ' '), '') FROM jsonb_each_text(p_metadata))), 'C')
                || setweight(sr_search_words(left(p_canonical, 262144)), 'D')
        $$;
        -- `deleted` mirrors the version's flag, so that ranking and the page limit need no join.
        CREATE TABLE search_documents (
            subject text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            deleted boolean NOT NULL,
            document tsvector NOT NULL,
            PRIMARY KEY (subject, version),
            FOREIGN KEY (subject, version) REFERENCES subject_versions (subject, version) ON DELETE CASCADE
        );
        CREATE INDEX search_documents_words ON search_documents USING gin (document);
        -- Versions registered but not yet indexed. No foreign key: its check would lock the new
        -- version's row in every registration; a trigger removes the row on a permanent delete.
        CREATE TABLE search_pending (
            subject text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            PRIMARY KEY (subject, version)
        );
        CREATE FUNCTION sr_search_pend_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM search_pending WHERE subject = OLD.subject AND version = OLD.version;
            ELSE
                INSERT INTO search_pending (subject, version) VALUES (NEW.subject, NEW.version)
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER subject_versions_search_pending AFTER INSERT OR DELETE ON subject_versions
        FOR EACH ROW EXECUTE FUNCTION sr_search_pend_version();
        CREATE FUNCTION sr_search_index_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (NEW.schema_id, NEW.metadata, NEW.tags) IS NOT DISTINCT FROM (OLD.schema_id, OLD.metadata, OLD.tags) THEN
                -- A soft delete (or its undoing): the flag only (a pending version has no
                -- document yet; the catch-up reads the flag from the row).
                UPDATE search_documents SET deleted = NEW.deleted WHERE subject = NEW.subject AND version = NEW.version;
                RETURN NULL;
            END IF;
            INSERT INTO search_documents (subject, version, deleted, document)
            SELECT NEW.subject, NEW.version, NEW.deleted,
                sr_search_document(NEW.subject, s.schema_type, s.canonical, NEW.metadata, NEW.tags)
            FROM schemas s WHERE s.id = NEW.schema_id
            ON CONFLICT (subject, version) DO UPDATE SET deleted = EXCLUDED.deleted, document = EXCLUDED.document;
            DELETE FROM search_pending WHERE subject = NEW.subject AND version = NEW.version;
            RETURN NULL;
        END
        $$;
        -- A soft delete sets `deleted`; no write path changes the other columns today, but if one
        -- does, the document follows at once.
        CREATE TRIGGER subject_versions_search AFTER UPDATE OF schema_id, metadata, tags, deleted
        ON subject_versions
        FOR EACH ROW EXECUTE FUNCTION sr_search_index_version();
        -- Indexes every pending version. Instances share the database: the advisory lock
        -- serialises catch-ups, and each statement after it takes a new snapshot (READ
        -- COMMITTED), so a second catch-up waits for the first to commit and then finds its rows
        -- claimed and their documents visible. Claim and index are one statement. An empty
        -- table returns before the lock: a search with nothing pending takes no lock.
        CREATE FUNCTION sr_search_catch_up() RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM search_pending) THEN
                RETURN;
            END IF;
            PERFORM pg_advisory_xact_lock(hashtextextended('schema-registry:search-catch-up', 0));
            WITH claimed AS (DELETE FROM search_pending RETURNING subject, version)
            INSERT INTO search_documents (subject, version, deleted, document)
            SELECT sv.subject, sv.version, sv.deleted,
                sr_search_document(sv.subject, s.schema_type, s.canonical, sv.metadata, sv.tags)
            FROM claimed c
            JOIN subject_versions sv ON sv.subject = c.subject AND sv.version = c.version
            JOIN schemas s ON s.id = sv.schema_id
            ON CONFLICT (subject, version) DO UPDATE SET deleted = EXCLUDED.deleted, document = EXCLUDED.document;
        END
        $$;
        -- Backfill: a database that already has versions gets their documents in this migration.
        INSERT INTO search_documents (subject, version, deleted, document)
        SELECT sv.subject, sv.version, sv.deleted,
            sr_search_document(sv.subject, s.schema_type, s.canonical, sv.metadata, sv.tags)
        FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id;
        """
}

extension PostgresStore {
    /// A search with words: the GIN index finds the versions, `ts_rank` orders them, the other
    /// filters are those of the unranked search (metadata and tags by jsonb containment).
    ///
    /// Matches are ranked in `search_documents` alone (subject range and `deleted` are there);
    /// when no other filter needs the version's row, only the page's matches are joined.
    /// Joining every match before ranking cost several milliseconds for a word in 1% of 100k.
    /// The query is parsed once, in FROM: the statement is prepared, and once PostgreSQL uses
    /// its generic plan, `to_tsquery('simple', $1)` in the select list was parsed again for
    /// every match (10-20% of a word's query in the bench, `benches/README.md`).
    /// Without a subject prefix the range condition is absent (NULL bound), not `subject >= ''`:
    /// PostgreSQL ANDed that range's bitmap over the primary key, every one of the 100k rows
    /// (11-19 ms), with the GIN bitmap of a word's ~1,000 matches (1.5-2.3 ms).
    func rankedSearch(_ query: SearchQuery) async throws -> [VersionRecord] {
        let words = SearchWords(query.words)
        guard query.limit > 0, !words.terms.isEmpty else { return [] }
        let bounds = Self.prefixBounds(query.subjectPrefix)
        let metadata = try PostgresCoding.values.encode(metadata: query.metadata)
        let tags = try PostgresCoding.values.encode(tags: query.tags)
        let needsRows = !query.text.isEmpty || query.latestOnly || !query.metadata.isEmpty || !query.tags.isEmpty
        let offset = max(0, query.offset)
        let sql = """
            SELECT \(PostgresCoding.versionColumns) FROM (
                SELECT d.subject, d.version, ts_rank(d.document, q.q) AS score
                FROM to_tsquery('simple', $1::text) q CROSS JOIN search_documents d
                WHERE d.document @@ q.q
                  AND ($2::text IS NULL OR (d.subject >= $2::text AND ($3::text IS NULL OR d.subject < $3::text)))
                  AND ($4::boolean OR NOT d.deleted)
                ORDER BY score DESC, d.subject, d.version
                LIMIT $11::bigint
            ) r
            JOIN subject_versions sv ON sv.subject = r.subject AND sv.version = r.version
            JOIN schemas s ON s.id = sv.schema_id
            WHERE ($5::text = '' OR strpos(s.canonical, $5::text) > 0)
              AND (NOT $6::boolean OR sv.version = (
                  SELECT max(latest.version) FROM subject_versions latest
                  WHERE latest.subject = sv.subject AND ($4::boolean OR NOT latest.deleted)))
              AND sv.metadata @> $7::jsonb AND sv.tags @> $8::jsonb
            ORDER BY r.score DESC, r.subject, r.version
            LIMIT $9::bigint OFFSET $10::bigint
            """
        let parameters: [String?] = [
            words.tsqueryExpression, query.subjectPrefix.isEmpty ? nil : bounds.lower, bounds.upper,
            Self.bool(query.includeDeleted), query.text,
            Self.bool(query.latestOnly), metadata, tags, String(query.limit), String(offset),
            // LIMIT NULL is no limit: every match goes on to the filters that need the row.
            needsRows ? nil : String(offset + query.limit),
        ]
        return try await read { connection in
            // Its own autocommit transaction, committed before the search's snapshot is taken.
            // Safe to retry (the read is retried on a stale connection).
            _ = try connection.query("SELECT sr_search_catch_up()")
            return try PostgresCoding.versionRecords(from: connection.query(sql, parameters))
        }
    }
}
