import RedisCache
import SchemaRegistryCore
import SchemaRegistryTesting
import Testing

/// `RedisCachedStore` forwards the change log to the store it wraps (the conformance suite runs
/// every store behind Redis); over a store that keeps none it says so instead of pretending.
@Suite struct RedisChangeLogForwardingTests {
    @Test func aCacheOverAStoreWithoutAChangeLogThrowsAClearError() async throws {
        // GatedStore keeps no change log. The client never connects: nothing here reaches Redis.
        let inner = GatedStore(InMemoryStore(), gate: StoreGate(holding: []))
        let cached = RedisCachedStore(store: inner, client: try RedisClient(url: "redis://127.0.0.1:1"))
        await #expect {
            _ = try await cached.changes(after: 0, limit: 10)
        } throws: { error in
            (error as? RegistryError)?.code == .storeError && "\(error)".contains("keeps no change log")
        }
        await #expect(throws: RegistryError.self) { _ = try await cached.observeCommits {} }
    }
}
