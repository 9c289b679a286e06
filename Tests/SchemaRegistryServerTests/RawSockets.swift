import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import SwiftProtobuf
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Raw sockets by the hundred

/// Frames received per socket, recorded on the reading thread and read after it finished.
final class FrameTally: @unchecked Sendable {
    private let lock = Mutex<[[Frame]]>([])

    init(sockets: Int) {
        lock.withLock { $0 = Array(repeating: [], count: sockets) }
    }

    var record: @Sendable (Int, Frame) -> Void {
        { [self] index, frame in lock.withLock { $0[index].append(frame) } }
    }

    var frames: [[Frame]] { lock.withLock { $0 } }

    func frameCount(of socket: Int) -> Int { lock.withLock { $0[socket].count } }

    /// Sockets whose last frame satisfies `predicate`.
    func count(where predicate: (Frame) -> Bool) -> Int {
        frames.filter { $0.last.map(predicate) ?? false }.count
    }
}

/// Loopback sockets opened without blocking and read with poll(2), on threads of their own.
/// A reset after the server closed counts as closed: the bytes that arrived before it were kept.
final class RawSockets: @unchecked Sendable {
    let fds: [Int32]

    private init(fds: [Int32]) {
        self.fds = fds
    }

    deinit { for fd in fds { close(fd) } }

    /// Opens `count` connections at once (non-blocking connects, then waits for them all).
    static func connect(port: Int, count: Int) async throws -> RawSockets {
        try await onOwnThread {
            var fds: [Int32] = []
            do {
                for _ in 0..<count { fds.append(try connectNonBlocking(port: port)) }
                var pending = Set(fds.indices)
                let deadline = ContinuousClock.now + .seconds(60)
                while !pending.isEmpty, ContinuousClock.now < deadline {
                    var polled = pending.map { pollfd(fd: fds[$0], events: Int16(POLLOUT), revents: 0) }
                    let ready = poll(&polled, nfds_t(polled.count), 100)
                    guard ready > 0 else { continue }
                    for entry in polled where entry.revents != 0 {
                        var error: Int32 = 0
                        var length = socklen_t(MemoryLayout<Int32>.size)
                        getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                        guard error == 0 else { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO) }
                        pending.remove(fds.firstIndex(of: entry.fd)!)
                    }
                }
                guard pending.isEmpty else { throw POSIXError(.ETIMEDOUT) }
                return RawSockets(fds: fds)
            } catch {
                for fd in fds { close(fd) }
                throw error
            }
        }
    }

    private static func connectNonBlocking(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let error = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .ECONNREFUSED)
        }
        return fd
    }

    /// Sends what the socket takes now; returns how many bytes that was (0 when it would block).
    @discardableResult
    func send(_ index: Int, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes {
            max(0, Glibc.send(fds[index], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)))
        }
    }

    /// Preface and HELLO on every socket; throws unless each gets HELLO_OK.
    func handshake() async throws {
        let tally = FrameTally(sockets: fds.count)
        for index in fds.indices { send(index, AbuseTests.prefaceAndHello(nameLength: 3)) }
        _ = await pump(timeout: .seconds(60), onFrame: tally.record) {
            self.fds.indices.allSatisfy { tally.frameCount(of: $0) >= 1 }
        }
        guard tally.frames.allSatisfy({ $0.first?.header.code == 0 }) else { throw POSIXError(.EPROTO) }
    }

    struct Pumped: Sendable {
        var closed: [Bool]
        /// Bytes of its trickle each socket had sent when it was closed (or the pump ended).
        var trickled: [Int]
        var closedCount: Int { closed.filter { $0 }.count }
    }

    /// Reads every socket, handing each frame to `onFrame`, until all are closed by the
    /// server, `done()` holds, or `timeout` passes. With `trickle`, socket `i` is also sent the
    /// next byte of `trickle[i]` every `interval` while it is open.
    func pump(
        timeout: Duration, trickle: [[UInt8]] = [], interval: Duration = .milliseconds(100),
        onFrame: @escaping @Sendable (Int, Frame) -> Void, done: @escaping @Sendable () -> Bool = { false }
    ) async -> Pumped {
        (try? await onOwnThread { self.blockingPump(timeout, trickle, interval, onFrame, done) })
            ?? Pumped(closed: [], trickled: [])
    }

    private func blockingPump(
        _ timeout: Duration, _ trickle: [[UInt8]], _ interval: Duration, _ onFrame: (Int, Frame) -> Void,
        _ done: () -> Bool
    ) -> Pumped {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var closed = Array(repeating: false, count: fds.count)
        var trickled = Array(repeating: 0, count: fds.count)
        var buffers = Array(repeating: ByteBuffer(), count: fds.count)
        var decoders = Array(
            repeating: SRPFrameDecoder(expectPreface: false, maxBodyLength: 64 * 1024 * 1024), count: fds.count)
        var nextTick = clock.now
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while clock.now < deadline, closed.contains(false), !done() {
            if !trickle.isEmpty, clock.now >= nextTick {
                for index in fds.indices where !closed[index] && trickled[index] < trickle[index].count {
                    trickled[index] += send(index, [trickle[index][trickled[index]]])
                }
                nextTick = nextTick + interval
            }
            let open = fds.indices.filter { !closed[$0] }
            var polled = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            let wait = trickle.isEmpty ? .milliseconds(50) : max(.zero, min(nextTick - clock.now, .milliseconds(50)))
            let ready = poll(&polled, nfds_t(polled.count), Int32(wait / .milliseconds(1)))
            guard ready > 0 else { continue }
            for (slot, entry) in polled.enumerated() where entry.revents != 0 {
                let index = open[slot]
                let count = chunk.withUnsafeMutableBytes {
                    recv(fds[index], $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                }
                if count > 0 {
                    buffers[index].writeBytes(chunk[0..<count])
                    while case .frame(let frame)? = try? decoders[index].decode(buffer: &buffers[index]) {
                        onFrame(index, frame)
                    }
                    if buffers[index].readerIndex > 1 << 20 { buffers[index].discardReadBytes() }
                } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    closed[index] = true
                }
            }
        }
        return Pumped(closed: closed, trickled: trickled)
    }
}
