import Foundation
import SchemaRegistryCore
import TestSupport
import Testing

@testable import RedisCache

@Suite struct RedisCachedStoreTests {
    private func identity(_ name: String) -> SchemaIdentity {
        SchemaIdentity(
            type: .avro, canonicalText: "{\"type\":\"record\",\"name\":\"\(name)\",\"fields\":[]}", references: [])
    }

    private func write(_ subject: String, _ name: String, importID: SchemaID? = nil) -> RegistrationWrite {
        RegistrationWrite(subject: subject, schema: identity(name), importID: importID)
    }

    @Test func readsGoThroughRedisOnce() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let inner = try CountingStore()
        let cached = RedisCachedStore(
            store: inner, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: uniquePrefix())
        #expect(cached.kind == "sqlite+redis")
        // Written behind the cache's back: Redis has never seen these ids.
        guard case .registered(let a, _) = try await inner.register(write("orders", "A")),
            case .registered(let b, _) = try await inner.register(write("orders", "B"))
        else { throw RegistryError(.storeError, "setup failed") }

        #expect(try await cached.schema(id: a)?.text == identity("A").canonicalText)
        #expect(inner.schemaLookups == 1)
        #expect(try await cached.schema(id: a)?.text == identity("A").canonicalText)
        #expect(inner.schemaLookups == 1)

        // A batch asks the store only for what Redis lacks; duplicates are asked once.
        let batch = try await cached.schemas(ids: [a, b, b, 999])
        #expect(Set(batch.map(\.id)) == [a, b])
        #expect(inner.schemaLookups == 3)
        #expect(Set(try await cached.schemas(ids: [a, b, 999]).map(\.id)) == [a, b])
        #expect(inner.schemaLookups == 3)
        #expect(cached.metrics.hits == 1 + 1 + 3)
        #expect(cached.metrics.misses == 1 + 2)
        #expect(cached.metrics.errors == 0)
    }

    /// Two stores: one whose "missing" marker outlives the test (what is remembered), one whose
    /// marker expires (a sleep longer than its TTL is a lower bound, so the check cannot race).
    @Test func aMissingIdIsRememberedButNeverHidesARegistrationAndExpires() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let inner = try CountingStore()
        let cached = RedisCachedStore(
            store: inner, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: uniquePrefix(),
            negativeTTL: .seconds(60))
        for _ in 0..<20 { #expect(try await cached.schema(id: 42) == nil) }
        #expect(inner.schemaLookups == 1)

        // Registering id 42 through the cache replaces the "missing" marker at once.
        #expect(try await cached.register(write("imports", "X", importID: 42)) == .registered(id: 42, version: 1))
        #expect(try await cached.schema(id: 42)?.id == 42)
        #expect(inner.schemaLookups == 1)

        // The marker expires: an id registered behind the cache's back shows up after the TTL.
        let briefly = RedisCachedStore(
            store: inner, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: uniquePrefix(),
            negativeTTL: .milliseconds(200))
        #expect(try await briefly.schema(id: 43) == nil)
        _ = try await inner.register(write("imports", "Y", importID: 43))
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await briefly.schema(id: 43)?.id == 43)
    }

    @Test func aPermanentDeleteIsNotServedFromTheCache() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let inner = try CountingStore()
        let cached = RedisCachedStore(
            store: inner, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: uniquePrefix())
        guard case .registered(let gone, _) = try await cached.register(write("s", "Gone")),
            case .registered(let shared, _) = try await cached.register(write("s", "Shared"))
        else { throw RegistryError(.storeError, "setup failed") }
        _ = try await cached.register(write("other", "Shared"))
        #expect(try await cached.schemas(ids: [gone, shared]).count == 2)

        _ = try await cached.softDelete(subject: "s", versions: [1, 2])
        #expect(try await cached.schema(id: gone) != nil)  // soft deletes keep schemas
        #expect(try await cached.permanentlyDelete(subject: "s", versions: [1, 2]) == [1, 2])
        #expect(try await cached.schema(id: gone) == nil)
        #expect(try await cached.schema(id: shared)?.id == shared)  // still used by "other"
    }

    @Test func writesPublishInvalidations() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let prefix = uniquePrefix()
        let cached = RedisCachedStore(
            store: try CountingStore(), client: try RedisClient(url: url, commandTimeout: .seconds(5)),
            keyPrefix: prefix)
        let subscriber = try Subscriber(
            RedisConnection(
                endpoint: try RedisEndpoint(url: url), connectTimeout: .seconds(1), commandTimeout: .seconds(2)))
        let channel = prefix + "invalidate"
        _ = try subscriber.connection.run([Array("SUBSCRIBE".utf8), Array(channel.utf8)])

        _ = try await cached.register(write("orders", "A"))
        try await cached.setCompatibility(.full, subject: nil)
        _ = try await cached.deleteMode(subject: "orders")

        let messages = try await onOwnThread {
            try (0..<4).map { _ -> String in
                guard case .array(let parts) = try subscriber.connection.nextReply(), parts.count == 3 else {
                    return "?"
                }
                return parts[2].string ?? "?"
            }
        }
        #expect(messages == ["subject:orders", "schema:1", "config", "mode:orders"])
    }

    @Test func aDeadRedisIsInvisibleToCallers() async throws {
        guard ExternalService.redis.url(skipping: "a Redis test") != nil else { return }
        let inner = try CountingStore()
        let client = try RedisClient(url: "redis://127.0.0.1:\(try Ports.freeLoopbackPort())")
        let cached = RedisCachedStore(store: inner, client: client)
        #expect(try await cached.register(write("orders", "A")) == .registered(id: 1, version: 1))
        for _ in 0..<10 { #expect(try await cached.schema(id: 1)?.id == 1) }
        #expect(try await cached.schemas(ids: [1, 2]).map(\.id) == [1])
        #expect(!cached.isAvailable)
        #expect(cached.metrics.breakerOpens == 1)
        #expect(inner.schemaLookups == 12)
    }
}

/// Lets the test hand its subscriber connection to a blocking queue.
/// @unchecked: the test uses the connection from one place at a time (subscribe, then read).
private final class Subscriber: @unchecked Sendable {
    let connection: RedisConnection
    init(_ connection: RedisConnection) { self.connection = connection }
}
