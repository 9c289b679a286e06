import SchemaRegistryCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension SQLiteStore: RegistrationContextWriting {
    /// Modes, compatibility levels and the registration view in one hop to a reader, in one read
    /// transaction (so one snapshot), instead of five hops (issue 19).
    public func registrationContext(subject: String, matching schema: SchemaIdentity) async throws
        -> RegistrationContext
    {
        let kind = self.kind
        return try await read { connection in
            try connection.transaction {
                try Self.registrationContext(subject: subject, matching: schema, kind: kind, on: connection)
            }
        }
    }

    /// The context read and the write made in ONE job on the writer, in the write's savepoint of
    /// a group-committed transaction: a registration crosses to the writer's queue once, where
    /// reading on a reader first cost a second hop and a wake (issue 19: ~18% of the server's
    /// samples were scheduling). What the writer reads includes the writes batched before this
    /// one, which is what this write will follow anyway, and nobody is answered before COMMIT.
    /// `decide` is always asked here (`defaultMode` is for stores that decide without it).
    public func register(
        _ write: RegistrationWrite, defaultMode: RegistryMode,
        when decide: @escaping @Sendable (RegistrationContext) throws -> Bool
    ) async throws -> ContextualRegistration {
        let kind = self.kind
        let encoded = try EncodedRegistration(write)
        let done = try await self.write { connection -> ContextualRegistration in
            let context = try Self.registrationContext(
                subject: write.subject, matching: write.schema, kind: kind, on: connection)
            guard try decide(context) else { return ContextualRegistration(context: context, outcome: nil) }
            var planned = write
            planned.expectedLatestVersion = context.view.newestVersion
            // The view was read just above in this savepoint and `decide` wrote nothing.
            let outcome = try Self.register(planned, encoded: encoded, known: context.view, on: connection)
            return ContextualRegistration(context: context, outcome: outcome)
        }
        return done
    }

    /// The registration context as `connection` sees it; each lookup through an index, as in
    /// `registrationView`, so none scans the subject's history.
    static func registrationContext(
        subject: String, matching schema: SchemaIdentity, kind: String, on connection: SQLiteConnection
    ) throws -> RegistrationContext {
        // The four settings and the newest version in one statement of five primary-key
        // probes. (`subject IN (?, '')` per table built an ephemeral index for the IN list on
        // every call: 16 us of the writer's time per registration in the issue-19 profile.) A
        // subject keyed '' would be the global row itself, so it has no subject-level value, as
        // before.
        let head =
            try connection.firstRow(
                """
                SELECT (SELECT mode FROM modes WHERE subject = ?1 AND ?1 <> ''),
                    (SELECT mode FROM modes WHERE subject = ''),
                    (SELECT compatibility FROM config WHERE subject = ?1 AND ?1 <> ''),
                    (SELECT compatibility FROM config WHERE subject = ''),
                    (SELECT coalesce(max(version), 0) FROM subject_versions WHERE subject = ?1)
                """, [.text(subject)]
            ) { row in
                (settings: (0..<4).map { row.isNull(Int32($0)) ? nil : row.text(Int32($0)) }, newest: row.int(4))
            } ?? (settings: [nil, nil, nil, nil], newest: 0)
        let (settings, newest) = head
        // A subject without any version, deleted ones included (a new subject, the commonest
        // registration), has nothing to match and no live version: two statements fewer.
        let match =
            newest == 0 ? nil : try versionMatching(schema, subject: subject, includeDeleted: false, on: connection)
        let newestLive =
            newest == 0
            ? nil
            : try connection.firstRow(
                SQLiteCoding.versionSelect
                    + " WHERE sv.subject = ? AND sv.deleted = 0 ORDER BY sv.version DESC LIMIT 1",
                [.text(subject)]
            ) { try SQLiteCoding.versionRecord(from: $0) }
        return try RegistrationContext(
            kind: kind, subjectMode: settings[0], globalMode: settings[1],
            subjectCompatibility: settings[2], globalCompatibility: settings[3],
            view: RegistrationView(match: match, newestVersion: newest, newestLive: newestLive))
    }
}
