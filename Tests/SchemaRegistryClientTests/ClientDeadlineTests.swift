import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Per-request deadlines from the client's side: what the Swift client sends.
@Suite struct ClientDeadlineTests {
    /// What the Swift client puts on the wire, seen by a scripted peer on a real socket: a
    /// call with a timeout carries what is left of it as the DEADLINE budget once HELLO_OK announced support,
    /// and the body after the budget is the plain request. (Against the real server the
    /// client's own timer and the server's answer race, so that could not tell.)
    @Test func theSwiftClientSendsItsTimeoutAsTheDeadline() async throws {
        let (listener, port) = try Ports.boundLoopbackSocket()
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

    /// A peer that closes right after HELLO_OK: the call fails with a typed `connectionClosed`,
    /// whether the close is seen before the client took its handler (which then is gone from
    /// the pipeline: that was a bare `ChannelPipelineError.notFound`) or after the request went.
    @Test func aPeerClosingRightAfterHelloOKIsAClosedConnection() async throws {
        let (listener, port) = try Ports.boundLoopbackSocket()
        defer { close(listener) }
        #expect(listen(listener, 1) == 0)
        let peer = Task { try await ScriptedPeer.closeAfterHello(on: listener) }
        var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
        configuration.compression = false
        let client = SchemaRegistryClient(configuration: configuration)
        defer { Task { await client.close() } }
        let error = await #expect(throws: SchemaRegistryClientError.self) {
            _ = try await client.listVersions(.with { $0.subject = "orders" }, options: CallOptions(maxRetries: 0))
        }
        #expect(error?.code == .connectionClosed, "\(String(describing: error))")
        try await peer.value
    }
}

/// A one-connection SRP "server" on a blocking socket (its own thread): answers HELLO with
/// `request_deadlines`, returns the first request frame and answers it with an empty OK.
enum ScriptedPeer {
    static func firstRequest(on listener: Int32) async throws -> Frame {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try serve(listener)! })
            }
        }
    }

    /// Answers HELLO and closes the connection at once; returns when it has.
    static func closeAfterHello(on listener: Int32) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { _ = try serve(listener, closeAfterHello: true) })
            }
        }
    }

    private static func serve(_ listener: Int32, closeAfterHello: Bool = false) throws -> Frame? {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { throw POSIXError(.ECONNABORTED) }
        defer { close(fd) }
        // Long: the caller resumes from HELLO_OK on Swift's cooperative pool, which the suite's
        // CPU-bound synchronous tests hold for ~20 s at the start of a full run on 2 cores.
        var timeout = timeval(tv_sec: 90, tv_usec: 0)
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
        if closeAfterHello { return nil }
        let request = try nextFrame()
        reply(request.header.requestID, [])
        return request
    }
}
