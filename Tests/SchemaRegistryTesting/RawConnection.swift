import Foundation
import NIOCore
import SRPWire
import SwiftProtobuf

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking loopback socket speaking raw bytes, to send what a well-behaved client never would.
/// Blocking calls run on threads of their own (`onIOThread`), never on the cooperative pool that
/// the in-process server's tasks need.
///
/// Reads give up after `receiveTimeoutSeconds` (a minute by default): a bound for a server that
/// never answers, not a verdict on speed.
public final class RawConnection: @unchecked Sendable {
    private let fd: Int32
    private var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 64 * 1024 * 1024)
    private var buffer = ByteBuffer()

    /// - Parameter receiveBufferBytes: a small kernel receive buffer (set before connecting, so the
    ///   window the peer sees is small too): what a client that stops reading leaves the server.
    public init(port: Int, receiveTimeoutSeconds: Int = 60, receiveBufferBytes: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    public func send(_ buffer: ByteBuffer) { send(Array(buffer.readableBytesView)) }

    public func sendFrame(
        kind: FrameKind = .request, flags: FrameFlags = [], code: UInt16, requestID: UInt32, body: [UInt8]
    ) {
        var frame = ByteBuffer()
        frame.writeFrame(
            kind: kind, flags: flags, code: code, requestID: requestID, encodedBody: ByteBuffer(bytes: body))
        send(frame)
    }

    public func sendRequest(_ method: SRPMethod, requestID: UInt32, _ message: some SwiftProtobuf.Message) {
        sendFrame(code: method.rawValue, requestID: requestID, body: try! message.serializedBytes())
    }

    /// A thread of its own per blocking call: Dispatch's global pool is small on two cores and
    /// other suites block in it (store queues, Redis workers), which could delay a read here
    /// past the server's timers.
    private func onIOThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Sends on a Dispatch thread: a large send blocks until the peer reads.
    public func sendInBackground(_ buffer: ByteBuffer) async throws {
        try await onIOThread { self.send(buffer) }
    }

    /// Preface plus HELLO, returning HELLO_OK.
    public func handshake(lz4: Bool = false) async throws -> Srp_HelloResponse {
        try await onIOThread { try self.blockingHandshake(lz4: lz4) }
    }

    /// The next frame, or nil when the server closed the connection.
    public func readFrame() async throws -> Frame? {
        try await onIOThread { try self.blockingReadFrame() }
    }

    /// Reads until the server closes; returns the GOAWAY seen on the way, if any.
    public func readUntilClosed() async throws -> Frame? {
        try await onIOThread { try self.blockingReadUntilClosed() }
    }

    public func blockingHandshake(lz4: Bool) throws -> Srp_HelloResponse {
        send(SRPPreface.bytes)
        sendRequest(
            .hello, requestID: 0,
            Srp_HelloRequest.with {
                $0.protocolVersions = [1]
                $0.clientName = "raw"
                $0.compressions = lz4 ? [.lz4] : []
            })
        guard let frame = try blockingReadFrame(), frame.header.code == 0 else { throw POSIXError(.EPROTO) }
        return try Srp_HelloResponse(serializedBytes: Array(frame.body.readableBytesView))
    }

    private func blockingReadFrame() throws -> Frame? {
        while true {
            if case .frame(let frame)? = try decoder.decode(buffer: &buffer) { return frame }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return nil }
            if count < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            buffer.writeBytes(chunk[0..<count])
        }
    }

    public func blockingReadUntilClosed() throws -> Frame? {
        var goAway: Frame?
        while let frame = try blockingReadFrame() {
            if frame.header.kind == .goAway { goAway = frame }
        }
        return goAway
    }

    /// One `recv`: the bytes (empty when the server closed) or the socket's error.
    public func receiveChunk() -> Result<[UInt8], POSIXError> {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)) }
        return .success(Array(chunk[0..<count]))
    }

    /// Sends `first`, then filler, until `total` bytes are sent or the server refuses more
    /// (closed or reset); returns how many bytes were sent.
    public func sendUntilRefused(first: [UInt8], total: Int) async -> Int {
        (try? await onIOThread {
            var sent = 0
            var pending = first
            let filler = [UInt8](repeating: 0x5A, count: 64 * 1024)
            while sent < total {
                let count = pending.withUnsafeBytes {
                    Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if count <= 0 { break }
                sent += count
                pending = count < pending.count ? Array(pending[count...]) : filler
            }
            return sent
        }) ?? 0
    }

    public static func errorMessage(_ frame: Frame) -> String {
        (try? Srp_ErrorBody(serializedBytes: Array(frame.body.readableBytesView)))?.message ?? ""
    }
}
