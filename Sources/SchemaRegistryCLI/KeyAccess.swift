import Foundation
import SRPWire
import SchemaRegistryCore

/// What the `keys` subcommands share: running against the server or a store, and printing keys.
enum KeyAccess {
    /// Runs `direct` on the store when `--data-dir`/`--store` was given, else `server` through
    /// a client session; either way failures become `error: ...` and their exit code.
    static func run<Value>(
        _ connection: ConnectionOptions, _ storeOptions: Keys.StoreOptions,
        direct: (any APIKeyStore) async throws -> Value,
        server: (ClientSession) async throws -> Value
    ) async throws -> Value {
        guard storeOptions.isDirect else { return try await connection.withSession(server) }
        return try await connection.withFailuresReported {
            let store = try await storeOptions.open()
            do {
                let value = try await direct(store.keys)
                try await store.schemas.close()
                return value
            } catch {
                try? await store.schemas.close()
                throw error
            }
        }
    }

    static func roleName(_ role: Srp_AccessRole) -> String {
        switch role {
        case .read: "read"
        case .write: "write"
        case .admin: "admin"
        default: "unknown"
        }
    }

    static func created(_ key: Srp_ApiKey) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(key.createdAt)))
    }

    static func document(_ key: Srp_ApiKey) -> [String: Any] {
        [
            "id": key.id, "name": key.name, "role": roleName(key.role), "subjectPrefixes": key.subjectPrefixes,
            "createdAt": created(key), "revoked": key.revoked,
        ]
    }

    /// Columns as wide as their widest cell, so they line up whatever the names and prefixes.
    static func table(_ keys: [Srp_ApiKey]) -> String {
        var rows = [["ID", "ROLE", "STATE", "CREATED", "PREFIXES", "NAME"]]
        for key in keys {
            rows.append([
                key.id, roleName(key.role), key.revoked ? "revoked" : "live", created(key),
                key.subjectPrefixes.isEmpty ? "*" : key.subjectPrefixes.joined(separator: ","),
                EchoedText.quote(key.name),
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
