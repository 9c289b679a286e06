import Foundation
import SQLiteStore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// API keys end to end: real server, real SQLite store holding the hashed keys, real sockets.
@Suite struct AuthTests {
    /// Creates a key in the server's store, as `schema-registry keys create` does, and waits
    /// until the server's key ring has loaded it.
    private func createKey(
        _ server: TestServer, role: AccessRole, prefixes: [String] = []
    ) async throws -> (id: String, key: String) {
        let store = try #require(server.server.service.store as? SQLiteStore)
        let (id, key) = APIKeyText.generate()
        try await store.createAPIKey(
            APIKeyRecord(
                id: id, name: "test", role: role, subjectPrefixes: prefixes, keyHash: APIKeyText.hash(key),
                createdAt: Int(Date().timeIntervalSince1970)))
        try await server.server.keyRing!.refresh()
        return (id, key)
    }

    private func client(_ server: TestServer, key: String?) -> SchemaRegistryClient {
        server.client { $0.apiKey = key }
    }

    private func status(of body: () async throws -> Void) async -> StatusCode? {
        do {
            try await body()
            return nil
        } catch let error as SchemaRegistryClientError {
            return error.status
        } catch {
            return nil
        }
    }

    private func register(_ client: SchemaRegistryClient, _ subject: String, _ name: String = "User") async throws {
        _ = try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = avroRecord(name)
            })
    }

    @Test func noKeysMeansOpenAndTheFirstKeyClosesTheDoor() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let anonymous = client(server, key: nil)
        try await register(anonymous, "open-value")
        await anonymous.close()

        _ = try await createKey(server, role: .read)
        let refused = client(server, key: nil)
        #expect(await status { try await register(refused, "open-value") } == .unauthenticated)
        await refused.close()
        let wrong = client(server, key: "sr_0123456789ab_not-a-real-secret")
        #expect(await status { _ = try await wrong.getSchemaById(.with { $0.id = 1 }) } == .unauthenticated)
        await wrong.close()
    }

    @Test func rolesAllowWhatTheyShould() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let admin = client(server, key: try await createKey(server, role: .admin).key)
        let writer = client(server, key: try await createKey(server, role: .write).key)
        let reader = client(server, key: try await createKey(server, role: .read).key)
        defer { Task { for c in [admin, writer, reader] { await c.close() } } }

        try await register(writer, "orders-value")
        #expect(try await reader.getSchemaById(.with { $0.id = 1 }).schema.id == 1)
        #expect(try await reader.listSubjects(.init()).subjects == ["orders-value"])
        let forbidden = StatusCode(rawValue: 40301)
        #expect(await status { try await register(reader, "orders-value", "Other") } == forbidden)
        #expect(
            await status {
                _ = try await writer.setConfig(
                    .with {
                        $0.subject = "orders-value"
                        $0.compatibility = .full
                    })
            } == forbidden)
        // A soft delete is a write; a permanent one is admin's.
        #expect(
            await status {
                _ = try await writer.deleteSubject(
                    .with {
                        $0.subject = "orders-value"
                        $0.permanent = true
                    })
            } == forbidden)
        _ = try await writer.deleteSubject(.with { $0.subject = "orders-value" })
        _ = try await admin.deleteSubject(
            .with {
                $0.subject = "orders-value"
                $0.permanent = true
            })
        _ = try await admin.setConfig(.with { $0.compatibility = .full })
    }

    @Test func subjectPrefixesLimitSubjectsAndListings() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let admin = client(server, key: try await createKey(server, role: .admin).key)
        let teamA = client(server, key: try await createKey(server, role: .admin, prefixes: ["team-a."]).key)
        defer { Task { for c in [admin, teamA] { await c.close() } } }
        try await register(admin, "team-b.orders")
        try await register(teamA, "team-a.orders")
        let forbidden = StatusCode(rawValue: 40301)
        #expect(await status { try await register(teamA, "team-b.orders", "Other") } == forbidden)
        #expect(
            await status {
                _ = try await teamA.getSchemaByVersion(
                    .with {
                        $0.subject = "team-b.orders"
                        $0.version = 1
                    })
            } == forbidden)
        // Listings only show what the key may see.
        #expect(try await teamA.listSubjects(.init()).subjects == ["team-a.orders"])
        #expect(try await admin.listSubjects(.init()).subjects == ["team-a.orders", "team-b.orders"])
        // The global level is readable, but only an unrestricted admin changes it.
        _ = try await teamA.getConfig(.with { $0.defaultToGlobal = true })
        #expect(await status { _ = try await teamA.setConfig(.with { $0.compatibility = .none }) } == forbidden)
        _ = try await teamA.setConfig(
            .with {
                $0.subject = "team-a.orders"
                $0.compatibility = .none
            })
    }

    /// A key limited to `team-a.` reads by id only schemas registered under a `team-a.` subject
    /// (Confluent's RBAC rule), cached or not, one by one or in a batch; a schema shared with
    /// one of its subjects stays readable.
    @Test func readsByIdAreLimitedToTheKeysSubjects() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let admin = client(server, key: try await createKey(server, role: .admin).key)
        let teamA = client(server, key: try await createKey(server, role: .read, prefixes: ["team-a."]).key)
        defer { Task { for c in [admin, teamA] { await c.close() } } }
        let other = try await admin.registerSchema(
            .with {
                $0.subject = "team-b.payments"
                $0.schema = avroRecord("Payment")
            }
        ).id
        let own = try await admin.registerSchema(
            .with {
                $0.subject = "team-a.orders"
                $0.schema = avroRecord("Order")
            }
        ).id
        let shared = try await admin.registerSchema(
            .with {
                $0.subject = "team-b.shared"
                $0.schema = avroRecord("Shared")
            }
        ).id
        _ = try await admin.registerSchema(
            .with {
                $0.subject = "team-a.shared"
                $0.schema = avroRecord("Shared")
            })
        // Warm L1 with every id: the cached path must check too.
        for id in [other, own, shared] { _ = try await admin.getSchemaById(.with { $0.id = id }) }
        let forbidden = StatusCode(rawValue: 40301)
        #expect(await status { _ = try await teamA.getSchemaById(.with { $0.id = other }) } == forbidden)
        #expect(try await teamA.getSchemaById(.with { $0.id = own }).schema.id == own)
        #expect(try await teamA.getSchemaById(.with { $0.id = shared }).schema.id == shared)
        let batch = try await teamA.getSchemasByIds(.with { $0.ids = [other, own, shared] })
        #expect(batch.schemas.map(\.id) == [own, shared])
        #expect(batch.missingIds == [other])
        #expect(
            await status { _ = try await teamA.getSubjectVersionsById(.with { $0.id = other }) } == forbidden)
        #expect(
            try await teamA.getSubjectVersionsById(.with { $0.id = shared }).subjectVersions.map(\.subject) == [
                "team-a.shared"
            ])
        // An id that does not exist is not found, for a limited key as for any other.
        #expect(
            await status { _ = try await teamA.getSchemaById(.with { $0.id = 999 }) }
                == StatusCode(rawValue: 40403))
        // Unrestricted keys read everything, from L1.
        #expect(try await admin.getSchemaById(.with { $0.id = other }).schema.id == other)
    }

    @Test func revokingAKeyClosesConnectionsUsingIt() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        _ = try await createKey(server, role: .admin)  // so that revoking the other leaves keys
        let (id, key) = try await createKey(server, role: .write)
        let writer = client(server, key: key)
        try await register(writer, "orders-value")
        let store = try #require(server.server.service.store as? SQLiteStore)
        #expect(try await store.revokeAPIKey(id: id))
        #expect(try await !store.revokeAPIKey(id: id))
        try await server.server.keyRing!.refresh()
        // The open connection is closed at its next request, and a new one is refused.
        #expect(await status { try await register(writer, "orders-value", "Other") } != nil)
        await writer.close()
        let again = client(server, key: key)
        #expect(await status { try await register(again, "orders-value", "Other") } == .unauthenticated)
        await again.close()
        #expect(try await store.apiKeys(includeRevoked: true).first { $0.id == id }?.revoked == true)
    }

    @Test func insecureNoAuthIgnoresKeys() async throws {
        let server = try await TestServer.start(authenticating: true) { $0.authentication = .disabled }
        defer { Task { await server.stop() } }
        _ = try await createKey(server, role: .read)
        let anonymous = client(server, key: nil)
        try await register(anonymous, "orders-value")
        await anonymous.close()
    }

    @Test func keysAreStoredOnlyAsHashes() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let (_, key) = try await createKey(server, role: .read)
        let secret = Data(String(key.split(separator: "_", maxSplits: 2)[2]).utf8)
        let hash = Data(APIKeyText.hash(key).utf8)
        // The database and its write-ahead log: the hash is there, the secret nowhere.
        var files = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: server.directory) {
            files.append(try Data(contentsOf: URL(fileURLWithPath: server.directory + "/" + name)))
        }
        #expect(files.range(of: hash) != nil)
        #expect(files.range(of: secret) == nil)
        #expect(APIKeyText.id(of: key) != nil && key.hasPrefix("sr_"))
    }
}
