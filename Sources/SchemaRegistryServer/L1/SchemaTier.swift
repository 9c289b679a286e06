import Logging
import NIOCore
import SRPWire
import SchemaRegistryCore

/// L1, the one owner of encoded schemas by id: the lookup the event loop answers from, the
/// one read a miss makes (shared by concurrent misses of the id), warm-up at start, filling on
/// registration and batch reads, and eviction after permanent deletes. Nothing else writes it.
///
/// Counting: the event loop's ``cached(_:)`` counts each hit and each miss once; a miss then
/// calls ``read(missed:)``, which reads the store without looking up (and counting) again.
/// Requests that never took the fast path (keys limited to subject prefixes) call ``read(_:)``,
/// which looks up once.
public final class SchemaTier: Sendable {
    /// Encoded `GetSchemaByIdResponse` bodies, plain and LZ4, each built once.
    let cache: EncodedSchemaCache
    /// What misses, batch fills and warm-up read: the store the registry uses (L2 over L3).
    private let store: any SchemaStore
    /// Concurrent misses of one id share one store read.
    let reads = SingleFlight<UInt32, EncodedSchemaCache.Entry>()
    /// How far warm-up got (server info, `/readyz`).
    public let warmUp = WarmUpProgress()

    public init(capacityBytes: Int, compressionThreshold: Int, store: any SchemaStore) {
        self.cache = EncodedSchemaCache(capacityBytes: capacityBytes, compressionThreshold: compressionThreshold)
        self.store = store
    }

    // MARK: Reads

    /// The event loop's lookup: the encoded answer for `id`, or nil (counted as a miss).
    @inline(__always)
    func cached(_ id: UInt32) -> EncodedSchemaCache.Entry? {
        cache.entry(for: id)
    }

    /// After ``cached(_:)`` missed: reads the store (once for every concurrent miss of `id`) and
    /// fills L1 with what it encoded. Throws 40403 when there is no such schema.
    func read(missed id: UInt32) async throws -> EncodedSchemaCache.Entry {
        try await reads.run(id) { [store, cache] in
            guard let schema = try await store.schema(id: SchemaID(id)) else {
                throw RegistryError(.schemaNotFound, "Schema \(id) not found.")
            }
            return cache.insert(schema)
        }
    }

    /// A read that did not go through ``cached(_:)``: looks up once, then reads on a miss.
    func read(_ id: UInt32) async throws -> EncodedSchemaCache.Entry {
        if let entry = cache.entry(for: id) { return entry }
        return try await read(missed: id)
    }

    /// The REST body of a cached entry: built from the entry's SRP form on the first REST read
    /// of the id, then kept in L1 beside it.
    func json(of entry: EncodedSchemaCache.Entry, id: UInt32) -> ByteBuffer {
        if let json = entry.json { return json }
        let decoded = (try? Srp_GetSchemaByIdResponse(serializedBytes: entry.plain)) ?? .init()
        let json = ByteBuffer(string: RESTJSON.schemaString(decoded.schema).serialized())
        cache.attachJSON(id, json)
        return json
    }

    // MARK: Filling and evicting

    /// A schema was just registered: its first reads are hits.
    public func registered(_ schema: StoredSchema) {
        cache.insert(schema)
    }

    /// Schemas read in a batch: kept for the reads by id that usually follow.
    func fill(_ schemas: [StoredSchema]) {
        for schema in schemas where !cache.contains(UInt32(schema.id)) { cache.insert(schema) }
    }

    /// A permanent delete may have removed `candidates`: those the store no longer has leave L1.
    func evictRemoved(_ candidates: [SchemaID]) async throws {
        guard !candidates.isEmpty else { return }
        let remaining = Set(try await store.schemas(ids: candidates).map(\.id))
        for id in candidates where !remaining.contains(id) { cache.remove(UInt32(id)) }
    }

    /// Another instance permanently deleted `id` (its invalidation reached us through Redis).
    public func removed(_ id: UInt32) {
        cache.remove(id)
    }

    /// Loads the newest schemas so the first reads after a restart are hits.
    func warmUp(limit: Int, logger: Logger) async {
        defer { warmUp.finish() }
        guard limit > 0 else { return }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let ids = try await store.recentSchemaIDs(limit: limit)
            let chunks = stride(from: 0, to: ids.count, by: 1000).map { Array(ids[$0..<min($0 + 1000, ids.count)]) }
            var loaded = 0
            // The store reads chunk n + 1 (on its own thread) while this task encodes chunk n
            // into L1: the two halves of the work overlap instead of taking turns.
            let store = self.store
            var reading = chunks.first.map { chunk in Task { try await store.schemas(ids: chunk) } }
            for index in chunks.indices {
                let schemas = try await reading!.value
                reading =
                    index + 1 < chunks.count
                    ? Task { [next = chunks[index + 1]] in try await store.schemas(ids: next) } : nil
                for schema in schemas { cache.insert(schema) }
                warmUp.add(schemas.count)
                loaded += chunks[index].count
                if loaded % 20_000 == 0 {
                    logger.info("warm-up", metadata: ["loaded": "\(loaded)", "of": "\(ids.count)"])
                }
            }
            logger.info("warm-up done", metadata: ["schemas": "\(ids.count)", "took": "\(clock.now - started)"])
            #if os(Linux)
                // The warm-up read its schemas in chunks whose rows are garbage now: give the
                // freed memory back, so RSS is what L1 keeps (cache-bytes), not the peak.
                _ = glibcMallocTrim(0)
            #endif
        } catch {
            logger.warning("warm-up failed; serving cold", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Counters

    /// The counters as the "l1" cache tier (server info, metrics).
    public var tierStatistics: CacheTierStatistics { cache.tierStatistics }

    public var statistics: EncodedSchemaCache.Statistics { cache.statistics }
}

#if os(Linux)
    /// glibc's `malloc_trim` (in `<malloc.h>`, which the Glibc module does not export).
    @_silgen_name("malloc_trim")
    private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
