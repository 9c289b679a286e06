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
        _ = try await writeStatement { connection in
            try connection.query(
                """
                INSERT INTO \(table) (subject, \(column)) VALUES ($1::text, $2::text)
                ON CONFLICT (subject) DO UPDATE SET \(column) = excluded.\(column)
                """, [key, value])
        }
    }

    /// Removes a setting; returns what it was (one statement, so atomic without a transaction).
    public func deleteSetting(_ setting: StoredSetting, subject: String?) async throws -> String? {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        return try await writeStatement { connection in
            let rows = try connection.query("DELETE FROM \(table) WHERE subject = $1::text RETURNING \(column)", [key])
            return rows.isEmpty ? nil : rows.text(0, 0)
        }
    }
}
