import Foundation
import RedisCache
import SQLiteStore
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import PostgresStore

/// A store under test, how to open another instance on the same data, and how to clean up.
struct OpenedStore: Sendable {
    let store: any SchemaStore
    /// Opens another store on the same database (a second instance, or a restart after close).
    let reopen: @Sendable () async throws -> any SchemaStore
    let cleanup: @Sendable () async -> Void
}

/// One kind of store every conformance test runs against.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let open: @Sendable () async throws -> OpenedStore

    var testDescription: String { name }

    static let postgresURL = ExternalService.postgres.configuredURL

    static let redisURL = ExternalService.redis.configuredURL

    /// The stores that need no server: SQLite and the tests' `InMemoryStore`.
    static let local = [sqlite, memory]

    /// SQLite and the in-memory store always; PostgreSQL when the test command provides a
    /// server; each of those again behind the Redis L2 when the test command provides a Redis.
    /// (Whether CI provided them is EnvironmentTests' to say: this list is built before any test.)
    static let all: [StoreFactory] = {
        var factories = local
        if let url = postgresURL {
            factories.append(postgres(url: url))
        } else {
            print(
                "note: SR_TEST_POSTGRES_URL is not set; the store conformance suite runs against SQLite and memory only"
            )
        }
        if let redisURL {
            factories += factories.map { $0.behindRedis(url: redisURL) }
        } else {
            print("note: SR_TEST_REDIS_URL is not set; the store conformance suite runs without Redis")
        }
        return factories
    }()

    /// The same store with `RedisCachedStore` in front, on a key prefix of its own (tests run
    /// in parallel on one Redis). A reopened store shares the prefix: a second instance.
    func behindRedis(url: String) -> StoreFactory {
        let open = self.open
        return StoreFactory(name: name + "+redis") {
            let prefix = "conformance-\(UUID().uuidString):"
            let opened = try await open()
            let wrap: @Sendable (any SchemaStore) throws -> any SchemaStore = {
                // A generous timeout: a call timed out on a loaded machine would lose its
                // invalidation (stale reads up to the mapping TTL, by design) and fail the suite.
                RedisCachedStore(
                    store: $0, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: prefix)
            }
            return OpenedStore(
                store: try wrap(opened.store), reopen: { try wrap(try await opened.reopen()) },
                cleanup: opened.cleanup)
        }
    }

    static let sqlite = StoreFactory(name: "sqlite") {
        let directory = try TemporaryDirectory(prefix: "store-conformance")
        let path = directory.path("registry.db")
        let store = try SQLiteStore(path: path)
        return OpenedStore(store: store, reopen: { try SQLiteStore(path: path) }, cleanup: { directory.remove() })
    }

    /// The tests' in-memory store; a reopened one shares the data (a second instance).
    static let memory = StoreFactory(name: "memory") {
        let database = InMemoryStore.Database()
        return OpenedStore(
            store: InMemoryStore(database: database), reopen: { InMemoryStore(database: database) }, cleanup: {})
    }

    /// A fresh PostgreSQL schema per test, selected through the connection's search_path, so that
    /// tests run in parallel on one server without seeing each other's data.
    static func postgres(url: String) -> StoreFactory {
        StoreFactory(name: "postgres") {
            let schema = try await PostgresTestSchema(serverURL: url)
            // Small pools: many tests run at once against one server with a bounded max_connections.
            let store = try await PostgresStore(url: schema.url, poolSize: 2)
            return OpenedStore(
                store: store, reopen: { try await PostgresStore(url: schema.url, poolSize: 2) },
                cleanup: { await schema.drop() })
        }
    }

    /// `url` with its search_path set to `schema`, for both URL and keyword/value conninfo forms.
    static func scopedURL(_ url: String, schema: String) -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return url + (url.contains("?") ? "&" : "?")
                + "options=-csearch_path%3D\(schema)&application_name=\(schema)"
        }
        return url + " options='-csearch_path=\(schema)' application_name=\(schema)"
    }
}

/// An empty schema of its own on the test server, and the URL that selects it.
struct PostgresTestSchema: Sendable {
    let name: String
    /// The server URL with search_path (and application_name) set to `name`.
    let url: String
    // On a worker's own queue: libpq blocks, and test tasks run on the cooperative pool.
    let admin: PostgresWorker

    init(serverURL: String) async throws {
        name = "conformance_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        url = StoreFactory.scopedURL(serverURL, schema: name)
        admin = PostgresWorker(label: "conformance.admin", conninfo: serverURL)
        let name = name
        _ = try await admin.run { try $0.execute("CREATE SCHEMA \(name)") }
    }

    /// Runs administrative SQL outside the schema's stores.
    func execute(_ sql: String) async throws {
        _ = try await admin.run { try $0.execute(sql) }
    }

    func drop() async {
        try? await execute("DROP SCHEMA \(name) CASCADE")
        await admin.close()
    }
}

/// Runs `body` with a fresh store from `factory`; closes and cleans up afterwards.
func withStore(
    _ factory: StoreFactory, _ body: (any SchemaStore, OpenedStore) async throws -> Void
) async throws {
    let opened = try await factory.open()
    do {
        try await body(opened.store, opened)
    } catch {
        try? await opened.store.close()
        await opened.cleanup()
        throw error
    }
    try? await opened.store.close()
    await opened.cleanup()
}
