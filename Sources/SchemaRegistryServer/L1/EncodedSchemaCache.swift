import NIOCore
import SRPWire
import SchemaRegistryCore
import Synchronization

/// The storage of L1 (``SchemaTier`` owns it): encoded `GetSchemaByIdResponse` bodies by
/// schema id, plain and LZ4, bounded by bytes.
///
/// Schemas never change once registered, so an id's bytes never need invalidation: an
/// entry is encoded (and compressed) once, when the schema enters the cache, and every hit
/// after that only copies bytes into the outbound buffer. Eviction is first-in-first-out,
/// which needs no bookkeeping on the hit path (hits only take the lock and read).
public final class EncodedSchemaCache: Sendable {
    /// One schema's response body in both wire forms.
    ///
    /// The SRP forms are arrays of exactly their size: a `ByteBuffer` rounds its capacity up to a
    /// power of two (a 1.1 KiB answer took 2 KiB, and its LZ4 form the 2 KiB of LZ4's worst-case
    /// bound however small it came out), so L1 held up to twice what `cache-bytes` said.
    public struct Entry: Sendable {
        /// The serialized `GetSchemaByIdResponse`.
        public var plain: [UInt8]
        /// `[u32 length][LZ4 block]` of `plain`, when it saves at least a quarter of the bytes.
        public var lz4: [UInt8]?
        /// The REST API's `GET /schemas/ids/{id}` body (Confluent's `SchemaString`), built on
        /// the first REST read of the id (``EncodedSchemaCache/attachJSON(_:_:)``), so that a
        /// registry used only over SRP pays nothing for it.
        public var json: ByteBuffer?

        /// What the entry occupies: its allocations' sizes (not just the bytes in use) and the
        /// bookkeeping around them (array and buffer headers, malloc's headers, the dictionary
        /// slot, the insertion-order slot), so `cache-bytes` bounds memory, not payload.
        var cost: Int { plain.capacity + (lz4?.capacity ?? 0) + (json?.capacity ?? 0) + Self.overhead }

        static let overhead = 192
    }

    private struct State {
        var entries: [UInt32: Entry] = [:]
        var insertionOrder: [UInt32] = []
        var oldest = 0
        var bytes = 0
        var hits = 0
        var misses = 0
    }

    public let capacityBytes: Int
    private let compressionThreshold: Int
    private let state = Mutex(State())

    /// Public for benches/micro, which times a hit on its own; the server builds its cache
    /// through ``SchemaTier``.
    public init(capacityBytes: Int, compressionThreshold: Int) {
        self.capacityBytes = capacityBytes
        self.compressionThreshold = compressionThreshold
    }

    /// The encoded response for `id`, if cached.
    public func entry(for id: UInt32) -> Entry? {
        state.withLock { state in
            if let entry = state.entries[id] {
                state.hits += 1
                return entry
            }
            state.misses += 1
            return nil
        }
    }

    /// Whether `id` is cached, without counting a hit or a miss.
    func contains(_ id: UInt32) -> Bool {
        state.withLock { $0.entries[id] != nil }
    }

    /// Encodes `schema` once and caches it; returns the entry.
    @discardableResult
    public func insert(_ schema: StoredSchema) -> Entry {
        let entry = Self.encode(schema, compressionThreshold: compressionThreshold)
        store(UInt32(schema.id), entry)
        return entry
    }

    private func store(_ id: UInt32, _ entry: Entry) {
        guard entry.cost <= capacityBytes else { return }
        state.withLock { state in
            guard state.entries[id] == nil else { return }
            state.entries[id] = entry
            state.insertionOrder.append(id)
            state.bytes += entry.cost
            evictOverCapacity(&state)
        }
    }

    /// Adds the REST form to a cached entry (no-op when it left L1 or has one already).
    func attachJSON(_ id: UInt32, _ json: ByteBuffer) {
        state.withLock { state in
            guard state.entries[id]?.json == nil, state.entries[id] != nil else { return }
            state.entries[id]!.json = json
            state.bytes += json.capacity
            evictOverCapacity(&state)
        }
    }

    private func evictOverCapacity(_ state: inout State) {
        while state.bytes > capacityBytes, state.oldest < state.insertionOrder.count {
            let victim = state.insertionOrder[state.oldest]
            state.oldest += 1
            if let removed = state.entries.removeValue(forKey: victim) { state.bytes -= removed.cost }
        }
        // Compact the order list once most of it is evicted ids.
        if state.oldest > 4096, state.oldest * 2 > state.insertionOrder.count {
            state.insertionOrder.removeFirst(state.oldest)
            state.oldest = 0
        }
    }

    /// Drops an id (after a permanent delete removed its schema).
    func remove(_ id: UInt32) {
        state.withLock { state in
            if let removed = state.entries.removeValue(forKey: id) { state.bytes -= removed.cost }
        }
    }

    public struct Statistics: Sendable, Hashable {
        public var entries: Int
        public var bytes: Int
        public var hits: Int
        public var misses: Int
    }

    /// The counters as the "l1" cache tier (server info, metrics).
    public var tierStatistics: CacheTierStatistics {
        let l1 = statistics
        return CacheTierStatistics(tier: "l1", hits: l1.hits, misses: l1.misses, entries: l1.entries, bytes: l1.bytes)
    }

    public var statistics: Statistics {
        state.withLock { Statistics(entries: $0.entries.count, bytes: $0.bytes, hits: $0.hits, misses: $0.misses) }
    }

    static func encode(_ schema: StoredSchema, compressionThreshold: Int) -> Entry {
        let message = Srp_GetSchemaByIdResponse.with { $0.schema = ProtoMapping.schema(schema) }
        let plain: [UInt8] = (try? message.serializedBytes()) ?? []
        var lz4 =
            plain.count >= compressionThreshold
            ? LZ4Body.compress(ByteBuffer(bytes: plain), allocator: .init()).map { Array($0.readableBytesView) } : nil
        // Both forms stay in memory for as long as the entry does: a form that saves less than
        // a quarter of the bytes costs more memory than it saves on the wire (random-looking
        // text, e.g. long docs or enum symbols, shrinks by 5-15%; typical schema JSON by 2-4x).
        if let compressed = lz4, compressed.count * 4 > plain.count * 3 { lz4 = nil }
        return Entry(plain: plain, lz4: lz4)
    }
}
