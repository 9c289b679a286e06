import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// Each kind of bad input gets a precise error, and the server keeps serving a
/// well-behaved client connected beside it.
@Suite("Bad input")
struct BadInputTests {
    private func expectGoAway(_ raw: RawConnection, _ status: StatusCode, containing text: String) async throws {
        let goAway = try #require(try await raw.readUntilClosed(), "expected GOAWAY before close")
        #expect(goAway.header.code == status.rawValue)
        #expect(RawConnection.errorMessage(goAway).contains(text), "\(RawConnection.errorMessage(goAway))")
    }

    /// Runs `attack` while a healthy client keeps working. The bystander's own handshake must
    /// beat `handshakeTimeout` however loaded the machine is: only the test of that timeout
    /// shortens it, and then to a margin (3 s) a loaded machine keeps.
    private func withBystander(
        handshakeTimeout: Duration = .seconds(10), _ attack: (TestServer) async throws -> Void
    ) async throws {
        try await withServer({ $0.handshakeTimeout = handshakeTimeout }) { server in
            let bystander = server.client()
            let id = try await bystander.registerSchema(
                .with {
                    $0.subject = "bystander"
                    $0.schema = avroRecord("Bystander")
                }
            ).id
            try await attack(server)
            #expect(try await bystander.getSchemaById(.with { $0.id = id }).schema.id == id)
            await bystander.close()
        }
    }

    @Test func httpRequestInsteadOfPreface() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            try await expectGoAway(raw, .badPreface, containing: "HTTP")
        }
    }

    @Test func lengthOverTheLimit() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            var header = ByteBuffer()
            header.writeFrameHeader(FrameHeader(bodyLength: 1 << 30, kind: .request, code: 10, requestID: 1))
            raw.send(header)
            try await expectGoAway(raw, .frameTooLarge, containing: "exceeds the limit")
        }
    }

    @Test func largeFrameBeforeHandshakeIsRefused() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            raw.send(SRPPreface.bytes)
            var header = ByteBuffer()
            header.writeFrameHeader(FrameHeader(bodyLength: 100_000, kind: .request, code: 1, requestID: 0))
            raw.send(header)
            try await expectGoAway(raw, .frameTooLarge, containing: "16384")
        }
    }

    @Test func truncatedFrameThenClose() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            var header = ByteBuffer()
            header.writeFrameHeader(FrameHeader(bodyLength: 100, kind: .request, code: 10, requestID: 1))
            header.writeBytes([0x08, 0x01])
            raw.send(header)
            // Closing mid-frame just ends the connection; the bystander check proves the server lives on.
        }
    }

    @Test func reservedFlagBits() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            raw.sendFrame(flags: FrameFlags(rawValue: 0x80), code: 2, requestID: 1, body: [])
            try await expectGoAway(raw, .badFlags, containing: "reserved flag bits")
        }
    }

    @Test func unknownFrameKind() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            var frame = ByteBuffer()
            frame.writeMultipleIntegers(UInt32(0), UInt8(42), UInt8(0), UInt16(0), UInt32(1))
            raw.send(frame)
            try await expectGoAway(raw, .unknownKind, containing: "42")
        }
    }

    @Test func unknownMethodKeepsTheConnection() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            raw.sendFrame(code: 999, requestID: 5, body: [])
            let answer = try #require(try await raw.readFrame())
            #expect(answer.header.code == StatusCode.unknownMethod.rawValue && answer.header.requestID == 5)
            #expect(RawConnection.errorMessage(answer).contains("999"))
            raw.sendRequest(.ping, requestID: 6, Srp_PingRequest())
            #expect(try #require(try await raw.readFrame()).header.code == 0)
        }
    }

    @Test func garbageProtobuf() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            raw.sendFrame(code: SRPMethod.registerSchema.rawValue, requestID: 9, body: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
            let answer = try #require(try await raw.readFrame())
            #expect(answer.header.code == StatusCode.malformedRequest.rawValue && answer.header.requestID == 9)
            #expect(RawConnection.errorMessage(answer).contains("srp.RegisterSchemaRequest"))
        }
    }

    @Test func lz4WithLyingOrExcessiveDeclaredSize() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake(lz4: true)
            let compressed = try #require(
                LZ4Body.compress(
                    ByteBuffer(bytes: Array(repeating: UInt8(ascii: "a"), count: 4000)), allocator: .init()))
            var lying = compressed
            lying.setInteger(UInt32(5000), at: lying.readerIndex)  // the block really holds 4000
            raw.sendFrame(
                flags: .lz4, code: SRPMethod.ping.rawValue, requestID: 1, body: Array(lying.readableBytesView))
            let first = try #require(try await raw.readFrame())
            #expect(first.header.code == StatusCode.badCompression.rawValue)
            #expect(RawConnection.errorMessage(first).contains("declared 5000"))

            var bomb = ByteBuffer()
            bomb.writeInteger(UInt32(1 << 30))
            bomb.writeBytes([0x1F, 0x61, 0x01, 0x00])
            raw.sendFrame(flags: .lz4, code: SRPMethod.ping.rawValue, requestID: 2, body: Array(bomb.readableBytesView))
            let second = try #require(try await raw.readFrame())
            #expect(second.header.code == StatusCode.badCompression.rawValue)
            #expect(RawConnection.errorMessage(second).contains("over the limit"))

            // The connection is still good.
            raw.sendRequest(.ping, requestID: 3, Srp_PingRequest())
            #expect(try #require(try await raw.readFrame()).header.code == 0)
        }
    }

    @Test func lz4WithoutNegotiation() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake(lz4: false)
            raw.sendFrame(flags: .lz4, code: SRPMethod.ping.rawValue, requestID: 1, body: [0, 0, 0, 1, 0x10, 0x61])
            let answer = try #require(try await raw.readFrame())
            #expect(answer.header.code == StatusCode.badCompression.rawValue)
            #expect(RawConnection.errorMessage(answer).contains("not negotiated"))
        }
    }

    /// Input quoted back in an error is bounded and has its control characters escaped: a 1 MiB
    /// subject full of terminal escapes makes a short, printable message.
    @Test func echoedInputIsBoundedAndEscaped() async throws {
        try await withBystander { server in
            let client = server.client()
            let subject = "\u{1B}[2J\u{1B}]0;pwned\u{7}" + String(repeating: "x", count: 1 << 20)
            let error = await #expect(throws: SchemaRegistryClientError.self) {
                _ = try await client.registerSchema(
                    .with {
                        $0.subject = subject
                        $0.schema = avroRecord("Echo")
                    })
            }
            let message = error?.message ?? ""
            #expect(error?.registryErrorCode == 42208)
            #expect(message.utf8.count < 1024, "\(message.utf8.count) bytes")
            #expect(!message.unicodeScalars.contains { $0.properties.generalCategory == .control })
            #expect(message.contains("\\u{1B}[2J"), "\(message.prefix(80))")
            await client.close()
        }
    }

    @Test func requestBeforeHandshake() async throws {
        try await withBystander { server in
            let raw = try RawConnection(port: server.port)
            raw.send(SRPPreface.bytes)
            raw.sendRequest(.getSchemaById, requestID: 1, Srp_GetSchemaByIdRequest.with { $0.id = 1 })
            try await expectGoAway(raw, .handshakeRequired, containing: "HELLO")
        }
    }

    @Test func silentClientHitsTheHandshakeTimeout() async throws {
        try await withBystander(handshakeTimeout: .seconds(3)) { server in
            let raw = try RawConnection(port: server.port)
            try await expectGoAway(raw, .handshakeTimeout, containing: "handshake")
        }
    }
}
