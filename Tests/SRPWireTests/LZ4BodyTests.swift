import NIOCore
import SRPWire
import Testing

@Suite("LZ4 bodies")
struct LZ4BodyTests {
    private let allocator = ByteBufferAllocator()
    private static let maxBody = 4 * 1024 * 1024

    @Test("round trip of JSON Schema text", arguments: [100, 1024, 10 * 1024, 100 * 1024])
    func roundTrip(size: Int) throws {
        let text = SampleSchemas.jsonSchema(bytes: size)
        #expect(text.utf8.count == size)
        let plain = ByteBuffer(string: text)
        guard let compressed = LZ4Body.compress(plain, allocator: allocator) else {
            // Only tiny bodies may fail to pay for the 4-byte prefix.
            #expect(size < CompressionPolicy.defaultThreshold, "\(size) bytes of JSON did not compress")
            return
        }
        #expect(compressed.readableBytes < size)
        #expect(compressed.getInteger(at: compressed.readerIndex, as: UInt32.self) == UInt32(size), "big-endian length")
        let back = try LZ4Body.decompress(compressed, maxSize: Self.maxBody, allocator: allocator)
        #expect(back == plain)
    }

    @Test("a 10 KiB JSON Schema compresses at least 3x")
    func ratio() throws {
        // Measured with liblz4 1.9.4 (LZ4_compress_default): 10240 -> 3201 bytes with the
        // 4-byte prefix, 3.2x. Schema text repeats its keywords ("type", "description",
        // "properties", formats); the free-text descriptions are what keeps it from more.
        let plain = ByteBuffer(string: SampleSchemas.jsonSchema(bytes: 10 * 1024))
        let compressed = try #require(LZ4Body.compress(plain, allocator: allocator))
        let ratio = Double(plain.readableBytes) / Double(compressed.readableBytes)
        #expect(ratio >= 3, "ratio \(ratio): \(plain.readableBytes) -> \(compressed.readableBytes)")
    }

    @Test("incompressible input: compress returns nil", arguments: [16, 600, 64 * 1024])
    func incompressible(size: Int) {
        var generator = SplitMix64(seed: UInt64(size))
        var random = ByteBuffer()
        for _ in 0..<size { random.writeInteger(UInt8(truncatingIfNeeded: generator.next())) }
        #expect(LZ4Body.compress(random, allocator: allocator) == nil)
        #expect(LZ4Body.compress(ByteBuffer(), allocator: allocator) == nil, "empty input")
    }

    @Test("the writer sends bodies under the threshold or incompressible ones plain")
    func writerPolicy() throws {
        let policy = CompressionPolicy(lz4: true, threshold: CompressionPolicy.defaultThreshold)
        let small = ByteBuffer(string: String(repeating: "a", count: 511))
        let large = ByteBuffer(string: String(repeating: "a", count: 512))
        for (body, compressed) in [(small, false), (large, true)] {
            var out = ByteBuffer()
            out.writeFrame(kind: .response, code: 0, requestID: 1, body: body, compression: policy)
            var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.maxBody)
            guard case .frame(let frame)? = try decoder.decode(buffer: &out) else {
                Issue.record("no frame")
                continue
            }
            #expect(frame.header.flags.contains(.lz4) == compressed)
            #expect(try frame.decodedBody(maxSize: Self.maxBody, lz4Allowed: true, allocator: allocator) == body)
        }
        var plain = ByteBuffer()
        plain.writeFrame(kind: .response, code: 0, requestID: 1, body: large, compression: .none)
        #expect(plain.getInteger(at: 5, as: UInt8.self) == 0, "not negotiated: never compressed")
    }

    @Test("a bomb declaring 1 GiB is refused from its 4-byte prefix, before any allocation")
    func bomb() throws {
        let block = try #require(LZ4Body.compress(ByteBuffer(repeating: 0, count: 4096), allocator: allocator))
        var bomb = ByteBuffer()
        bomb.writeInteger(UInt32(1 << 30))
        bomb.writeBytes(block.readableBytesView.dropFirst(4))

        // Against the frame limit.
        let overLimit = try #require(throws: ProtocolViolation.self) {
            try LZ4Body.decompress(bomb, maxSize: Self.maxBody, allocator: allocator)
        }
        #expect(overLimit.status == .badCompression)
        #expect(overLimit.message.contains("over the limit"))

        // Even with no frame limit, the 255:1 bound refuses it: the message proves the guard
        // that runs before the output buffer is allocated is the one that fired.
        let beyondRatio = try #require(throws: ProtocolViolation.self) {
            try LZ4Body.decompress(bomb, maxSize: Int(UInt32.max), allocator: allocator)
        }
        #expect(beyondRatio.status == .badCompression)
        #expect(beyondRatio.message.contains("255:1"))
    }

    @Test("the 255:1 bound admits the best real LZ4 ratio: 4 MiB of zeros")
    func ratioBoundIsNotTooTight() throws {
        let zeros = ByteBuffer(repeating: 0, count: Self.maxBody)
        let compressed = try #require(LZ4Body.compress(zeros, allocator: allocator))
        // liblz4 1.9.4: 4194304 -> 16459-byte block, 254.8:1.
        #expect(compressed.readableBytes - 4 < Self.maxBody / 250)
        #expect(try LZ4Body.decompress(compressed, maxSize: Self.maxBody, allocator: allocator) == zeros)
    }

    @Test("a truncated block is refused")
    func truncated() throws {
        let plain = ByteBuffer(string: SampleSchemas.jsonSchema(bytes: 10 * 1024))
        let compressed = try #require(LZ4Body.compress(plain, allocator: allocator))
        for cut in [1, 5, compressed.readableBytes / 2] {
            let short = compressed.getSlice(at: compressed.readerIndex, length: compressed.readableBytes - cut)!
            let violation = try #require(throws: ProtocolViolation.self) {
                try LZ4Body.decompress(short, maxSize: Self.maxBody, allocator: allocator)
            }
            #expect(violation.status == .badCompression)
        }
    }

    @Test("the block must decode to exactly the declared size")
    func declaredSizeMismatch() throws {
        let plain = ByteBuffer(string: SampleSchemas.jsonSchema(bytes: 2048))
        let compressed = try #require(LZ4Body.compress(plain, allocator: allocator))
        for delta in [-1, 1, -100, 100] {
            var lying = compressed
            lying.setInteger(UInt32(2048 + delta), at: lying.readerIndex)
            let violation = try #require(throws: ProtocolViolation.self) {
                try LZ4Body.decompress(lying, maxSize: Self.maxBody, allocator: allocator)
            }
            #expect(violation.status == .badCompression, "declared 2048\(delta > 0 ? "+" : "")\(delta)")
        }
    }

    @Test("a body too short for its length prefix is refused")
    func noPrefix() throws {
        for length in 0..<4 {
            let violation = try #require(throws: ProtocolViolation.self) {
                try LZ4Body.decompress(
                    ByteBuffer(repeating: 0, count: length), maxSize: Self.maxBody, allocator: allocator)
            }
            #expect(violation.status == .badCompression)
        }
    }

    @Test("declared size 0 with the empty block (a single 00 byte) decodes to nothing")
    func emptyBlock() throws {
        let body = ByteBuffer(bytes: [0, 0, 0, 0, 0x00])
        #expect(try LZ4Body.decompress(body, maxSize: Self.maxBody, allocator: allocator).readableBytes == 0)
    }

    @Test(
        "declared size 0 with a block that is not the empty block is refused"
    )
    func zeroDeclaredGarbage() throws {
        for block: [UInt8] in [[], [0x40, 1, 2, 3, 4], [0x10, 0x61]] {
            let violation = try #require(throws: ProtocolViolation.self) {
                try LZ4Body.decompress(
                    ByteBuffer(bytes: [0, 0, 0, 0] + block), maxSize: Self.maxBody, allocator: allocator)
            }
            #expect(violation.status == .badCompression)
        }
    }

    @Test("an LZ4 frame on a connection that did not negotiate LZ4 is refused")
    func notNegotiated() throws {
        let plain = ByteBuffer(string: SampleSchemas.jsonSchema(bytes: 1024))
        let compressed = try #require(LZ4Body.compress(plain, allocator: allocator))
        let frame = Frame(
            header: FrameHeader(
                bodyLength: UInt32(compressed.readableBytes), kind: .request, flags: .lz4, code: 20, requestID: 1),
            body: compressed)
        let violation = try #require(throws: ProtocolViolation.self) {
            try frame.decodedBody(maxSize: Self.maxBody, lz4Allowed: false, allocator: allocator)
        }
        #expect(violation.status == .badCompression)
        #expect(try frame.decodedBody(maxSize: Self.maxBody, lz4Allowed: true, allocator: allocator) == plain)
    }
}

