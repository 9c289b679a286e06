import Foundation
import PostgresStore
import SQLiteStore
import SchemaRegistryCore

/// Opens the store named by the `store` and `data-dir` settings: shared by `serve` and the
/// commands that work on the store directly (`keys`).
enum StoreOpening {
    /// The embedded SQLite store under the data directory, or PostgreSQL for a postgres:// URL.
    static func open(store: String, dataDirectory: String, connections: Int) async throws -> any SchemaStore {
        if store != "sqlite" {
            return try await PostgresStore(url: store, poolSize: connections)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        return try SQLiteStore(path: (dataDirectory as NSString).appendingPathComponent("registry.db"))
    }
}
