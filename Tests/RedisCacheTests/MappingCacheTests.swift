import Foundation
import SchemaRegistryCore
import TestSupport
import Testing

@testable import RedisCache

/// The mutable mappings (subject versions, config, mode) cached with generation checks.
@Suite struct MappingCacheTests {
    private func identity(_ name: String) -> SchemaIdentity {
        SchemaIdentity(
            type: .avro, canonicalText: "{\"type\":\"record\",\"name\":\"\(name)\",\"fields\":[]}", references: [])
    }

    private func write(_ subject: String, _ name: String, expectedLatest: Int? = nil) -> RegistrationWrite {
        RegistrationWrite(subject: subject, schema: identity(name), expectedLatestVersion: expectedLatest)
    }

    /// Two instances (two cached stores on one database and one key prefix).
    private func twoInstances(_ url: String) throws -> (CountingStore, RedisCachedStore, RedisCachedStore) {
        let inner = try CountingStore()
        let prefix = uniquePrefix()
        let a = RedisCachedStore(
            store: inner, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: prefix)
        let b = RedisCachedStore(
            store: inner, client: try RedisClient(url: url, commandTimeout: .seconds(5)), keyPrefix: prefix)
        return (inner, a, b)
    }

    @Test func aSubjectIsReadFromRedisUntilAWriteBumpsItsGeneration() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let (inner, a, b) = try twoInstances(url)
        _ = try await a.register(write("orders", "A"))
        #expect(try await b.versions(subject: "orders", includeDeleted: false).map(\.version) == [1])
        let storeReads = inner.versionListings
        // Cached now: every per-subject read of either instance is answered by Redis.
        #expect(try await a.versions(subject: "orders", includeDeleted: false).map(\.version) == [1])
        #expect(try await b.version(subject: "orders", version: 1)?.schema.text == identity("A").canonicalText)
        #expect(try await b.version(subject: "orders", matching: identity("A"), includeDeleted: false)?.version == 1)
        #expect(try await b.version(subject: "orders", matching: identity("B"), includeDeleted: false) == nil)
        #expect(inner.versionListings == storeReads)
        #expect(b.metrics.mappingHits >= 3)

        // A write through A is visible through B at once: latest, soft delete.
        _ = try await a.register(write("orders", "B"))
        #expect(try await b.versions(subject: "orders", includeDeleted: false).last?.version == 2)
        _ = try await a.softDelete(subject: "orders", versions: [2])
        #expect(try await b.versions(subject: "orders", includeDeleted: false).map(\.version) == [1])
        #expect(try await b.versions(subject: "orders", includeDeleted: true).map(\.version) == [1, 2])
        _ = try await a.permanentlyDelete(subject: "orders", versions: [2])
        #expect(try await b.versions(subject: "orders", includeDeleted: true).map(\.version) == [1])
    }

    @Test func configAndModeChangesAreSeenByTheOtherInstance() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let (_, a, b) = try twoInstances(url)
        #expect(try await b.compatibility(subject: nil) == nil)
        #expect(try await b.compatibility(subject: "orders") == nil)
        #expect(try await b.mode(subject: "orders") == nil)
        try await a.setCompatibility(.full, subject: nil)
        try await a.setCompatibility(.none, subject: "orders")
        try await a.setMode(.readOnly, subject: "orders")
        #expect(try await b.compatibility(subject: nil) == .full)
        #expect(try await b.compatibility(subject: "orders") == CompatibilityLevel.none)
        #expect(try await b.mode(subject: "orders") == .readOnly)
        #expect(try await a.deleteMode(subject: "orders") == .readOnly)
        #expect(try await a.deleteCompatibility(subject: "orders") == CompatibilityLevel.none)
        #expect(try await b.mode(subject: "orders") == nil)
        #expect(try await b.compatibility(subject: "orders") == nil)
        #expect(try await b.compatibility(subject: nil) == .full)
    }

    /// A write that reached the store but whose invalidation was lost (Redis failed in
    /// between) leaves a stale subject; the next registration's conflict repairs it.
    @Test func aLostInvalidationIsRepairedByTheConflictItCauses() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let (inner, a, _) = try twoInstances(url)
        _ = try await a.register(write("orders", "A"))
        #expect(try await a.versions(subject: "orders", includeDeleted: true).count == 1)
        // Behind the cache's back: no INCR.
        _ = try await inner.register(write("orders", "B"))
        #expect(try await a.versions(subject: "orders", includeDeleted: true).count == 1)  // stale, as designed

        #expect(try await a.register(write("orders", "C", expectedLatest: 1)) == .conflict(actualLatestVersion: 2))
        #expect(try await a.versions(subject: "orders", includeDeleted: true).map(\.version) == [1, 2])
        #expect(try await a.register(write("orders", "C", expectedLatest: 2)) == .registered(id: 3, version: 3))
    }

    @Test func aStaleFillCannotOverwriteANewerGeneration() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let (_, a, b) = try twoInstances(url)
        _ = try await a.register(write("orders", "A"))
        // A reader that read generation g and the store before a write, filling after it:
        // simulated by tagging an old value with an old generation after the INCR.
        let stale = TaggedMapping(
            generation: [], body: SubjectVersionsCoding.encode([])!
        ).encoded()
        _ = try await a.client.command(bytes: [Array("SET".utf8), a.valueKey(.subject("orders")), stale])
        #expect(try await b.versions(subject: "orders", includeDeleted: true).map(\.version) == [1])
    }

    @Test func withRedisDownMappingsComeFromTheStore() async throws {
        let port = try Ports.freeLoopbackPort()
        let inner = try CountingStore()
        let cached = RedisCachedStore(
            store: inner, client: try RedisClient(url: "redis://127.0.0.1:\(port)"), keyPrefix: uniquePrefix())
        _ = try await cached.register(write("orders", "A"))
        try await cached.setMode(.readOnly, subject: "orders")
        #expect(try await cached.versions(subject: "orders", includeDeleted: false).map(\.version) == [1])
        #expect(try await cached.mode(subject: "orders") == .readOnly)
        #expect(cached.metrics.mappingHits == 0)
    }
}
