import SchemaRegistryCore

/// The rows behind compatibility levels and modes (a nil subject is the global row, subject ''), and counts.
extension PostgresStore: TextSettingsStore {
    /// Stored schemas, and subjects with at least one live version.
    public func counts() async throws -> StoreCounts {
        try await read { connection in
            // One statement: both counts come from one snapshot.
            let rows = try connection.query(
                """
                SELECT (SELECT count(*) FROM schemas),
                       (SELECT count(DISTINCT subject) FROM subject_versions WHERE NOT deleted)
                """)
            return StoreCounts(schemas: rows.int(0, 0), subjects: rows.int(0, 1))
        }
    }

    // MARK: Helpers

    // `setting.table` and `setting.column` are literals, never input, so interpolating them is safe.

    public func readSetting(_ setting: StoredSetting, subject: String?) async throws -> String? {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        return try await read { connection in
            let rows = try connection.query("SELECT \(column) FROM \(table) WHERE subject = $1::text", [key])
            return rows.isEmpty ? nil : rows.text(0, 0)
        }
    }

    public func writeSetting(_ setting: StoredSetting, value: String, subject: String?) async throws {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        try await write { connection in
            try connection.query(
                """
                INSERT INTO \(table) (subject, \(column)) VALUES ($1::text, $2::text)
                ON CONFLICT (subject) DO UPDATE SET \(column) = excluded.\(column)
                """, [key, value])
            // Logged even when the value was already set: a watcher told twice re-reads the same
            // value, and the write needs no read first.
            try Self.appendChange(setting.changeKind, subject: subject, setting: value, on: connection)
        }
        changeFeed.wakeAll()
    }

    /// Removes a setting and logs the removal in one transaction; returns what it was.
    public func deleteSetting(_ setting: StoredSetting, subject: String?) async throws -> String? {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        let previous = try await write { connection -> String? in
            let rows = try connection.query("DELETE FROM \(table) WHERE subject = $1::text RETURNING \(column)", [key])
            guard !rows.isEmpty else { return nil }  // nothing removed, nothing logged
            try Self.appendChange(setting.changeKind, subject: subject, setting: nil, on: connection)
            return rows.text(0, 0)
        }
        if previous != nil { changeFeed.wakeAll() }
        return previous
    }
}
