import CSQLite
import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import TestSupport
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

    /// What the Swift client puts on the wire, seen by a scripted peer on a real socket: a
    /// call with a timeout carries what is left of it as the DEADLINE budget once HELLO_OK announced support,
    /// and the body after the budget is the plain request. (Against the real server the
    /// client's own timer and the server's answer race, so that could not tell.)
    @Test func theSwiftClientSendsItsTimeoutAsTheDeadline() async throws {
        let (listener, port) = try boundLoopbackSocket()
        defer { close(listener) }
        #expect(listen(listener, 1) == 0)
        let seen = Task { try await ScriptedPeer.firstRequest(on: listener) }
        var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
        configuration.compression = false
        let client = SchemaRegistryClient(configuration: configuration)
        defer { Task { await client.close() } }
        _ = try await client.listVersions(
            .with { $0.subject = "orders" }, options: CallOptions(timeout: .milliseconds(1234), maxRetries: 0))
        let frame = try await seen.value
        #expect(frame.header.flags == .deadline)
        var body = frame.body
        // What is left of the call's 1234 ms when the request is written (connecting took some).
        let budget = body.readInteger(as: UInt32.self)
        #expect(budget.map { (1...1234).contains($0) } == true, "budget \(String(describing: budget))")
        #expect(try Srp_ListVersionsRequest(serializedBytes: Array(body.readableBytesView)).subject == "orders")
    }
}

/// A one-connection SRP "server" on a blocking socket (its own thread): answers HELLO with
/// `request_deadlines`, returns the first request frame and answers it with an empty OK.
enum ScriptedPeer {
    static func firstRequest(on listener: Int32) async throws -> Frame {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try serve(listener) })
            }
        }
    }

    private static func serve(_ listener: Int32) throws -> Frame {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { throw POSIXError(.ECONNABORTED) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: 1 << 20)
        var buffer = ByteBuffer()
        func nextFrame() throws -> Frame {
            while true {
                while let item = try decoder.decode(buffer: &buffer) {
                    if case .frame(let frame) = item { return frame }  // skips the preface
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw POSIXError(.ECONNRESET) }
                buffer.writeBytes(chunk[0..<count])
            }
        }
        func reply(_ requestID: UInt32, _ body: [UInt8]) {
            var out = ByteBuffer()
            out.writeFrame(
                kind: .response, flags: [], code: 0, requestID: requestID, encodedBody: ByteBuffer(bytes: body))
            _ = out.readableBytesView.withContiguousStorageIfAvailable { send(fd, $0.baseAddress, $0.count, 0) }
        }
        let hello = try nextFrame()
        reply(
            hello.header.requestID,
            try Srp_HelloResponse.with {
                $0.protocolVersion = 1
                $0.maxFrameSize = 1 << 20
                $0.maxInFlight = 16
                $0.requestDeadlines = true
            }.serializedBytes())
        let request = try nextFrame()
        reply(request.header.requestID, [])
        return request
    }
}
