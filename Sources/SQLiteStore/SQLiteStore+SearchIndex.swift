import SchemaRegistryCore

/// The full-text index behind ranked search (issue 19): its layout, kept exact by triggers,
/// and the ranked query.
///
/// One document per subject version (`search_documents`, which holds the indexed text once)
/// and an FTS5 index over it (`search_index`, external content). Triggers on
/// `subject_versions` keep documents exact in the writer's own transaction: a registration
/// inserts one, a permanent delete removes it, and a soft delete leaves it (the `deleted` flag
/// is read from `subject_versions` at query time, so `includeDeleted` still works). Triggers
/// rather than statements in the write paths, so every writer (group commit, imports, a
/// future path) keeps the index exact without knowing about it.
enum SQLiteSearchIndex {
    /// Migration step 3. The view derives a document from a version and its schema; the
    /// triggers and the backfill of an existing file both read it, so they cannot disagree.
    ///
    /// - fields: Avro field names (`name` of each object in a `fields` array) and JSON Schema
    ///   property names (keys of each `properties` object); Protobuf texts are not JSON, their
    ///   field names are found as words of the body.
    /// - body: the first 256 KiB of the schema text, the bound PostgreSQL's index needs too
    ///   (a tsvector is at most 1 MiB), so both stores find the same versions.
    /// - tokens: runs of letters and digits, case folded, diacritics kept (as PostgreSQL's
    ///   `simple` configuration over text whose punctuation is made spaces).
    static let migrationStep = """
        CREATE TABLE search_documents (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            fields TEXT NOT NULL,
            tags TEXT NOT NULL,
            metadata TEXT NOT NULL,
            body TEXT NOT NULL,
            UNIQUE (subject, version)
        );
        CREATE VIRTUAL TABLE search_index USING fts5 (
            subject, fields, tags, metadata, body,
            content = 'search_documents', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
        );
        -- External content: the index learns of changes only through these two triggers, and a
        -- delete must pass the very values that were indexed (search_documents still holds them).
        CREATE TRIGGER search_documents_insert AFTER INSERT ON search_documents BEGIN
            INSERT INTO search_index (rowid, subject, fields, tags, metadata, body)
            VALUES (NEW.id, NEW.subject, NEW.fields, NEW.tags, NEW.metadata, NEW.body);
        END;
        CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents BEGIN
            INSERT INTO search_index (search_index, rowid, subject, fields, tags, metadata, body)
            VALUES ('delete', OLD.id, OLD.subject, OLD.fields, OLD.tags, OLD.metadata, OLD.body);
        END;
        CREATE VIEW search_sources (subject, version, fields, tags, metadata, body) AS
        SELECT sv.subject, sv.version,
            CASE WHEN json_valid(s.canonical) THEN (
                SELECT coalesce(group_concat(CASE WHEN t.path LIKE '%.properties' THEN t.key ELSE t.atom END, ' '), '')
                FROM json_tree(s.canonical) t
                WHERE (t.key = 'name' AND t.type = 'text' AND rtrim(t.path, '0123456789]') LIKE '%.fields[')
                   OR (t.path LIKE '%.properties' AND typeof(t.key) = 'text')
            ) ELSE '' END,
            (SELECT coalesce(group_concat(value, ' '), '') FROM json_each(sv.tags)),
            (SELECT coalesce(group_concat(key || ' ' || value, ' '), '') FROM json_each(sv.metadata)),
            substr(s.canonical, 1, 262144)
        FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id;
        CREATE TRIGGER subject_versions_search_insert AFTER INSERT ON subject_versions BEGIN
            INSERT INTO search_documents (subject, version, fields, tags, metadata, body)
            SELECT * FROM search_sources WHERE subject = NEW.subject AND version = NEW.version;
        END;
        -- No write path changes these columns today (a soft delete sets only `deleted`); if one
        -- does, the document follows.
        CREATE TRIGGER subject_versions_search_update AFTER UPDATE OF subject, version, schema_id, metadata, tags
        ON subject_versions BEGIN
            DELETE FROM search_documents WHERE subject = OLD.subject AND version = OLD.version;
            INSERT INTO search_documents (subject, version, fields, tags, metadata, body)
            SELECT * FROM search_sources WHERE subject = NEW.subject AND version = NEW.version;
        END;
        CREATE TRIGGER subject_versions_search_delete AFTER DELETE ON subject_versions BEGIN
            DELETE FROM search_documents WHERE subject = OLD.subject AND version = OLD.version;
        END;
        -- Backfill: a file that already has versions gets their documents in this migration.
        INSERT INTO search_documents (subject, version, fields, tags, metadata, body) SELECT * FROM search_sources;
        """

