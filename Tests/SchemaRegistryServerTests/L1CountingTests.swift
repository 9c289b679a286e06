import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// L1 has one owner (`SchemaTier`) and one miss path: a request that misses is looked up once
/// and counted once (it used to be looked up again, and counted again, by the dispatcher), and
/// what the miss read is answered from L1 afterwards.
@Suite struct L1CountingTests {
    private func l1(_ client: SchemaRegistryClient) async throws -> Srp_CacheTierStats {
        let info = try await client.serverInfo(.init())
        return try #require(info.caches.first { $0.tier == "l1" })
    }

    @Test func aMissIsCountedOnceAndTheNextReadHits() async throws {
        // A schema registered through another instance on the same store: not in this L1.
        let writer = try await TestServer.start()
        let writerClient = writer.client()
        let id = try await writerClient.registerSchema(
            .with {
                $0.subject = "counted"
                $0.schema = avroRecord("Counted")
            }
        ).id
        await writerClient.close()
        await writer.stop(keepData: true)

        let reader = try await TestServer.start(directory: writer.directory) { $0.warmupSchemas = 0 }
        defer { Task { await reader.stop() } }
        let client = reader.client()
        let before = try await l1(client)
        _ = try await client.getSchemaById(.with { $0.id = id })
        let afterMiss = try await l1(client)
        #expect(afterMiss.misses - before.misses == 1, "one miss, counted once")
        #expect(afterMiss.hits - before.hits == 0)
        _ = try await client.getSchemaById(.with { $0.id = id })
        let afterHit = try await l1(client)
        #expect(afterHit.hits - afterMiss.hits == 1, "the miss filled L1")
        #expect(afterHit.misses == afterMiss.misses)
        // A batch read fills L1 without counting lookups.
        _ = try await client.getSchemasByIds(.with { $0.ids = [id] })
        let afterBatch = try await l1(client)
        #expect(afterBatch.misses == afterHit.misses)
        await client.close()
    }
}
