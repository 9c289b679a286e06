import NIOCore
import NIOEmbedded
import NIOTestUtils
import SRPWire
import Testing

@Suite("SRPFrameDecoder")
struct FrameDecoderTests {
    private static let limit = 4 * 1024 * 1024

    private func frameBytes(
        kind: FrameKind, flags: FrameFlags = [], code: UInt16 = 0, requestID: UInt32, body: [UInt8]
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeFrame(
            kind: kind, flags: flags, code: code, requestID: requestID, encodedBody: ByteBuffer(bytes: body))
        return buffer
    }

    private func frame(
        kind: FrameKind, flags: FrameFlags = [], code: UInt16 = 0, requestID: UInt32, body: [UInt8]
    ) -> SRPInbound {
        .frame(
            Frame(
                header: FrameHeader(
                    bodyLength: UInt32(body.count), kind: kind, flags: flags, code: code, requestID: requestID),
                body: ByteBuffer(bytes: body)))
    }

    @Test("ByteToMessageDecoderVerifier: whole, drip-fed and many-at-once")
    func verifier() throws {
        let schema = Array(#"{"type":"record","name":"User","fields":[{"name":"id","type":"long"}]}"#.utf8)
        let cases: [(kind: FrameKind, flags: FrameFlags, code: UInt16, id: UInt32, body: [UInt8])] = [
            (.request, [], 10, 7, [0x08, 0x2A]),
            (.response, [], 0, 7, [0x0A, UInt8(schema.count + 4), 0x08, 0x2A, 0x1A, UInt8(schema.count)] + schema),
            (.request, [], 3, 8, []),
            (.ping, [], 0, 1, [1, 2, 3, 4, 5, 6, 7, 8]),
            (.pong, [], 0, 1, [1, 2, 3, 4, 5, 6, 7, 8]),
            (.response, [], 40403, 9, [0x08, 0xD3, 0xBB, 0x02]),
            (.response, .lz4, 0, 10, [0, 0, 0, 3, 0x30, 0x61, 0x62, 0x63]),
            (.goAway, [], 16, 0xFFFF_FFFF, [0x08, 0x10]),
        ]
        let pairs = cases.map {
            (
                frameBytes(kind: $0.kind, flags: $0.flags, code: $0.code, requestID: $0.id, body: $0.body),
                [frame(kind: $0.kind, flags: $0.flags, code: $0.code, requestID: $0.id, body: $0.body)]
            )
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)
        }
    }

