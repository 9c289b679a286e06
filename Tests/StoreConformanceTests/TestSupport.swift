import Foundation
import RedisCache
import SQLiteStore
import SchemaRegistryCore
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

    static let postgresURL = ProcessInfo.processInfo.environment["SR_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    static let redisURL = ProcessInfo.processInfo.environment["SR_TEST_REDIS_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// SQLite always; PostgreSQL when the test command provides a server; each of those again
    /// behind the Redis L2 when the test command provides a Redis.
    static let all: [StoreFactory] = {
        var factories = [sqlite]
        if let url = postgresURL {
            factories.append(postgres(url: url))
        } else {
            print("note: SR_TEST_POSTGRES_URL is not set; the store conformance suite runs against SQLite only")
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
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("store-conformance-\(UUID().uuidString)", isDirectory: true)
        let path = directory.appendingPathComponent("registry.db").path
        let store = try SQLiteStore(path: path)
        return OpenedStore(
            store: store, reopen: { try SQLiteStore(path: path) },
            cleanup: { try? FileManager.default.removeItem(at: directory) })
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

/// An Avro schema identity with `text` as its canonical form.
func avro(_ text: String, references: [SchemaReference] = []) -> SchemaIdentity {
    SchemaIdentity(type: .avro, canonicalText: text, references: references)
}

/// A distinct, made-up canonical Avro text per `name`.
func record(_ name: String) -> String {
    #"{"type":"record","name":"\#(name)","fields":[{"name":"f","type":"string"}]}"#
}

/// Registers `text` under `subject` and returns the outcome.
@discardableResult
func register(
    _ store: any SchemaStore, _ subject: String, _ text: String, metadata: [String: String] = [:],
    tags: [String] = [], references: [SchemaReference] = []
) async throws -> RegistrationOutcome {
    try await store.register(
        RegistrationWrite(
            subject: subject, schema: avro(text, references: references), metadata: metadata, tags: tags))
}

extension RegistrationOutcome {
    /// The id of a registered or existing schema.
    var id: SchemaID? {
        switch self {
        case .registered(let id, _), .existing(let id, _): id
        case .conflict: nil
        }
    }

    var version: Int? {
        switch self {
        case .registered(_, let version), .existing(_, let version): version
        case .conflict: nil
        }
    }
}
