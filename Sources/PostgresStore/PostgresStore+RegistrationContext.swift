import SchemaRegistryCore

extension PostgresStore: RegistrationContextReading {
    /// Modes, compatibility levels and the registration view in ONE statement, so one round trip
    /// and one snapshot, where the separate reads took seven (issue 19).
    ///
    /// The first row carries the settings and the newest version number; the rows themselves are
    /// the versions holding the schema (kind 'match') and the newest live version ('live'), each
    /// found through an index as in `registrationView`, so nothing grows with the history.
    public func registrationContext(subject: String, matching schema: SchemaIdentity) async throws
        -> RegistrationContext
    {
        let kind = self.kind
        let rows = try await read { connection in
            try connection.query(
                Self.registrationContextSQL,
                [
                    subject, schema.fingerprint, String(schema.type.rawValue), schema.canonicalText,
                ])
        }
        guard rows.count > 0 else { throw RegistryError(.storeError, "postgres: the registration context read no row") }
        var match: VersionRecord?
        var newestLive: VersionRecord?
        for row in 0..<rows.count where rows.optionalText(row, 5) != nil {
            let record = try Self.versionRecord(from: rows, row, at: 6)
            if rows.text(row, 5) == "live" {
                newestLive = record
            } else if match == nil, record.schema.references == schema.references {
                // Fingerprint, type and text matched in SQL; references are compared decoded.
                match = record
            }
        }
        return try RegistrationContext(
            kind: kind, subjectMode: rows.optionalText(0, 0), globalMode: rows.optionalText(0, 1),
            subjectCompatibility: rows.optionalText(0, 2), globalCompatibility: rows.optionalText(0, 3),
            view: RegistrationView(match: match, newestVersion: rows.int(0, 4), newestLive: newestLive))
    }

    private static let registrationContextSQL = """
        SELECT st.*, v.* FROM (
            SELECT (SELECT mode FROM modes WHERE subject = $1::text),
                   (SELECT mode FROM modes WHERE subject = ''),
                   (SELECT compatibility FROM config WHERE subject = $1::text),
                   (SELECT compatibility FROM config WHERE subject = ''),
                   (SELECT COALESCE(MAX(version), 0) FROM subject_versions WHERE subject = $1::text)
        ) st LEFT JOIN LATERAL (
            (SELECT 'match' AS kind, \(PostgresCoding.versionColumns)
             FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
             WHERE sv.subject = $1::text AND NOT sv.deleted
               AND s.fingerprint = $2::text AND s.schema_type = $3::integer AND s.canonical = $4::text
             ORDER BY sv.version DESC)
            UNION ALL
            (SELECT 'live', \(PostgresCoding.versionColumns)
             FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
             WHERE sv.subject = $1::text AND NOT sv.deleted ORDER BY sv.version DESC LIMIT 1)
        ) v ON true
        """

    /// A `PostgresCoding.versionColumns` record that starts at column `first` of row `row`.
    private static func versionRecord(from rows: PostgresRows, _ row: Int, at first: Int) throws -> VersionRecord {
        let values = PostgresCoding.values
        return VersionRecord(
            subject: rows.text(row, first), version: rows.int(row, first + 1),
            schema: try PostgresCoding.schema(from: rows, row, at: first + 5),
            metadata: try values.decodeMetadata(rows.text(row, first + 3)),
            tags: try values.decodeTags(rows.text(row, first + 4)), deleted: rows.bool(row, first + 2))
    }
}