/// Realistic schema text of an exact size, deterministic across runs.
enum SampleSchemas {
    private static let names = [
        "orderId", "customerId", "createdAt", "updatedAt", "currency", "amount", "status", "email", "phone",
        "firstName", "lastName", "street", "city", "postalCode", "country", "sku", "quantity", "unitPrice",
        "discount", "taxRate", "warehouse", "carrier", "trackingNumber", "deliveredAt", "notes", "channel",
        "campaign", "referrer", "locale", "timezone", "loyaltyTier", "paymentMethod", "cardLast4", "refundId",
    ]
    private static let kinds = [
        #"{"type": "string", "format": "uuid""#,
        #"{"type": "string", "format": "date-time""#,
        #"{"type": "string", "maxLength": 256"#,
        #"{"type": "integer", "minimum": 0"#,
        #"{"type": "number", "minimum": 0, "maximum": 1000000"#,
        #"{"type": "boolean""#,
        #"{"type": "string", "enum": ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]"#,
        #"{"type": "string", "pattern": "^[A-Z]{3}$""#,
    ]
    private static let words = [
        "the", "order", "customer", "when", "was", "placed", "in", "ISO", "format", "unique", "identifier",
        "of", "amount", "currency", "code", "shipping", "address", "line", "optional", "set", "by", "payment",
        "provider", "once", "captured", "used", "for", "fraud", "checks", "and", "reporting",
    ]

    /// A JSON Schema object of exactly `bytes` UTF-8 bytes (padded inside the last description).
    static func jsonSchema(bytes: Int) -> String {
        var generator = SplitMix64(seed: 42)
        let head = #"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"#
        let tail = "}}"
        var properties: [String] = []
        var size = head.utf8.count + tail.utf8.count
        var index = 0
        while true {
            let name = names[index % names.count] + (index >= names.count ? "\(index / names.count)" : "")
            let kind = kinds[Int(generator.next() % UInt64(kinds.count))]
            let description = (0..<(4 + Int(generator.next() % 8))).map { _ in
                words[Int(generator.next() % UInt64(words.count))]
            }.joined(separator: " ")
            let property = #""\#(name)": \#(kind), "description": "\#(description)"}"#
            let added = property.utf8.count + (properties.isEmpty ? 0 : 2)
            if size + added > bytes { break }
            properties.append(property)
            size += added
            index += 1
        }
        var text = head + properties.joined(separator: ", ") + tail
        // Pad to the exact size with spaces before the closing braces.
        let missing = bytes - text.utf8.count
        if missing > 0 {
            text = String(text.dropLast(tail.count)) + String(repeating: " ", count: missing) + tail
        }
        return text
    }
}

/// A tiny deterministic PRNG for test data.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
