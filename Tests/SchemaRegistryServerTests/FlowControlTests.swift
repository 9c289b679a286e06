import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite("Compression and flow control over real sockets")
struct FlowControlTests {
    @Test func lz4IsNegotiatedAndOnlyLargeBodiesAreCompressed() async throws {
        try await withServer { server in
            let client = server.client()
            let big = try await client.registerSchema(
                .with {
                    $0.subject = "big"
                    $0.schema = avroRecord("Big", fields: 80)
                })
            let small = try await client.registerSchema(
                .with {
                    $0.subject = "small"
                    $0.schema = #""string""#
                })
            #expect(try await client.handshake().compression == .lz4)
            // The client decompresses transparently.
            #expect(try await client.getSchemaById(.with { $0.id = big.id }).schema.schema.contains("f79_0"))
            await client.close()

            let raw = try RawConnection(port: server.port)
            let hello = try await raw.handshake(lz4: true)
            #expect(hello.compression == .lz4)
            raw.sendRequest(.getSchemaById, requestID: 1, Srp_GetSchemaByIdRequest.with { $0.id = big.id })
            let compressed = try #require(try await raw.readFrame())
            #expect(compressed.header.flags == .lz4)
            let plain = try compressed.decodedBody(maxSize: 1 << 22, lz4Allowed: true, allocator: .init())
            #expect(plain.readableBytes > compressed.body.readableBytes)
            raw.sendRequest(.getSchemaById, requestID: 2, Srp_GetSchemaByIdRequest.with { $0.id = small.id })
            let uncompressed = try #require(try await raw.readFrame())
            #expect(uncompressed.header.flags.isEmpty && uncompressed.header.requestID == 2)

            // A client that did not take LZ4 never gets it.
            let plainOnly = try RawConnection(port: server.port)
            #expect(try await plainOnly.handshake(lz4: false).compression == .none)
            plainOnly.sendRequest(.getSchemaById, requestID: 1, Srp_GetSchemaByIdRequest.with { $0.id = big.id })
            #expect(try #require(try await plainOnly.readFrame()).header.flags.isEmpty)

            // LZ4 request bodies are accepted when negotiated.
            let request = try Srp_GetSchemaByIdRequest.with { $0.id = big.id }.serializedBytes() as [UInt8]
            var padded = Srp_ListSubjectsRequest.with { $0.prefix = String(repeating: "b", count: 2000) }
            let body = try #require(
                LZ4Body.compress(ByteBuffer(bytes: try padded.serializedBytes() as [UInt8]), allocator: .init()))
            raw.sendFrame(
                flags: .lz4, code: SRPMethod.listSubjects.rawValue, requestID: 3, body: Array(body.readableBytesView))
            let listed = try #require(try await raw.readFrame())
            #expect(listed.header.code == 0 && listed.header.requestID == 3)
            padded.prefix = ""
            _ = request
        }
    }

    @Test func burstPastTheBucketIsThrottledWithRetryAfter() async throws {
        try await withServer({
            $0.connection.tokenRate = 2
            $0.connection.tokenBurst = 5
        }) { server in
            let raw = try RawConnection(port: server.port)
            let hello = try await raw.handshake()
            #expect(hello.tokenRate == 2 && hello.tokenBurst == 5)
            var burst = ByteBuffer()
            for id in 1...10 {
                let body = ByteBuffer(bytes: try Srp_PingRequest().serializedBytes() as [UInt8])
                burst.writeFrame(kind: .request, code: SRPMethod.ping.rawValue, requestID: UInt32(id), body: body)
            }
            raw.send(burst)
            var statuses: [UInt32: UInt16] = [:]
            var retryAfter: [UInt32: UInt32] = [:]
            for _ in 1...10 {
                let frame = try #require(try await raw.readFrame())
                statuses[frame.header.requestID] = frame.header.code
                if frame.header.code == StatusCode.throttled.rawValue {
                    retryAfter[frame.header.requestID] = try Srp_ErrorBody(
                        serializedBytes: Array(frame.body.readableBytesView)
                    ).retryAfterMs
                }
            }
            // The burst of 5 is admitted; the 6th finds the bucket empty and must wait ~1/rate.
            #expect((1...5).allSatisfy { statuses[UInt32($0)] == 0 })
            #expect(statuses[6] == StatusCode.throttled.rawValue)
            let advised = try #require(retryAfter[6])
            #expect(advised > 0 && advised <= 500)

            // The Swift client absorbs THROTTLED by waiting the advised time.
            let client = server.client()
            for _ in 0..<8 { _ = try await client.ping(.init()) }
            await client.close()
        }
    }

    @Test func pingFramesAreAnswered() async throws {
        try await withServer { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            raw.sendFrame(kind: .ping, code: 0, requestID: 77, body: [1, 2, 3])
            let pong = try #require(try await raw.readFrame())
            #expect(
                pong.header.kind == .pong && pong.header.requestID == 77
                    && Array(pong.body.readableBytesView) == [1, 2, 3])
        }
    }

    /// Shutdown: every connection gets GOAWAY SHUTTING_DOWN naming the last request it
    /// processes, answers already dispatched still arrive, then the connection closes.
    @Test func shutdownSendsGoAwayAndDrains() async throws {
        let server = try await TestServer.start()
        let raw = try RawConnection(port: server.port)
        _ = try await raw.handshake()
        raw.sendRequest(.ping, requestID: 41, Srp_PingRequest())
        let answered = try #require(try await raw.readFrame())
        #expect(answered.header.requestID == 41 && answered.header.code == 0)
        server.server.shutdown()
        let goAway = try #require(try await raw.readUntilClosed())
        #expect(goAway.header.code == StatusCode.shuttingDown.rawValue)
        #expect(goAway.header.requestID == 41)
        await server.stop()
    }

    /// At the in-flight cap the server stops reading instead of failing: 200 pipelined
    /// requests that each go to the store, with a cap of 2, are all answered OK.
    @Test func inFlightCapPausesReadingWithoutErrors() async throws {
        try await withServer({ $0.connection.maxInFlight = 2 }) { server in
            let raw = try RawConnection(port: server.port)
            #expect(try await raw.handshake().maxInFlight == 2)
            var burst = ByteBuffer()
            for id in 1...200 {
                let body = ByteBuffer(bytes: try Srp_ListSubjectsRequest().serializedBytes() as [UInt8])
                burst.writeFrame(
                    kind: .request, code: SRPMethod.listSubjects.rawValue, requestID: UInt32(id), body: body)
            }
            raw.send(burst)
            var answered = Set<UInt32>()
            for _ in 1...200 {
                let frame = try #require(try await raw.readFrame())
                #expect(
                    frame.header.code == 0, "request \(frame.header.requestID): \(RawConnection.errorMessage(frame))")
                answered.insert(frame.header.requestID)
            }
            #expect(answered == Set(1...200))
        }
    }

    @Test func idleConnectionGetsGoAway() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(300) }) { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.header.code == StatusCode.idleTimeout.rawValue)
        }
    }

    /// The idle timeout starts counting at HELLO_OK: before it, the handshake timeout governs,
    /// so a late HELLO is not cut off by a shorter idle timeout. (The sleep is only a lower
    /// bound: however late it ends, the idle timer has had its chance to fire.)
    @Test func theIdleTimeoutDoesNotCutOffALateHandshake() async throws {
        try await withServer({ $0.idleTimeout = .milliseconds(100) }) { server in
            let raw = try RawConnection(port: server.port)
            try await Task.sleep(for: .milliseconds(500))
            _ = try await raw.handshake()
            let goAway = try #require(try await raw.readUntilClosed())
            #expect(goAway.header.code == StatusCode.idleTimeout.rawValue)
        }
    }

    /// A client that pipelines thousands of large requests and reads nothing for a while:
    /// other clients are served meanwhile, and once it reads, every answer arrives. (That the
    /// server holds its reads while the socket is unwritable, so memory stays bounded, is by
    /// design; memory is measured by benchmarks, not asserted here.)
    @Test func clientThatDoesNotReadIsBackpressured() async throws {
        try await withServer { server in
            let client = server.client()
            let big = try await client.registerSchema(
                .with {
                    $0.subject = "big"
                    $0.schema = avroRecord("Big", fields: 200)
                })
            let raw = try RawConnection(port: server.port, receiveTimeoutSeconds: 20)
            _ = try await raw.handshake(lz4: false)
            var burst = ByteBuffer()
            let count = 5000
            for id in 1...count {
                let body = ByteBuffer(
                    bytes: try Srp_GetSchemaByIdRequest.with { $0.id = big.id }.serializedBytes() as [UInt8])
                burst.writeFrame(
                    kind: .request, code: SRPMethod.getSchemaById.rawValue, requestID: UInt32(id), body: body)
            }
            async let sent: Void = raw.sendInBackground(burst)
            try await Task.sleep(for: .milliseconds(300))
            // Meanwhile another client is served.
            #expect(try await client.getSchemaById(.with { $0.id = big.id }).schema.id == big.id)
            var answered = 0
            while answered < count, let frame = try await raw.readFrame() {
                #expect(frame.header.code == 0)
                answered += 1
            }
            try await sent
            #expect(answered == count)
            await client.close()
        }
    }
}
