import SchemaRegistryCore
import Testing

@testable import SchemaRegistryServer

/// What L1 holds is what `cache-bytes` says it holds: entries in allocations of their own size
/// (not a power of two above it), each counted with its bookkeeping, and never more than the
/// bound in total.
@Suite struct L1MemoryTests {
    /// A ~1.1 KiB Avro schema of random letters (LZ4 gains little on it) or of repeated fields
    /// (LZ4 shrinks it a lot).
    private func schema(_ id: Int, compressible: Bool) -> StoredSchema {
        var generator = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let fields = (0..<12).map { index in
            let doc =
                compressible
                ? String(repeating: "same text ", count: 8)
                : String((0..<72).map { _ in letters.randomElement(using: &generator)! })
            return #"{"name":"f\#(index)","type":"string","doc":"\#(doc)"}"#
        }
        let text = #"{"type":"record","name":"R\#(id)","fields":[\#(fields.joined(separator: ","))]}"#
        return StoredSchema(id: SchemaID(id), type: .avro, text: text, references: [])
    }

    @Test(arguments: [false, true])
    func entriesAreExactlySized(compressible: Bool) throws {
        let cache = EncodedSchemaCache(capacityBytes: 1 << 20, compressionThreshold: 512)
        let entry = cache.insert(schema(1, compressible: compressible))
        #expect(entry.plain.count > 1000)
        // An array's capacity is its count rounded up by malloc's granularity at most; a
        // ByteBuffer's was the next power of two (2,048 here).
        #expect(entry.plain.capacity - entry.plain.count < 64, "\(entry.plain.capacity) for \(entry.plain.count)")
        if compressible {
            let lz4 = try #require(entry.lz4)
            #expect(lz4.count < entry.plain.count / 2)
            #expect(lz4.capacity - lz4.count < 64, "\(lz4.capacity) for \(lz4.count)")
        } else {
            // Random letters shrink by a few percent: not worth a second copy in memory.
            #expect(entry.lz4 == nil)
        }
        #expect(cache.statistics.bytes == entry.cost)
        #expect(entry.cost >= entry.plain.capacity + (entry.lz4?.capacity ?? 0) + EncodedSchemaCache.Entry.overhead)
    }

    @Test func theBoundHoldsAsEntriesArrive() {
        let capacity = 100 * 1024
        let cache = EncodedSchemaCache(capacityBytes: capacity, compressionThreshold: 512)
        var costs = 0
        for id in 1...500 {
            costs += cache.insert(schema(id, compressible: id.isMultiple(of: 2))).cost
            #expect(cache.statistics.bytes <= capacity)
        }
        let statistics = cache.statistics
        // First in, first out: the newest entries stay, filling the bound but for one entry.
        #expect(statistics.bytes > capacity - 2 * 1500)
        #expect(cache.contains(500))
        #expect(!cache.contains(1))
        #expect(statistics.entries < 500)
        #expect(costs > capacity)
    }
}
