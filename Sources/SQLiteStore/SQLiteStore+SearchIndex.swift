import SchemaRegistryCore

/// The full-text index behind ranked search (issue 19): its layout, kept exact by triggers and
/// a catch-up before each ranked search, and the ranked query.
///
/// One document per subject version (`search_documents`, which holds the indexed text once)
/// and an FTS5 index over it (`search_index`, external content). A registration only records
/// its (subject, version) in `search_pending`: deriving and indexing a document cost 0.5-0.7 ms,
/// most of a registration, and registrations are the write path that matters. A ranked search
/// first indexes every pending version in one batch (`catchUp`), so it sees every registration
/// acknowledged before it. The rare writes stay direct: a permanent delete removes the document
/// and any pending row; a soft delete changes nothing (`deleted` is read from `subject_versions`
/// at query time). Triggers rather than statements in the write paths, so every writer (group
/// commit, imports, a future path) keeps the index exact without knowing about it.
enum SQLiteSearchIndex {
    /// Migration step 3. The view derives a document from a version and its schema; the
    /// catch-up, the update trigger and the backfill of an existing file all read it, so they
    /// cannot disagree.
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
        -- Versions registered but not yet indexed. WITHOUT ROWID: the key is the row, so a
        -- registration adds one small B-tree entry.
        CREATE TABLE search_pending (
            subject TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (subject, version)
        ) WITHOUT ROWID;
        CREATE TRIGGER subject_versions_search_insert AFTER INSERT ON subject_versions BEGIN
            INSERT OR IGNORE INTO search_pending (subject, version) VALUES (NEW.subject, NEW.version);
        END;
        -- No write path changes these columns today (a soft delete sets only `deleted`); if one
        -- does, the document follows at once and a pending row of the old key goes.
        CREATE TRIGGER subject_versions_search_update AFTER UPDATE OF subject, version, schema_id, metadata, tags
        ON subject_versions BEGIN
            DELETE FROM search_pending WHERE subject = OLD.subject AND version = OLD.version;
            DELETE FROM search_documents WHERE subject = OLD.subject AND version = OLD.version;
            INSERT INTO search_documents (subject, version, fields, tags, metadata, body)
            SELECT * FROM search_sources WHERE subject = NEW.subject AND version = NEW.version;
        END;
        CREATE TRIGGER subject_versions_search_delete AFTER DELETE ON subject_versions BEGIN
            DELETE FROM search_pending WHERE subject = OLD.subject AND version = OLD.version;
            DELETE FROM search_documents WHERE subject = OLD.subject AND version = OLD.version;
        END;
        -- Backfill: a file that already has versions gets their documents in this migration.
        INSERT INTO search_documents (subject, version, fields, tags, metadata, body) SELECT * FROM search_sources;
        """

    /// The score of a match (`SQLiteSearchRank`: bm25 without length normalisation), with the
    /// weights of the columns in declaration order: a word in the subject counts most, then
    /// field names, tags and metadata, then the body.
    static let rank = "\(SQLiteSearchRank.name)(search_index, 10.0, 5.0, 3.0, 3.0, 1.0)"

    /// Indexes every pending version and empties `search_pending`, on the writer (one
    /// transaction, so no registration can slip between the two statements). A pending row
    /// whose version is gone or already has its document is only dropped.
    static let catchUp = [
        """
        INSERT INTO search_documents (subject, version, fields, tags, metadata, body)
        SELECT src.* FROM search_pending p
        CROSS JOIN search_sources src ON src.subject = p.subject AND src.version = p.version
        WHERE NOT EXISTS (SELECT 1 FROM search_documents d WHERE d.subject = p.subject AND d.version = p.version)
        """,
        "DELETE FROM search_pending",
    ]

    /// Migration step 5: a narrow index from a document's id to its (subject, version), so that
    /// ranked search can order a run of equal scores by subject (`SQLiteSearchTies`): a lookup
    /// in it cost ~1.3 us per match, in `search_documents` itself (rows of several KiB) ~4 us.
    static let orderMigrationStep = """
        CREATE INDEX IF NOT EXISTS search_documents_order ON search_documents (id, subject, version);
        """

    /// Whether a ranked search must catch up first: cheap on an empty table (one page read).
    static let hasPending = "SELECT EXISTS (SELECT 1 FROM search_pending)"
}

extension SQLiteStore {
    /// A search with words: the index finds the versions and scores them, then each is looked
    /// up and filtered as in the unranked search, best first and equal scores in subject and
    /// version order, until the page is full.
    ///
    /// Only the index is read for every match (rowid and score). `sr_rank` has no length term,
    /// so scores tie often (in the 100k bench nearly every match of a word scores the same);
    /// ordering a run of equal scores by subject is `SQLiteSearchTies`' work, which reads the
    /// subject of each tied match only when that is cheaper than walking subjects in order.
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
        // Nil when versions wait to be indexed (checked only on the first try). Checked in the
        // search's own snapshot, so nothing pending is one transaction, as before the catch-up.
        let answer: @Sendable (SQLiteConnection, Bool) throws -> [VersionRecord]? = { connection, checkPending in
            // One snapshot for the index and the rows.
            try connection.transaction { () throws -> [VersionRecord]? in
                if checkPending, try connection.firstRow(SQLiteSearchIndex.hasPending, [], { $0.bool(0) }) == true {
                    return nil
                }
                var found: [VersionRecord] = []
                // Looks a match up with the filters; true once the page is full.
                let take = { (id: Int) throws -> Bool in
                    let record = try connection.firstRow(lookup, [.int(id)] + filters) {
                        try SQLiteCoding.versionRecord(from: $0)
                    }
                    if let record, Self.hasMetadataAndTags(record, query) { found.append(record) }
                    return found.count >= wanted
                }
                var ties = SQLiteSearchTies(connection: connection, subjectPrefix: query.subjectPrefix)
                // The matches in score order, one run of equal scores at a time.
                var run: [Int] = []
                var runScore = 0.0
                var full = false
                try connection.query(matches, [.text(words.fts5Expression)]) { row in
                    let score = row.double(1)
                    if !run.isEmpty, score != runScore {
                        full = try ties.visit(run, needed: wanted - found.count, take)
                        run.removeAll(keepingCapacity: true)
                        if full { return false }
                    }
                    runScore = score
                    run.append(row.int(0))
                    return true
                }
                if !full, !run.isEmpty { _ = try ties.visit(run, needed: wanted - found.count, take) }
                return Array(found.dropFirst(query.offset))
            }
        }
        if let records = try await read({ try answer($0, true) }) { return records }
        // Every registration acknowledged before this search is pending or indexed: index the
        // pending ones on the writer, then search a snapshot taken after that commit. Versions
        // registered meanwhile need not be seen, so the second try does not check again.
        try await catchUpSearchIndex()
        return try await read { try answer($0, false) } ?? []
    }

    /// Indexes every pending version in one write (shared with the registrations queued beside
    /// it by the group commit).
    func catchUpSearchIndex() async throws {
        try await write { connection in
            for statement in SQLiteSearchIndex.catchUp { _ = try connection.run(statement) }
        }
    }
}
