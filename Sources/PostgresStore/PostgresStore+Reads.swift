import SchemaRegistryCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads of schemas, versions and subjects. Parameters are text; the SQL casts them.
extension PostgresStore {
    public func schema(id: SchemaID) async throws -> StoredSchema? {
        try await read { connection in
            try PostgresCoding.schemas(
                from: connection.query(
                    "SELECT \(PostgresCoding.schemaColumns) FROM schemas s WHERE s.id = $1::bigint", [String(id)])
            ).first
        }
    }

    public func schemas(ids: [SchemaID]) async throws -> [StoredSchema] {
        var seen = Set<SchemaID>()
        let unique = ids.filter { seen.insert($0).inserted }
        if unique.isEmpty { return [] }
        // One statement, one snapshot: an array literal of the ids, looked up through the primary key.
        let array = "{" + unique.map(String.init).joined(separator: ",") + "}"
        return try await read { connection in
            try PostgresCoding.schemas(
                from: connection.query(
                    "SELECT \(PostgresCoding.schemaColumns) FROM schemas s WHERE s.id = ANY($1::bigint[])", [array]))
        }
    }

    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        try await read { connection in
            let rows = try connection.query(
                """
                SELECT subject, version FROM subject_versions
                WHERE schema_id = $1::bigint AND ($2::boolean OR NOT deleted)
                ORDER BY subject, version
                """, [String(id), Self.bool(includeDeleted)])
            return (0..<rows.count).map { SubjectVersion(subject: rows.text($0, 0), version: rows.int($0, 1)) }
        }
    }

    public func recentSchemaIDs(limit: Int) async throws -> [SchemaID] {
        guard limit > 0 else { return [] }
        return try await read { connection in
            let rows = try connection.query("SELECT id FROM schemas ORDER BY id DESC LIMIT $1::bigint", [String(limit)])
            return (0..<rows.count).map { rows.int($0, 0) }
        }
    }

    public func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID] {
        try await read { connection in
            let rows = try connection.query(
                """
                SELECT DISTINCT schema_id FROM schema_references
                WHERE subject = $1::text AND version = $2::integer ORDER BY schema_id
                """, [subject, String(version)])
            return (0..<rows.count).map { rows.int($0, 0) }
        }
    }

    public func version(subject: String, version: Int) async throws -> VersionRecord? {
        try await read { connection in
            try PostgresCoding.versionRecords(
                from: connection.query(
                    PostgresCoding.versionSelect + " WHERE sv.subject = $1::text AND sv.version = $2::integer",
                    [subject, String(version)])
            ).first
        }
    }

    public func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        try await read { connection in
            try PostgresCoding.versionRecords(
                from: connection.query(
                    PostgresCoding.versionSelect
                        + " WHERE sv.subject = $1::text AND ($2::boolean OR NOT sv.deleted) ORDER BY sv.version",
                    [subject, Self.bool(includeDeleted)]))
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
            let newest = try connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM subject_versions WHERE subject = $1::text", [subject])
            let newestLive = try PostgresCoding.versionRecords(
                from: connection.query(
                    PostgresCoding.versionSelect
                        + " WHERE sv.subject = $1::text AND NOT sv.deleted ORDER BY sv.version DESC LIMIT 1",
                    [subject])
            ).first
            return RegistrationView(
                match: match, newestVersion: newest.count > 0 ? newest.int(0, 0) : 0, newestLive: newestLive)
        }
    }

    public func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        let bounds = Self.prefixBounds(prefix)
        return try await read { connection in
            // DISTINCT over the (subject, version) primary key walks the index in subject order.
            let rows = try connection.query(
                """
                SELECT DISTINCT subject FROM subject_versions
                WHERE subject >= $1::text AND ($2::text IS NULL OR subject < $2::text)
                  AND ($3::boolean OR NOT deleted) AND ($4::text IS NULL OR subject > $4::text)
                ORDER BY subject LIMIT $5::bigint
                """, [bounds.lower, bounds.upper, Self.bool(includeDeleted), after, String(limit)])
            return (0..<rows.count).map { rows.text($0, 0) }
        }
    }

    public func search(_ query: SearchQuery) async throws -> [VersionRecord] {
        if query.isRanked { return try await rankedSearch(query) }
        guard query.limit > 0 else { return [] }
        let bounds = Self.prefixBounds(query.subjectPrefix)
        // Metadata and tags are jsonb, so containment (@>) filters them in SQL and LIMIT counts matches.
        let metadata = try PostgresCoding.values.encode(metadata: query.metadata)
        let tags = try PostgresCoding.values.encode(tags: query.tags)
        // Latest: the subject's highest version among those the query may show (live ones, or all),
        // decided before the other filters, as in the embedded store.
        let sql =
            PostgresCoding.versionSelect + """

                WHERE sv.subject >= $1::text AND ($2::text IS NULL OR sv.subject < $2::text)
                  AND ($3::boolean OR NOT sv.deleted)
                  AND ($4::text = '' OR strpos(s.canonical, $4::text) > 0)
                  AND ($5::text IS NULL OR sv.subject > $5::text OR (sv.subject = $5::text AND sv.version > $6::integer))
                  AND (NOT $7::boolean OR sv.version = (
                      SELECT max(latest.version) FROM subject_versions latest
                      WHERE latest.subject = sv.subject AND ($3::boolean OR NOT latest.deleted)))
                  AND sv.metadata @> $8::jsonb AND sv.tags @> $9::jsonb
                ORDER BY sv.subject, sv.version
                LIMIT $10::bigint
                """
        let parameters: [String?] = [
            bounds.lower, bounds.upper, Self.bool(query.includeDeleted), query.text, query.after?.subject,
            query.after.map { String($0.version) }, Self.bool(query.latestOnly), metadata, tags, String(query.limit),
        ]
        return try await read { connection in
            try PostgresCoding.versionRecords(from: connection.query(sql, parameters))
        }
    }

    // MARK: Helpers shared with the writes

    /// The newest version under `subject` whose schema is identical to `identity`.
    static func versionMatching(
        _ identity: SchemaIdentity, subject: String, includeDeleted: Bool, on connection: PostgresConnection
    ) throws -> VersionRecord? {
        // The fingerprint narrows the search through the index; identity is then decided on full values.
        let rows = try connection.query(
            PostgresCoding.versionSelect + """

                WHERE sv.subject = $1::text AND ($2::boolean OR NOT sv.deleted)
                  AND s.fingerprint = $3::text AND s.schema_type = $4::integer AND s.canonical = $5::text
                ORDER BY sv.version DESC
                """,
            [
                subject, bool(includeDeleted), identity.fingerprint, String(identity.type.rawValue),
                identity.canonicalText,
            ])
        return try PostgresCoding.versionRecords(from: rows).first { $0.schema.references == identity.references }
    }

    /// A boolean parameter in PostgreSQL's text form.
    static func bool(_ value: Bool) -> String { value ? "true" : "false" }
}