    @Test("byte-at-a-time: preface then frames, nothing decoded early")
    func byteAtATime() throws {
        var stream = ByteBuffer(bytes: SRPPreface.bytes)
        var first = frameBytes(kind: .request, code: 1, requestID: 1, body: [0x0A, 0x01, 0x01])
        var second = frameBytes(kind: .request, code: 10, requestID: 2, body: [0x08, 0x2A])
        stream.writeBuffer(&first)
        stream.writeBuffer(&second)

        var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: 16 * 1024)
        var buffer = ByteBuffer()
        var decoded: [(offset: Int, value: SRPInbound)] = []
        for (offset, byte) in stream.readableBytesView.enumerated() {
            buffer.writeInteger(byte)
            while let next = try decoder.decode(buffer: &buffer) { decoded.append((offset + 1, next)) }
        }
        #expect(decoded.map(\.offset) == [8, 8 + 15, 8 + 15 + 14])
        #expect(
            decoded.map(\.value) == [
                .preface(version: 1),
                frame(kind: .request, code: 1, requestID: 1, body: [0x0A, 0x01, 0x01]),
                frame(kind: .request, code: 10, requestID: 2, body: [0x08, 0x2A]),
            ])
        #expect(buffer.readableBytes == 0)
    }

    @Test("several frames in one buffer come out in order, a partial tail stays buffered")
    func manyInOneBuffer() throws {
        var buffer = ByteBuffer()
        for id in UInt32(1)...50 {
            var one = frameBytes(kind: .request, code: 10, requestID: id, body: [0x08, UInt8(id)])
            buffer.writeBuffer(&one)
        }
        var tail = frameBytes(kind: .request, code: 10, requestID: 51, body: [0x08, 51])
        buffer.writeBytes(tail.readBytes(length: 13)!)

        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)
        var ids: [UInt32] = []
        while case .frame(let frame)? = try decoder.decode(buffer: &buffer) {
            ids.append(frame.header.requestID)
            #expect(frame.body.readableArray == [0x08, UInt8(frame.header.requestID)])
        }
        #expect(ids == Array(1...50))
        #expect(buffer.readableBytes == 13)
        buffer.writeBuffer(&tail)
        guard case .frame(let last)? = try decoder.decode(buffer: &buffer) else {
            Issue.record("the completed tail frame did not decode")
            return
        }
        #expect(last.header.requestID == 51)
    }

    @Test("a frame cut short by EOF: decodeLast throws PROTOCOL_ERROR")
    func truncatedThenEOF() throws {
        let whole = frameBytes(kind: .request, code: 10, requestID: 7, body: [0x08, 0x2A])
        for cut in [1, 11, 12, 13] {
            var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)
            var buffer = whole.getSlice(at: 0, length: cut)!
            #expect(try decoder.decode(buffer: &buffer) == nil)
            let violation = try #require(throws: ProtocolViolation.self) {
                try decoder.decodeLast(buffer: &buffer, seenEOF: true)
            }
            #expect(violation.status == .protocolError)
        }
        // A clean EOF between frames is fine.
        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)
        var buffer = whole
        #expect(try decoder.decodeLast(buffer: &buffer, seenEOF: true) != nil)
        #expect(try decoder.decodeLast(buffer: &buffer, seenEOF: true) == nil)
    }

    @Test("a truncated frame then EOF through ByteToMessageHandler surfaces the error")
    func truncatedThroughHandler() throws {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)))
        var partial = frameBytes(kind: .request, code: 10, requestID: 7, body: [0x08, 0x2A])
        partial.moveWriterIndex(to: 13)
        try channel.writeInbound(partial)
        #expect(try channel.readInbound(as: SRPInbound.self) == nil)
        #expect(throws: ProtocolViolation.self) { try channel.finish() }
    }

    @Test("a lying length over the limit is rejected once the 12-byte header is in")
    func lyingLength() throws {
        let limit = 16 * 1024
        // "a gigabyte follows": only the header is ever sent.
        var header = ByteBuffer()
        header.writeFrameHeader(FrameHeader(bodyLength: 1 << 30, kind: .request, code: 1, requestID: 1))
        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: limit)
        var first11 = header.getSlice(at: 0, length: 11)!
        #expect(try decoder.decode(buffer: &first11) == nil, "11 bytes: still waiting for the header")
        var twelve = header
        let violation = try #require(throws: ProtocolViolation.self) { try decoder.decode(buffer: &twelve) }
        #expect(violation.status == .frameTooLarge)

        // Exactly at the limit is fine (plain: limit; LZ4: limit + its 4-byte prefix).
        for (flags, length) in [(FrameFlags(), limit), (FrameFlags.lz4, limit + 4)] {
            var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: limit)
            var buffer = ByteBuffer()
            buffer.writeFrameHeader(
                FrameHeader(bodyLength: UInt32(length), kind: .request, flags: flags, code: 10, requestID: 2))
            #expect(try decoder.decode(buffer: &buffer) == nil, "at the limit: waits for the body")
            buffer.writeRepeatingByte(0, count: length)
            #expect(try decoder.decode(buffer: &buffer) != nil)

            var over = ByteBuffer()
            over.writeFrameHeader(
                FrameHeader(bodyLength: UInt32(length + 1), kind: .request, flags: flags, code: 10, requestID: 3))
            let violation = try #require(throws: ProtocolViolation.self) { try decoder.decode(buffer: &over) }
            #expect(violation.status == .frameTooLarge)
        }
    }

    @Test("the maximum body limit can be raised after the handshake")
    func limitChange() throws {
        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 16 * 1024)
        decoder.maxBodyLength = 4 * 1024 * 1024
        var buffer = ByteBuffer()
        buffer.writeFrameHeader(FrameHeader(bodyLength: 100_000, kind: .response, requestID: 1))
        #expect(try decoder.decode(buffer: &buffer) == nil)
    }

    @Test("an HTTP request fails on its first byte 'G'")
    func prefaceFirstByte() throws {
        var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: 16 * 1024)
        var buffer = ByteBuffer(string: "G")
        let violation = try #require(throws: ProtocolViolation.self) { try decoder.decode(buffer: &buffer) }
        #expect(violation.status == .badPreface)
        #expect(violation.message.contains("SRP"))

        var tls = SRPFrameDecoder(expectPreface: true, maxBodyLength: 16 * 1024)
        var hello = ByteBuffer(bytes: [0x16])
        let tlsViolation = try #require(throws: ProtocolViolation.self) { try tls.decode(buffer: &hello) }
        #expect(tlsViolation.status == .badPreface)
        #expect(tlsViolation.message.contains("TLS"))
    }

    @Test("a preface prefix waits; a later wrong byte fails at that byte")
    func prefacePrefix() throws {
        for count in 1...7 {
            var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: 16 * 1024)
            var buffer = ByteBuffer(bytes: SRPPreface.bytes.prefix(count))
            #expect(try decoder.decode(buffer: &buffer) == nil, "\(count) bytes of the preface")
        }
        for position in 0..<SRPPreface.magic.count {
            var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: 16 * 1024)
            var bytes = Array(SRPPreface.magic.prefix(position + 1))
            bytes[position] ^= 0x20
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: ProtocolViolation.self, "wrong byte at \(position)") { try decoder.decode(buffer: &buffer) }
        }
    }

    @Test("the preface is read once, then frames follow in the same buffer")
    func prefaceThenFrame() throws {
        var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: 16 * 1024)
        var buffer = ByteBuffer(bytes: SRPPreface.bytes)
        var hello = frameBytes(kind: .request, code: 1, requestID: 1, body: [])
        buffer.writeBuffer(&hello)
        #expect(try decoder.decode(buffer: &buffer) == .preface(version: SRPPreface.version))
        #expect(try decoder.decode(buffer: &buffer) == frame(kind: .request, code: 1, requestID: 1, body: []))
        // A second preface is not a preface any more: 89 53 52 50 is a 2.3 GB length.
        var again = ByteBuffer(bytes: SRPPreface.bytes + [0, 0, 0, 0])
        #expect(throws: ProtocolViolation.self) { try decoder.decode(buffer: &again) }
    }

    @Test("every kind value outside 1...5 and every reserved flag bit is refused", arguments: 0...7)
    func reservedBits(bit: Int) throws {
        for rawKind in [0, 6, 7, 0x2F, 0xFF] {
            var buffer = ByteBuffer()
            buffer.writeMultipleIntegers(UInt32(0), UInt8(rawKind), UInt8(0), UInt16(0), UInt32(1))
            var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)
            let violation = try #require(throws: ProtocolViolation.self) { try decoder.decode(buffer: &buffer) }
            #expect(violation.status == .unknownKind)
        }
        let flag = UInt8(1) << bit
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt32(0), FrameKind.request.rawValue, flag, UInt16(10), UInt32(1))
        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: Self.limit)
        if FrameFlags(rawValue: flag).isSubset(of: .known) {
            #expect(try decoder.decode(buffer: &buffer) != nil)
        } else {
            let violation = try #require(throws: ProtocolViolation.self) { try decoder.decode(buffer: &buffer) }
            #expect(violation.status == .badFlags)
        }
    }
}
