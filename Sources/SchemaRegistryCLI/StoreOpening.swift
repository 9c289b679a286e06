import Foundation
import PostgresStore
import SQLiteStore
import SchemaRegistryCore

/// Opens the store named by the `store` and `data-dir` settings: shared by `serve` and the
/// commands that work on the store directly (`keys`).
enum StoreOpening {
    /// The embedded SQLite store under the data directory, or PostgreSQL for a postgres:// URL.
    /// With `create: false` the data directory must exist already (the caller checks the file).
    static func open(store: String, dataDirectory: String, connections: Int, create: Bool = true) async throws
        -> any SchemaStore
    {
        if store != "sqlite" {
            return try await PostgresStore(url: store, poolSize: connections)
        }
        if create {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        }
        return try SQLiteStore(path: (dataDirectory as NSString).appendingPathComponent("registry.db"))
    }
}
