import SchemaRegistryCore

/// Reads of schemas, versions and subjects, served by the reader connections.
extension SQLiteStore {
    public func schema(id: SchemaID) async throws -> StoredSchema? {
        try await read { connection in
            try connection.firstRow(
                "SELECT \(SQLiteCoding.schemaColumns) FROM schemas s WHERE s.id = ?", [.int(id)]
            ) { try SQLiteCoding.schema(from: $0) }
        }
    }

    public func schemas(ids: [SchemaID]) async throws -> [StoredSchema] {
        var seen = Set<SchemaID>()
        let unique = ids.filter { seen.insert($0).inserted }
        if unique.isEmpty { return [] }
        return try await read { connection in
            // One cached primary-key lookup per id, in one read transaction so all come from one snapshot.
            try connection.transaction {
                try unique.compactMap { id in
                    try connection.firstRow(
                        "SELECT \(SQLiteCoding.schemaColumns) FROM schemas s WHERE s.id = ?", [.int(id)]
                    ) { try SQLiteCoding.schema(from: $0) }
                }
            }
        }
    }

    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        try await read { connection in
            try connection.rows(
                """
                SELECT subject, version FROM subject_versions WHERE schema_id = ? AND (? OR deleted = 0)
                ORDER BY subject, version
                """, [.int(id), .bool(includeDeleted)]
            ) { SubjectVersion(subject: $0.text(0), version: $0.int(1)) }
        }
    }

    public func recentSchemaIDs(limit: Int) async throws -> [SchemaID] {
        guard limit > 0 else { return [] }
        return try await read { connection in
            try connection.rows("SELECT id FROM schemas ORDER BY id DESC LIMIT ?", [.int(limit)]) { $0.int(0) }
        }
    }

    public func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID] {
        try await read { connection in
            try connection.rows(
                "SELECT DISTINCT schema_id FROM schema_references WHERE subject = ? AND version = ? ORDER BY schema_id",
                [.text(subject), .int(version)]
            ) { $0.int(0) }
        }
    }

    public func version(subject: String, version: Int) async throws -> VersionRecord? {
        try await read { connection in
            try connection.firstRow(
                SQLiteCoding.versionSelect + " WHERE sv.subject = ? AND sv.version = ?",
                [.text(subject), .int(version)]
            ) { try SQLiteCoding.versionRecord(from: $0) }
        }
    }

    public func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        try await read { connection in
            try connection.rows(
                SQLiteCoding.versionSelect + " WHERE sv.subject = ? AND (? OR sv.deleted = 0) ORDER BY sv.version",
                [.text(subject), .bool(includeDeleted)]
            ) { try SQLiteCoding.versionRecord(from: $0) }
        }
    }

    public func version(
        subject: String, matching schema: SchemaIdentity, includeDeleted: Bool
    ) async throws -> VersionRecord? {
        try await read { connection in
            try Self.versionMatching(schema, subject: subject, includeDeleted: includeDeleted, on: connection)
        }
    }

    public func registrationView(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationView {
        try await read { connection in
            // Each through the (subject, version) primary key or the fingerprint index: no scan
            // of the subject's history.
            let match = try Self.versionMatching(schema, subject: subject, includeDeleted: false, on: connection)
            let newest =
                try connection.firstRow("SELECT MAX(version) FROM subject_versions WHERE subject = ?", [.text(subject)])
            {
                $0.isNull(0) ? 0 : $0.int(0)
            } ?? 0
            let newestLive = try connection.firstRow(
                SQLiteCoding.versionSelect
                    + " WHERE sv.subject = ? AND sv.deleted = 0 ORDER BY sv.version DESC LIMIT 1",
                [.text(subject)]
            ) { try SQLiteCoding.versionRecord(from: $0) }
            return RegistrationView(match: match, newestVersion: newest, newestLive: newestLive)
        }
    }

    public func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        let range = Self.prefixRange("subject", prefix)
        return try await read { connection in
            // DISTINCT over the (subject, version) primary key walks the index in subject order.
            try connection.rows(
                """
                SELECT DISTINCT subject FROM subject_versions
                WHERE \(range.sql) AND (? OR deleted = 0) AND (? IS NULL OR subject > ?)
                ORDER BY subject LIMIT ?
                """,
                range.bindings + [
                    .bool(includeDeleted), after.map { .text($0) } ?? .null,
                    after.map { .text($0) } ?? .null, .int(limit),
                ]
            ) { $0.text(0) }
        }
    }

    public func search(_ query: SearchQuery) async throws -> [VersionRecord] {
        if query.isRanked { return try await rankedSearch(query) }
        guard query.limit > 0 else { return [] }
        let range = Self.prefixRange("sv.subject", query.subjectPrefix)
        let afterSubject: SQLiteValue = query.after.map { .text($0.subject) } ?? .null
        let afterVersion: SQLiteValue = query.after.map { .int($0.version) } ?? .null
        let includeDeleted = SQLiteValue.bool(query.includeDeleted)
        // Latest: the subject's highest version among those the query may show (live ones, or all).
        let sql =
            SQLiteCoding.versionSelect + """

                WHERE \(range.sql) AND (? OR sv.deleted = 0)
                  AND (? = '' OR instr(s.canonical, ?) > 0)
                  AND (? IS NULL OR sv.subject > ? OR (sv.subject = ? AND sv.version > ?))
                  AND (NOT ? OR sv.version = (
                      SELECT max(latest.version) FROM subject_versions latest
                      WHERE latest.subject = sv.subject AND (? OR latest.deleted = 0)))
                ORDER BY sv.subject, sv.version
                """
        let bindings: [SQLiteValue] =
            range.bindings + [
                includeDeleted, .text(query.text), .text(query.text), afterSubject, afterSubject, afterSubject,
                afterVersion, .bool(query.latestOnly), includeDeleted,
            ]
        return try await read { connection in
            var results: [VersionRecord] = []
            // Metadata and tags are JSON text, so they are matched here; rows stop being read at the limit.
            try connection.query(sql, bindings) { row in
                let record = try SQLiteCoding.versionRecord(from: row)
                if Self.hasMetadataAndTags(record, query) { results.append(record) }
                return results.count < query.limit
            }
            return results
        }
    }

    // MARK: Helpers shared with the writes

    /// The newest version under `subject` whose schema is identical to `identity`.
    static func versionMatching(
        _ identity: SchemaIdentity, subject: String, includeDeleted: Bool, on connection: SQLiteConnection
    ) throws -> VersionRecord? {
        var match: VersionRecord?
        // The fingerprint narrows the search through the index; identity is then decided on full
        // values. CROSS JOIN makes SQLite start from the fingerprint: left to itself it walked
        // the subject's every version by primary key, so registering cost grew with history.
        try connection.query(
            SQLiteCoding.versionMatchSelect + """

                WHERE sv.subject = ? AND (? OR sv.deleted = 0)
                  AND s.fingerprint = ? AND s.schema_type = ? AND s.canonical = ?
                ORDER BY sv.version DESC
                """,
            [
                .text(subject), .bool(includeDeleted), .text(identity.fingerprint), .int(identity.type.rawValue),
                .text(identity.canonicalText),
            ]
        ) { row in
            let record = try SQLiteCoding.versionRecord(from: row)
            if record.schema.references == identity.references { match = record }
            return match == nil
        }
        return match
    }

    /// Whether a record has every metadata pair and every tag the query asks for.
    static func hasMetadataAndTags(_ record: VersionRecord, _ query: SearchQuery) -> Bool {
        query.metadata.allSatisfy { record.metadata[$0.key] == $0.value }
            && query.tags.allSatisfy { record.tags.contains($0) }
    }
}
