import Foundation
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// `schema-registry keys ...` against the store of a running server, and the client flag.
@Suite struct KeysCommandTests {
    @Test func createListRevokeThroughTheCLI() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let store = ["--data-dir", server.directory]
        let created = try await CLI.run(
            ["keys", "create", "--role", "write", "--name", "ci", "--subject-prefix", "ci."] + store)
        #expect(created.status == 0, "\(created)")
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let id = try #require(APIKeyText.id(of: key), "\(created)")
        let listed = try await CLI.run(["keys", "list"] + store)
        #expect(listed.status == 0 && listed.stdout.contains(id) && listed.stdout.contains("ci."), "\(listed)")
        #expect(!listed.stdout.contains(key))
        try await server.server.keyRing!.refresh()

        let port = ["--port", "\(server.port)"]
        let refused = try await CLI.run(["register", "ci.orders"] + port, stdin: avroRecord("A"))
        #expect(refused.status != 0 && refused.stderr.contains("UNAUTHENTICATED"), "\(refused)")
        let allowed = try await CLI.run(
            ["register", "ci.orders"] + port, stdin: avroRecord("A"), environment: ["SCHEMA_REGISTRY_API_KEY": key])
        #expect(allowed.status == 0, "\(allowed)")
        let outside = try await CLI.run(["register", "other", "--api-key", key] + port, stdin: avroRecord("A"))
        #expect(outside.status != 0 && outside.stderr.contains("40301"), "\(outside)")

        let revoked = try await CLI.run(["keys", "revoke", id] + store)
        #expect(revoked.status == 0, "\(revoked)")
        let twice = try await CLI.run(["keys", "revoke", id] + store)
        #expect(twice.status != 0, "\(twice)")
        let badRole = try await CLI.run(["keys", "create", "--role", "root"] + store)
        #expect(badRole.status != 0 && badRole.stderr.contains("read, write or admin"), "\(badRole)")
    }
}
