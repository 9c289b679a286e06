import Testing

@testable import SchemaRegistryCore

@Suite("Core")
struct CoreTests {
    @Test func fingerprintSeparatesTypeTextAndReferences() {
        let base = SchemaIdentity(type: .avro, canonicalText: #""string""#, references: [])
        var otherType = base
        otherType.type = .json
        var withReference = base
        withReference.references = [SchemaReference(name: "a", subject: "b", version: 1)]
        let fingerprints = Set([base, otherType, withReference].map(\.fingerprint))
        #expect(fingerprints.count == 3)
        #expect(
            base.fingerprint == SchemaIdentity(type: .avro, canonicalText: #""string""#, references: []).fingerprint)
        #expect(base.fingerprint.count == 16)
    }

    @Test func fnvMatchesKnownVectors() {
        // Published FNV-1a 64 test vectors.
        var empty = FNV1a64()
        #expect(empty.value == 0xcbf2_9ce4_8422_2325)
        empty.add("a")
        #expect(empty.value == 0xaf63_dc4c_8601_ec8c)
        var foobar = FNV1a64()
        foobar.add("foobar")
        #expect(foobar.value == 0x8594_4171_f739_67e8)
        // A string past the small-string size, with multi-byte scalars, hashes as its UTF-8 bytes.
        let long = String(repeating: "record é 👍 ", count: 40)
        var whole = FNV1a64()
        whole.add(long)
        var byByte = FNV1a64()
        for byte in Array(long.utf8) { byByte.add(byte) }
        #expect(whole.value == byByte.value)
    }

    @Test func levelsKnowTheirDirections() {
        #expect(CompatibilityLevel.full.checksBackward && CompatibilityLevel.full.checksForward)
        #expect(CompatibilityLevel.backwardTransitive.isTransitive && !CompatibilityLevel.backward.isTransitive)
        #expect(!CompatibilityLevel.none.checksBackward && !CompatibilityLevel.none.checksForward)
        #expect(SchemaType(name: "json") == .json && SchemaType(name: "xml") == nil)
    }

    @Test func pageTokensRoundTrip() {
        let position = SubjectVersion(subject: "a\u{0}b", version: 12)
        #expect(RegistryService.decodePageToken(RegistryService.encodePageToken(position)) == position)
        #expect(RegistryService.decodePageToken("garbage") == nil)
    }

    @Test func subjectsAreValidated() {
        #expect(throws: RegistryError.self) { try RegistryService.validateSubject("") }
        #expect(throws: RegistryError.self) { try RegistryService.validateSubject("a\nb") }
        #expect(throws: Never.self) { try RegistryService.validateSubject("orders-value") }
        // DEL and a C1 control (beyond ASCII, where the Unicode category decides) are refused too;
        // printable text beyond ASCII is a subject like any other.
        #expect(throws: RegistryError.self) { try RegistryService.validateSubject("a\u{7F}b") }
        #expect(throws: RegistryError.self) { try RegistryService.validateSubject("caf\u{E9}\u{85}") }
        #expect(throws: Never.self) { try RegistryService.validateSubject("caf\u{E9}-\u{1F600}") }
    }

    /// Holders of one key run one at a time and in arrival order; other keys do not wait.
    @Test func keyedLockSerialisesPerKey() async throws {
        let lock = KeyedAsyncLock()
        let log = Log()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await lock.withLock("k") {
                        await log.enter()
                        try await Task.sleep(for: .microseconds(200))
                        await log.leave(index)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await log.maximumConcurrent == 1)
        #expect(await log.finished.count == 50)
        let other = try await lock.withLock("other") { 42 }
        #expect(other == 42)
    }

    private actor Log {
        var current = 0
        var maximumConcurrent = 0
        var finished: [Int] = []

        func enter() {
            current += 1
            maximumConcurrent = max(maximumConcurrent, current)
        }

        func leave(_ index: Int) {
            current -= 1
            finished.append(index)
        }
    }

    /// The cache of compiled schemas stays within its bytes, dropping the least recently used.
    @Test func parsedSchemaCacheIsBoundedByBytesLeastRecentlyUsedFirst() {
        let cache = ParsedSchemaCache(capacityBytes: 100)
        func schema(_ bytes: Int) -> ParsedSchema {
            ParsedSchema(type: .json, canonicalText: String(repeating: "x", count: bytes), references: [])
        }
        for id in 1...4 { cache.insert(schema(20), id: SchemaID(id)) }
        #expect(cache.usage == (4, 80))
        _ = cache.parsed(id: 1)  // 1 is now the most recently used
        cache.insert(schema(30), id: 5)  // 110 > 100: the oldest go until <= 75
        #expect(cache.usage.bytes <= 75)
        #expect(cache.parsed(id: 1) != nil && cache.parsed(id: 5) != nil)
        #expect(cache.parsed(id: 2) == nil)
        cache.insert(schema(101), id: 6)  // larger than the whole cache: not kept
        #expect(cache.parsed(id: 6) == nil)
        cache.remove(ids: [1, 5])
        #expect(cache.parsed(id: 1) == nil && cache.parsed(id: 5) == nil)
    }

    /// Echoed input: control characters escaped, cut after the limit, the rest counted in source bytes.
    @Test func echoedTextEscapesAndCountsWhatItCut() {
        #expect(EchoedText.quote("a\nb") == "a\\nb")
        #expect(EchoedText.quote("\u{1B}\u{1B}\u{1B}x", limit: 2) == "\\u{1B}\\u{1B}… (2 more bytes)")
        #expect(EchoedText.message("fine") == "fine")
        #expect(EchoedText.message(String(repeating: "é", count: 10), limit: 4) == "éééé… (12 more bytes)")
    }

}
