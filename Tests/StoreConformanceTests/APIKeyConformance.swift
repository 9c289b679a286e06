import RedisCache
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

/// API keys kept by the backing stores (SQLite and PostgreSQL; a Redis cache in front is
/// bypassed: keys are read from the store that owns them).
@Suite struct APIKeyConformance {
    @Test(arguments: StoreFactory.all) func createListRevoke(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            let backing = (store as? RedisCachedStore)?.store ?? store
            let keys = try #require(backing as? any APIKeyStore)
            #expect(try await keys.apiKeys(includeRevoked: true).isEmpty)
            let reader = APIKeyRecord(
                id: "0123456789ab", name: "ci reader", role: .read, subjectPrefixes: ["team-a.", "team-b."],
                keyHash: String(repeating: "a", count: 64), createdAt: 1_700_000_000)
            let admin = APIKeyRecord(
                id: "ba9876543210", name: "", role: .admin, subjectPrefixes: [],
                keyHash: String(repeating: "b", count: 64), createdAt: 1_700_000_100)
            try await keys.createAPIKey(reader)
            try await keys.createAPIKey(admin)
            // Newest first, every field as written.
            #expect(try await keys.apiKeys(includeRevoked: false) == [admin, reader])
            // The same hash twice is refused (one key, one record).
            var copy = reader
            copy.id = "ffffffffffff"
            await #expect(throws: RegistryError.self) { try await keys.createAPIKey(copy) }

            #expect(try await keys.revokeAPIKey(id: reader.id))
            #expect(try await !keys.revokeAPIKey(id: reader.id))
            #expect(try await !keys.revokeAPIKey(id: "nonexistent"))
            #expect(try await keys.apiKeys(includeRevoked: false) == [admin])
            var revoked = reader
            revoked.revoked = true
            #expect(try await keys.apiKeys(includeRevoked: true) == [admin, revoked])
        }
    }
}
