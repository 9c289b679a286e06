import SchemaRegistryCore

extension PostgresStore: RegistrationContextWriting {
    /// A registration in its context, in ONE batched call of `sr_register_in_context` (issue 19):
    /// a new subject is written by the call itself (the registry's decision for it can only be
    /// to write; see the protocol), so it costs one round trip, shared with the batch, where
    /// reading the context first cost a round trip of its own. Otherwise the call answers the
    /// context, `decide` runs here, and a write it asks for is a second call that expects the
    /// version read (another instance landing in between makes it a `.conflict`, which the
    /// registry retries). References and imports keep the Swift transaction's path.
    public func register(
        _ write: RegistrationWrite, defaultMode: RegistryMode,
        when decide: @escaping @Sendable (RegistrationContext) throws -> Bool
    ) async throws -> ContextualRegistration {
        guard write.schema.references.isEmpty, write.importID == nil, write.importVersion == nil else {
            let context = try await registrationContext(subject: write.subject, matching: write.schema)
            return try await registerDecided(write, context: context, decide)
        }
        let identity = write.schema
        let answer = try await registrations.register(
            PostgresGroupCommit.Call(
                subject: write.subject, type: identity.type.rawValue, canonical: identity.canonicalText,
                fingerprint: identity.fingerprint, references: try PostgresCoding.values.encode(references: []),
                metadata: try PostgresCoding.values.encode(metadata: write.metadata),
                tags: try PostgresCoding.values.encode(tags: write.tags), expected: nil,
                defaultMode: defaultMode.rawValue))
        let context = try Self.registrationContext(from: answer.rows, matching: identity, kind: kind)
        switch answer.outcome {
        case "undecided":
            return try await registerDecided(write, context: context, decide)
        case "registered":
            // The group commit woke this process's observers when the batch committed.
            return ContextualRegistration(
                context: context, outcome: .registered(id: answer.id, version: answer.version))
        case let other:
            throw RegistryError(.storeError, "postgres: unexpected registration outcome '\(other)' for a new subject")
        }
    }

    /// `decide` on a context already read, then the write it asks for, expecting the version read.
    private func registerDecided(
        _ write: RegistrationWrite, context: RegistrationContext,
        _ decide: @Sendable (RegistrationContext) throws -> Bool
    ) async throws -> ContextualRegistration {
        guard try decide(context) else { return ContextualRegistration(context: context, outcome: nil) }
        var planned = write
        planned.expectedLatestVersion = context.view.newestVersion
        return ContextualRegistration(context: context, outcome: try await register(planned))
    }

    /// The context in the rows of one `sr_register_in_context` call: settings and the newest
    /// version number on the head row, then the 'match' and 'live' version rows.
    private static func registrationContext(from rows: PostgresRows, matching schema: SchemaIdentity, kind: String)
        throws -> RegistrationContext
    {
        var match: VersionRecord?
        var newestLive: VersionRecord?
        for row in 1..<max(1, rows.count) {
            let record = try versionRecord(from: rows, row, at: 9)
            if rows.text(row, 0) == "live" {
                newestLive = record
            } else if match == nil, record.schema.references == schema.references {
                match = record
            }
        }
        return try RegistrationContext(
            kind: kind, subjectMode: rows.optionalText(0, 4), globalMode: rows.optionalText(0, 5),
            subjectCompatibility: rows.optionalText(0, 6), globalCompatibility: rows.optionalText(0, 7),
            view: RegistrationView(match: match, newestVersion: rows.int(0, 8), newestLive: newestLive))
    }
}

extension PostgresStore {
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
