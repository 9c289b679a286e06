import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// Per-request deadlines (the DEADLINE frame flag): real server, raw sockets.
@Suite struct DeadlineTests {
    @Test func theServerAnswersDeadlineExceededWhenTheBudgetRunsOutAndTheWriteStillLands() async throws {
        // The store holds the registration's write until the test opens the gate: a slow
        // request on purpose, without a lock on a real database or a sleep in the server.
        let gate = StoreGate(holding: [.register])
        try await withServer(store: GatedStore(InMemoryStore(), gate: gate)) { server in
            let raw = try RawConnection(port: server.port, receiveTimeoutSeconds: 20)
            let hello = try await raw.handshake()
            #expect(hello.requestDeadlines)
            let request = Srp_RegisterSchemaRequest.with {
                $0.subject = "late"
                $0.schema = avroRecord("Late")
            }
            var frame = ByteBuffer()
            frame.writeRequest(
                method: SRPMethod.registerSchema.rawValue, requestID: 7,
                body: ByteBuffer(bytes: try request.serializedBytes() as [UInt8]), deadlineMilliseconds: 100)
            raw.send(frame)
            let answer = try #require(try await raw.readFrame())
            #expect(answer.header.requestID == 7 && answer.header.code == StatusCode.deadlineExceeded.rawValue)
            #expect(RawConnection.errorMessage(answer).contains("deadline of 100 ms"))
            // The write reached the store and waits there (the deadline did not stop it).
            #expect(await gate.waitUntilHeld())
            gate.open()
            // The write was not cut off: it completes once the gate opens (its outcome was
            // unknown to the client, as the protocol says), and the late answer is never sent.
            let client = server.client()
            defer { Task { await client.close() } }
            #expect(
                await eventually {
                    (try? await client.listVersions(.with { $0.subject = "late" }))?.versions == [1]
                })
            // The connection goes on; a request with a generous deadline is answered normally.
            var next = ByteBuffer()
            next.writeRequest(
                method: SRPMethod.listSubjects.rawValue, requestID: 8,
                body: ByteBuffer(bytes: try Srp_ListSubjectsRequest().serializedBytes() as [UInt8]),
                deadlineMilliseconds: 10_000)
            raw.send(next)
            let listed = try #require(try await raw.readFrame())
            #expect(listed.header.requestID == 8 && listed.header.code == 0)
        }
    }

    @Test func aDeadlineFlagWithoutItsFourBytesIsAMalformedRequest() async throws {
        try await withServer { server in
            let raw = try RawConnection(port: server.port)
            _ = try await raw.handshake()
            raw.sendFrame(flags: .deadline, code: SRPMethod.listSubjects.rawValue, requestID: 3, body: [0, 1])
            let answer = try #require(try await raw.readFrame())
            #expect(answer.header.requestID == 3 && answer.header.code == StatusCode.malformedRequest.rawValue)
        }
    }
}
