import SchemaRegistryCore

/// The full-text index behind ranked search (issue 19): its layout, kept exact by a trigger,
/// and the ranked query. The same documents as the embedded store's (`SQLiteSearchIndex`).
///
/// One `tsvector` per subject version in `search_documents`, under a GIN index. A trigger on
/// `subject_versions` writes it in the writer's own transaction; a permanent delete removes it
/// through the foreign key's cascade; a soft delete leaves it (`deleted` is read from
/// `subject_versions` at query time). A trigger rather than statements in the write paths, so
/// every writer (the one-statement registration function, group commit, imports) keeps the
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
        CREATE FUNCTION sr_search_index_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND (NEW.schema_id, NEW.metadata, NEW.tags) IS NOT DISTINCT FROM
                    (OLD.schema_id, OLD.metadata, OLD.tags) THEN
                -- A soft delete (or its undoing): the flag only.
                UPDATE search_documents SET deleted = NEW.deleted WHERE subject = NEW.subject AND version = NEW.version;
                RETURN NULL;
            END IF;
            INSERT INTO search_documents (subject, version, deleted, document)
            SELECT NEW.subject, NEW.version, NEW.deleted,
                sr_search_document(NEW.subject, s.schema_type, s.canonical, NEW.metadata, NEW.tags)
            FROM schemas s WHERE s.id = NEW.schema_id
            ON CONFLICT (subject, version) DO UPDATE SET deleted = EXCLUDED.deleted, document = EXCLUDED.document;
            RETURN NULL;
        END
        $$;
        -- A soft delete sets `deleted`; no write path changes the other columns today, but if one
        -- does, the document follows.
        CREATE TRIGGER subject_versions_search AFTER INSERT OR UPDATE OF schema_id, metadata, tags, deleted
        ON subject_versions
        FOR EACH ROW EXECUTE FUNCTION sr_search_index_version();
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
                SELECT d.subject, d.version, ts_rank(d.document, to_tsquery('simple', $1::text)) AS score
                FROM search_documents d
                WHERE d.document @@ to_tsquery('simple', $1::text)
                  AND d.subject >= $2::text AND ($3::text IS NULL OR d.subject < $3::text)
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
            words.tsqueryExpression, bounds.lower, bounds.upper, Self.bool(query.includeDeleted), query.text,
            Self.bool(query.latestOnly), metadata, tags, String(query.limit), String(offset),
            // LIMIT NULL is no limit: every match goes on to the filters that need the row.
            needsRows ? nil : String(offset + query.limit),
        ]
        return try await read { connection in
            try PostgresCoding.versionRecords(from: connection.query(sql, parameters))
        }
    }
}
