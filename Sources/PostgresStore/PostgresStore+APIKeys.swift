import SchemaRegistryCore

/// API keys in the `api_keys` table (hashes only).
extension PostgresStore: APIKeyStore {
    public func createAPIKey(_ record: APIKeyRecord) async throws {
        _ = try await writeStatement { connection in
            try connection.query(
                """
                INSERT INTO api_keys (id, name, role, subject_prefixes, key_hash, created_at, revoked)
                VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::bigint, $7::boolean)
                """,
                [
                    record.id, record.name, record.role.rawValue, record.storedPrefixes, record.keyHash,
                    String(record.createdAt), record.revoked ? "true" : "false",
                ])
        }
    }

    public func apiKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        try await read { connection in
            let rows = try connection.query(
                """
                SELECT id, name, role, subject_prefixes, key_hash, created_at, revoked FROM api_keys
                WHERE NOT revoked OR $1::boolean ORDER BY created_at DESC, id
                """, [includeRevoked ? "true" : "false"])
            return try (0..<rows.count).map { row in
                guard let role = AccessRole(rawValue: rows.text(row, 2)) else {
                    throw RegistryError(
                        .storeError, "postgres: unknown role '\(rows.text(row, 2))' of API key \(rows.text(row, 0))")
                }
                return APIKeyRecord(
                    id: rows.text(row, 0), name: rows.text(row, 1), role: role,
                    subjectPrefixes: APIKeyRecord.prefixes(fromStored: rows.text(row, 3)), keyHash: rows.text(row, 4),
                    createdAt: rows.int(row, 5), revoked: rows.bool(row, 6))
            }
        }
    }

    public func revokeAPIKey(id: String) async throws -> Bool {
        try await writeStatement { connection in
            !(try connection.query(
                "UPDATE api_keys SET revoked = true WHERE id = $1::text AND NOT revoked RETURNING id", [id]
            ).isEmpty)
        }
    }
}
