import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteStore
import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistryServer
import TestSupport

@testable import SchemaRegistryApp

/// A real server on a free loopback port, in this process, with a real SQLite file in a temp
/// directory (or the store the test gives it).
public final class TestServer: Sendable {
    public let server: SRPServer
    public let port: Int
    public let directory: String
    /// The REST API's port, when the test turned it on (`configuration.restPort = 0`).
    public let restPort: Int?
    private let task: Task<Void, any Error>
    private let restTask: Task<Void, any Error>?

    private init(
        server: SRPServer, port: Int, directory: String, task: Task<Void, any Error>, restPort: Int?,
        restTask: Task<Void, any Error>?
    ) {
        self.server = server
        self.port = port
        self.directory = directory
        self.task = task
        self.restPort = restPort
        self.restTask = restTask
    }

    /// Assembled by the same composition root as `serve` (``RegistryApp``), on SQLite or on the
    /// store the test gives it.
    ///
    /// - Parameters:
    ///   - directory: the data directory (a new temporary one when nil; kept for a restart).
    ///   - store: the store to serve (a real SQLite file in `directory` when nil), e.g. an
    ///     ``InMemoryStore``, or a ``GatedStore`` to make chosen calls slow on purpose.
    ///   - authenticating: check API keys from the server's own store (refreshed every
    ///     20 ms); otherwise authentication is off.
    public static func start(
        directory existing: String? = nil, store: (any SchemaStore & APIKeyStore)? = nil, authenticating: Bool = false,
        _ configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let directory = existing ?? TemporaryDirectory.uniquePath("sr-test")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.metricsPort = nil
        configuration.restPort = nil
        configuration.dataDirectory = directory
        configuration.registry.defaultCompatibility = .none
        configuration.authentication = authenticating ? .automatic : .disabled
        configuration.authRefresh = .milliseconds(20)
        configure(&configuration)
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        let backing: BackingStore
        if let store {
            backing = BackingStore(schemas: store, keys: store, pool: nil, changeLog: store as? any ChangeLog)
        } else {
            backing = .sqlite(try SQLiteStore(path: directory + "/registry.db"))
        }
        let app = try RegistryApp(
            configuration: configuration, backing: backing, group: MultiThreadedEventLoopGroup.singleton,
            logger: logger)
        app.startStores()
        let server = app.server
        let task = Task { try await server.run() }
        let address = try await server.localAddress
        var restPort: Int?
        var restTask: Task<Void, any Error>?
        if let rest = app.rest {
            restTask = Task { try await rest.run() }
            restPort = try await rest.localAddress.port
        }
        return TestServer(
            server: server, port: address.port!, directory: directory, task: task, restPort: restPort,
            restTask: restTask)
    }

    public func client(compression: Bool = true, _ configure: (inout ClientConfiguration) -> Void = { _ in })
        -> SchemaRegistryClient
    {
        var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
        configuration.compression = compression
        // Connecting is not what these tests measure: on a loaded machine 200 connections at
        // once can take longer than the client's 5 s default to get their HELLO_OK.
        configuration.connectTimeout = .seconds(60)
        configure(&configuration)
        return SchemaRegistryClient(configuration: configuration)
    }

    public func stop(keepData: Bool = false) async {
        restTask?.cancel()
        _ = try? await restTask?.value
        server.shutdown()
        _ = try? await task.value
        try? await server.service.store.close()
        if !keepData { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Runs `body` against a fresh server and always stops it.
public func withServer(
    store: (any SchemaStore & APIKeyStore)? = nil, _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (TestServer) async throws -> Void
) async throws {
    let server = try await TestServer.start(directory: nil, store: store, configure)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}
