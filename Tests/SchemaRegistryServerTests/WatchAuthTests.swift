import Foundation
import SQLiteStore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// Watch and API keys: a key limited to subject prefixes watches only what it may read, and a
/// revoked key loses its watch even if its client sends nothing (docs/PROTOCOL.md 19.2).
@Suite struct WatchAuthTests {
    private func createKey(_ server: TestServer, role: AccessRole, prefixes: [String] = []) async throws -> (
        id: String, key: String
    ) {
        let store = try #require(server.server.service.store as? SQLiteStore)
        let (id, key) = APIKeyText.generate()
        try await store.createAPIKey(
            APIKeyRecord(
                id: id, name: "test", role: role, subjectPrefixes: prefixes, keyHash: APIKeyText.hash(key),
                createdAt: Int(Date().timeIntervalSince1970)))
        try await server.server.keyRing!.refresh()
        return (id, key)
    }

    private func register(_ client: SchemaRegistryClient, _ subject: String) async throws {
        _ = try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#
            })
    }

    @Test func aKeyLimitedToPrefixesSeesOnlyItsSubjectsAndCannotAskForOthers() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let (_, admin) = try await createKey(server, role: .admin)
        let (_, limited) = try await createKey(server, role: .read, prefixes: ["orders-"])
        let writer = server.client { $0.apiKey = admin }
        let reader = server.client { $0.apiKey = limited }
        for request in [Srp_WatchRequest.with { $0.subjects = ["payments"] }, .with { $0.subjectPrefixes = ["ord"] }] {
            await #expect {
                _ = try await reader.watch(request)
            } throws: { error in
                (error as? SchemaRegistryClientError)?.status == StatusCode(rawValue: 40301)
            }
        }
        let everything = try await reader.watch(Srp_WatchRequest())
        try await register(writer, "payments")
        try await register(writer, "orders-value")
        _ = try await writer.setConfig(.with { $0.compatibility = .full })
        let events = try await WatchTests.next(2, of: everything.events)
        #expect(events.map(\.type) == [.versionRegistered, .configChanged])
        #expect(events.first?.subject == "orders-value")
    }

    @Test func revokingAKeyEndsItsWatchWithoutARequestFromTheClient() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        _ = try await createKey(server, role: .admin)
        let (id, key) = try await createKey(server, role: .read)
        let raw = try RawConnection(port: server.port)
        raw.send(SRPPreface.bytes)
        raw.sendRequest(.hello, requestID: 0, Srp_HelloRequest.with { $0.credentials.apiKey = key })
        let hello = try #require(try await raw.readFrame())
        #expect(hello.header.code == 0)
        raw.sendRequest(.watch, requestID: 5, Srp_WatchRequest())
        #expect(try #require(try await raw.readFrame()).header.code == 0)
        let store = try #require(server.server.service.store as? SQLiteStore)
        #expect(try await store.revokeAPIKey(id: id))
        try await server.server.keyRing!.refresh()
        // The client sends nothing more: the server closes with GOAWAY UNAUTHENTICATED.
        let last = try await raw.readUntilClosed()
        #expect(last?.header.kind == .goAway)
        #expect(last?.header.code == StatusCode.unauthenticated.rawValue)
    }
}
