import Foundation
import PostgresStore
import SQLiteStore
import SchemaRegistryCore

/// The store named by the `store` and `data-dir` settings, with what it can do beyond
/// ``SchemaStore`` known by type (no casts at the call sites).
public struct BackingStore: Sendable {
    public let schemas: any SchemaStore
    /// Where API keys live; every store this build opens keeps them.
    public let keys: any APIKeyStore
    /// Connection pool counters, for the stores that have them (SQLite).
    public let pool: StorePoolMeter?
    /// The store's change log, which feeds watches.
    public let changeLog: (any ChangeLog)?

    public static func sqlite(_ store: SQLiteStore) -> BackingStore {
        BackingStore(schemas: store, keys: store, pool: store.poolMeter, changeLog: store)
    }

    public static func postgres(_ store: PostgresStore) -> BackingStore {
        BackingStore(schemas: store, keys: store, pool: nil, changeLog: store)
    }
}

/// Opens stores: shared by `serve` and the commands that work on the store directly (`keys`).
public enum StoreOpening {
    /// The embedded SQLite store under the data directory, or PostgreSQL for a postgres:// URL.
    /// With `create: false` the data directory must exist already (the caller checks the file).
    public static func open(store: String, dataDirectory: String, connections: Int, create: Bool = true)
        async throws -> BackingStore
    {
        if store != "sqlite" {
            return .postgres(try await PostgresStore(url: store, poolSize: connections))
        }
        if create {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        }
        return .sqlite(try SQLiteStore(path: (dataDirectory as NSString).appendingPathComponent("registry.db")))
    }
}
