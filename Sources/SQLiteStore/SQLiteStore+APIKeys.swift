import SchemaRegistryCore

/// API keys in the `api_keys` table (hashes only).
extension SQLiteStore: APIKeyStore {
    public func createAPIKey(_ record: APIKeyRecord) async throws {
        _ = try await write { connection in
            try connection.run(
                """
                INSERT INTO api_keys (id, name, role, subject_prefixes, key_hash, created_at, revoked)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(record.id), .text(record.name), .text(record.role.rawValue), .text(record.storedPrefixes),
                    .text(record.keyHash), .int(record.createdAt), .bool(record.revoked),
                ])
        }
    }

    public func apiKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        try await read { connection in
            try connection.rows(
                """
                SELECT id, name, role, subject_prefixes, key_hash, created_at, revoked FROM api_keys
                WHERE revoked = 0 OR ? ORDER BY created_at DESC, id
                """, [.bool(includeRevoked)]
            ) { row in
                guard let role = AccessRole(rawValue: row.text(2)) else {
                    throw RegistryError(.storeError, "sqlite: unknown role '\(row.text(2))' of API key \(row.text(0))")
                }
                return APIKeyRecord(
                    id: row.text(0), name: row.text(1), role: role,
                    subjectPrefixes: APIKeyRecord.prefixes(fromStored: row.text(3)), keyHash: row.text(4),
                    createdAt: row.int(5), revoked: row.bool(6))
            }
        }
    }

    public func revokeAPIKey(id: String) async throws -> Bool {
        try await write { connection in
            try connection.run("UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0", [.text(id)]) > 0
        }
    }
}
