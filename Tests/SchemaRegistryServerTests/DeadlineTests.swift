import CSQLite
import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import Testing

/// Per-request deadlines (the DEADLINE frame flag): real server, real SQLite, raw sockets.
@Suite struct DeadlineTests {
    /// Another process's write transaction on the database file, held until released: the
    /// server's own writes wait for it (SQLite's busy timeout), which makes a slow request
    /// without any sleep in the server. Blocking SQLite calls run on a thread of their own.
    final class DatabaseLock: @unchecked Sendable {
        private let released = DispatchSemaphore(value: 0)
        private let taken = DispatchSemaphore(value: 0)
        private let finished = DispatchSemaphore(value: 0)

        init(path: String) {
            Thread.detachNewThread { [self] in
                var handle: OpaquePointer?
                sqlite3_open(path, &handle)
                sqlite3_exec(handle, "BEGIN EXCLUSIVE", nil, nil, nil)
                taken.signal()
                released.wait()
                sqlite3_exec(handle, "COMMIT", nil, nil, nil)
                sqlite3_close(handle)
                finished.signal()
            }
            taken.wait()
        }

        func release() {
            released.signal()
            finished.wait()
        }
    }

    @Test func theServerAnswersDeadlineExceededWhenTheBudgetRunsOutAndTheWriteStillLands() async throws {
        try await withServer { server in
            let raw = try RawConnection(port: server.port, receiveTimeoutSeconds: 20)
            let hello = try await raw.handshake()
            #expect(hello.requestDeadlines)
            let lock = DatabaseLock(path: server.directory + "/registry.db")
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
            lock.release()
            // The write was not cut off: it completes once the lock is gone (its outcome was
            // unknown to the client, as the protocol says), and the late answer is never sent.
            let client = server.client()
            defer { Task { await client.close() } }
            var found = false
            for _ in 0..<200 where !found {
                found = (try? await client.listVersions(.with { $0.subject = "late" }))?.versions == [1]
                if !found { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(found)
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

    @Test func theSwiftClientSendsItsTimeoutAsTheDeadline() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let lock = DatabaseLock(path: server.directory + "/registry.db")
            do {
                _ = try await client.registerSchema(
                    .with {
                        $0.subject = "slow"
                        $0.schema = avroRecord("Slow")
                    }, options: CallOptions(timeout: .milliseconds(100), maxRetries: 0))
                Issue.record("a registration blocked by a lock answered within its 100 ms timeout")
            } catch let error as SchemaRegistryClientError {
                // Whichever comes first: the server's DEADLINE_EXCEEDED or the client's own timer.
                #expect(error.status == .deadlineExceeded || error.code == .deadlineExceeded, "\(error)")
            }
            lock.release()
            #expect(try await client.listSubjects(.init()).subjects.count <= 1)
        }
    }
}
