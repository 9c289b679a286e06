import SchemaRegistryCore

/// Compatibility levels, modes and counts. A nil subject is the global setting, stored under subject ''.
extension PostgresStore {
    public func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        let raw = try await readSetting(table: "config", column: "compatibility", subject: subject)
        return try raw.map { try Self.parse($0, as: CompatibilityLevel.self, column: "compatibility") }
    }

    public func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        try await writeSetting(table: "config", column: "compatibility", value: level.rawValue, subject: subject)
    }

    public func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel? {
        let raw = try await deleteSetting(table: "config", column: "compatibility", subject: subject)
        return try raw.map { try Self.parse($0, as: CompatibilityLevel.self, column: "compatibility") }
    }

    public func mode(subject: String?) async throws -> RegistryMode? {
        let raw = try await readSetting(table: "modes", column: "mode", subject: subject)
        return try raw.map { try Self.parse($0, as: RegistryMode.self, column: "mode") }
    }

    public func setMode(_ mode: RegistryMode, subject: String?) async throws {
        try await writeSetting(table: "modes", column: "mode", value: mode.rawValue, subject: subject)
    }

    public func deleteMode(subject: String?) async throws -> RegistryMode? {
        let raw = try await deleteSetting(table: "modes", column: "mode", subject: subject)
        return try raw.map { try Self.parse($0, as: RegistryMode.self, column: "mode") }
    }

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

    // `table` and `column` are always literals from this file, never input, so interpolating them is safe.

    private func readSetting(table: String, column: String, subject: String?) async throws -> String? {
        let key = Self.settingKey(subject)
        return try await read { connection in
            let rows = try connection.query("SELECT \(column) FROM \(table) WHERE subject = $1::text", [key])
            return rows.isEmpty ? nil : rows.text(0, 0)
        }
    }

    private func writeSetting(table: String, column: String, value: String, subject: String?) async throws {
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
    private func deleteSetting(table: String, column: String, subject: String?) async throws -> String? {
        let key = Self.settingKey(subject)
        return try await writeStatement { connection in
            let rows = try connection.query("DELETE FROM \(table) WHERE subject = $1::text RETURNING \(column)", [key])
            return rows.isEmpty ? nil : rows.text(0, 0)
        }
    }

    private static func parse<T: RawRepresentable<String>>(_ raw: String, as type: T.Type, column: String) throws -> T {
        guard let value = T(rawValue: raw) else {
            throw RegistryError(.storeError, "postgres: unknown \(column) '\(raw)' in the database")
        }
        return value
    }
}