    /// bm25 weights of the columns, in declaration order: a word in the subject counts most,
    /// then field names, tags and metadata, then the body.
    static let rank = "bm25(search_index, 10.0, 5.0, 3.0, 3.0, 1.0)"
}

extension SQLiteStore {
    /// A search with words: the index finds the versions and orders them by bm25, then each is
    /// looked up and filtered as in the unranked search, until the page is full.
    ///
    /// Only the index is read for every match (rowid and score); a version's rows are read for
    /// the first matches up to the page and the ties of its last one. Joining every match
    /// before sorting cost ~6 us per match (ten milliseconds for a word in 1% of 100k versions).
    func rankedSearch(_ query: SearchQuery) async throws -> [VersionRecord] {
        let words = SearchWords(query.words)
        guard query.limit > 0, !words.terms.isEmpty else { return [] }
        let range = Self.prefixRange("sv.subject", query.subjectPrefix)
        let includeDeleted = SQLiteValue.bool(query.includeDeleted)
        let matches = """
            SELECT rowid, \(SQLiteSearchIndex.rank) AS score FROM search_index
            WHERE search_index MATCH ? ORDER BY score
            """
        let lookup = """
            SELECT \(SQLiteCoding.versionColumns) FROM search_documents d
            CROSS JOIN subject_versions sv ON sv.subject = d.subject AND sv.version = d.version
            CROSS JOIN schemas s ON s.id = sv.schema_id
            WHERE d.id = ? AND \(range.sql) AND (? OR sv.deleted = 0)
              AND (? = '' OR instr(s.canonical, ?) > 0)
              AND (NOT ? OR sv.version = (
                  SELECT max(latest.version) FROM subject_versions latest
                  WHERE latest.subject = sv.subject AND (? OR latest.deleted = 0)))
            """
        let filters: [SQLiteValue] =
            range.bindings + [
                includeDeleted, .text(query.text), .text(query.text), .bool(query.latestOnly), includeDeleted,
            ]
        let wanted = query.offset + query.limit
        return try await read { connection in
            // One snapshot for the index and the rows.
            try connection.transaction {
                // Matches in score order; `tie` numbers runs of equal scores.
                var found: [(tie: Int, record: VersionRecord)] = []
                var tie = 0
                var lastScore = ""
                try connection.query(matches, [.text(words.fts5Expression)]) { row in
                    // The score as text (15 significant digits) is only compared for equality.
                    let score = row.text(1)
                    if score != lastScore {
                        // Past the page and every tie of its last result: nothing later can enter it.
                        if found.count >= wanted { return false }
                        tie += 1
                        lastScore = score
                    }
                    let record = try connection.firstRow(lookup, [.int(row.int(0))] + filters) {
                        try SQLiteCoding.versionRecord(from: $0)
                    }
                    if let record, Self.hasMetadataAndTags(record, query) { found.append((tie, record)) }
                    return true
                }
                // Equal scores in subject (bytewise, as the primary key) and version order, as
                // PostgreSQL's ORDER BY does.
                let ordered = found.sorted { left, right in
                    if left.tie != right.tie { return left.tie < right.tie }
                    if left.record.subject != right.record.subject {
                        return left.record.subject.utf8.lexicographicallyPrecedes(right.record.subject.utf8)
                    }
                    return left.record.version < right.record.version
                }
                return ordered.dropFirst(query.offset).prefix(query.limit).map(\.record)
            }
        }
    }
}
