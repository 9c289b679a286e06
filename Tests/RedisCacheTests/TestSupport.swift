import Foundation
import TestSupport
import Testing

@testable import RedisCache

/// The Redis that scripts/test.sh starts, or nil (with a note, or a failure on CI) when absent.
func testRedisURL() -> String? {
    if let url = ProcessInfo.processInfo.environment["SR_TEST_REDIS_URL"], !url.isEmpty { return url }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record("SR_TEST_REDIS_URL is not set: run the tests with scripts/test.sh, which starts Redis")
    } else {
        print("note: SR_TEST_REDIS_URL is not set; skipping a Redis test (scripts/test.sh starts Redis)")
    }
    return nil
}

/// A key prefix no other test uses, so tests can share one server and run in parallel.
func uniquePrefix() -> String { "test:\(UUID().uuidString):" }

/// A TCP port nothing listens on right now (the kernel picks it; the socket is closed again).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A throwaway redis-server on `port`, for outage and recovery tests. Stop it with `stop()`.
final class RedisServerProcess {
    private let pid: pid_t

    init(port: Int) throws {
        pid = try ChildProcess.start(
            "redis-server", ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    }

    /// Kills the server (SIGKILL) and reaps it.
    func stop() {
        kill(pid, SIGKILL)
        ChildProcess.wait(pid)
    }
}

/// Runs blocking work (a raw connection waiting for pub/sub messages) off the cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
