import SchemaRegistryCore

extension SQLiteStore: RegistrationContextReading {
    /// Modes, compatibility levels and the registration view in one hop to a reader, in one read
    /// transaction (so one snapshot), instead of five hops (issue 19).
    public func registrationContext(subject: String, matching schema: SchemaIdentity) async throws
        -> RegistrationContext
    {
        let kind = self.kind
        return try await read { connection in
            try connection.transaction {
                // Subject and global rows in one lookup each: the global row's key is ''.
                func settings(_ setting: StoredSetting) throws -> (subject: String?, global: String?) {
                    var found: (subject: String?, global: String?) = (nil, nil)
                    try connection.query(
                        "SELECT subject, \(setting.column) FROM \(setting.table) WHERE subject IN (?, '')",
                        [.text(Self.settingKey(subject))]
                    ) { row in
                        if row.text(0).isEmpty { found.global = row.text(1) } else { found.subject = row.text(1) }
                        return true
                    }
                    return found
                }
                let modes = try settings(.mode)
                let levels = try settings(.compatibility)
                // As `registrationView`: each lookup through an index, none scans the history.
                let match = try Self.versionMatching(schema, subject: subject, includeDeleted: false, on: connection)
                let newest =
                    try connection.firstRow(
                        "SELECT MAX(version) FROM subject_versions WHERE subject = ?", [.text(subject)]
                    ) { $0.isNull(0) ? 0 : $0.int(0) } ?? 0
                let newestLive = try connection.firstRow(
                    SQLiteCoding.versionSelect
                        + " WHERE sv.subject = ? AND sv.deleted = 0 ORDER BY sv.version DESC LIMIT 1",
                    [.text(subject)]
                ) { try SQLiteCoding.versionRecord(from: $0) }
                return try RegistrationContext(
                    kind: kind, subjectMode: modes.subject, globalMode: modes.global,
                    subjectCompatibility: levels.subject, globalCompatibility: levels.global,
                    view: RegistrationView(match: match, newestVersion: newest, newestLive: newestLive))
            }
        }
    }
}
