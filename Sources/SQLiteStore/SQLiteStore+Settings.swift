import SchemaRegistryCore

/// The rows behind compatibility levels and modes (a nil subject is the global row, subject ''), and counts.
extension SQLiteStore: TextSettingsStore {
    /// Stored schemas, and subjects with at least one live version.
    public func counts() async throws -> StoreCounts {
        try await read { connection in
            try connection.transaction {
                let schemas = try connection.firstRow("SELECT count(*) FROM schemas") { $0.int(0) } ?? 0
                let subjects =
                    try connection.firstRow(
                        "SELECT count(DISTINCT subject) FROM subject_versions WHERE deleted = 0"
                    ) { $0.int(0) } ?? 0
                return StoreCounts(schemas: schemas, subjects: subjects)
            }
        }
    }

    // MARK: Helpers

    // `setting.table` and `setting.column` are literals, never input, so interpolating them is safe.

    public func readSetting(_ setting: StoredSetting, subject: String?) async throws -> String? {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        return try await read { connection in
            try connection.firstRow("SELECT \(column) FROM \(table) WHERE subject = ?", [.text(key)]) { $0.text(0) }
        }
    }

    public func writeSetting(_ setting: StoredSetting, value: String, subject: String?) async throws {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        _ = try await write { connection in
            try connection.run(
                """
                INSERT INTO \(table) (subject, \(column)) VALUES (?, ?)
                ON CONFLICT (subject) DO UPDATE SET \(column) = excluded.\(column)
                """, [.text(key), .text(value)])
            // Logged even when the value was already set: a watcher told twice re-reads the same
            // value, and no read before the write is needed.
            try Self.appendChange(setting.changeKind, subject: subject, setting: value, on: connection)
        }
    }

    /// Removes a setting; returns what it was.
    public func deleteSetting(_ setting: StoredSetting, subject: String?) async throws -> String? {
        let (table, column) = (setting.table, setting.column)
        let key = Self.settingKey(subject)
        let previous = try await write { connection in
            let previous = try connection.firstRow(
                "SELECT \(column) FROM \(table) WHERE subject = ?", [.text(key)]
            ) { $0.text(0) }
            if previous != nil {
                try connection.run("DELETE FROM \(table) WHERE subject = ?", [.text(key)])
                // A delete that removed nothing changed nothing, and logs nothing.
                try Self.appendChange(setting.changeKind, subject: subject, setting: nil, on: connection)
            }
            return previous
        }
        return previous
    }
}

extension StoredSetting {
    /// The change kind a write of this setting logs.
    var changeKind: ChangeKind { self == .compatibility ? .compatibilityChanged : .modeChanged }
}
