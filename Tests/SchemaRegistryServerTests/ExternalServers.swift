import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a shell command on a thread of its own (it blocks) and returns its exit status and output.
///
/// Through ``ChildProcess`` rather than Foundation's `Process` (whose `waitUntilExit()` was seen
/// to hang on Linux with the child already a zombie, after `pg_ctl start` left a daemon behind).
/// Output goes to a file, not a pipe, for the same daemon's sake (it may keep its stdout open).
@discardableResult
func shell(_ command: String) async throws -> (status: Int32, output: String) {
    let path = NSTemporaryDirectory() + "sr-shell-\(UUID().uuidString).out"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let finished = try await onOwnThread {
        try ChildProcess.run("/bin/sh", ["-c", "exec >'\(path)' 2>&1 </dev/null; \(command)"])
    }
    return (finished.status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
}

/// A TCP socket bound to a loopback port the kernel picked, not listening: connecting to it is
/// refused, and no one else can take the port while it stays open. The caller closes it.
func boundLoopbackSocket() throws -> (descriptor: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else {
        close(fd)
        throw POSIXError(.EADDRINUSE)
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A free loopback TCP port, picked by the kernel (free again once this returns).
func freeLoopbackPort() throws -> Int {
    let (fd, port) = try boundLoopbackSocket()
    close(fd)
    return port
}

/// Whether a test that needs its own PostgreSQL and Redis can run: the binaries exist (the
/// README's test command installs them). Missing under CI=true is a failure, not a skip.
func externalServersAvailable() async throws -> Bool {
    let found = try await shell("command -v redis-server && ls /usr/lib/postgresql/*/bin/initdb").status == 0
    if !found {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("redis-server or PostgreSQL's initdb is missing: run the tests with scripts/test.sh")
        } else {
            print("note: redis-server or initdb missing; fault tests not run (scripts/test.sh installs them)")
        }
    }
    return found
}

/// A PostgreSQL cluster of its own (initdb in a temporary directory, a free port), for tests
/// that stop and restart it. As root, the server runs as `postgres` (it refuses root).
final class PostgresCluster: Sendable {
    let port: Int
    let directory: String
    private let binaries: String
    private let asPostgres: Bool

    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    private init(port: Int, directory: String, binaries: String, asPostgres: Bool) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.asPostgres = asPostgres
    }

    static func create() async throws -> PostgresCluster {
        let binaries = try await shell("ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let directory = NSTemporaryDirectory() + "sr-pg-\(UUID().uuidString.prefix(8))"
        let cluster = PostgresCluster(
            port: try freeLoopbackPort(), directory: directory, binaries: binaries, asPostgres: getuid() == 0)
        try await cluster.run("mkdir -p \(directory)/data \(directory)/run", asServerUser: false)
        if cluster.asPostgres { try await cluster.run("chown -R postgres \(directory)", asServerUser: false) }
        try await cluster.run(
            "\(binaries)/initdb -D \(directory)/data -U postgres --auth=trust -E UTF8 >\(directory)/initdb.log 2>&1")
        try await cluster.start()
        return cluster
    }

    /// Starts (or restarts) the server on the same port and waits until it accepts connections.
    func start() async throws {
        try await run(
            "\(binaries)/pg_ctl -D \(directory)/data -l \(directory)/run/log -w -o "
                + "'-p \(port) -k \(directory)/run -c listen_addresses=127.0.0.1' start >/dev/null")
    }

    /// `fast` (the graceful default: sessions are ended, then a clean shutdown) or `immediate`
    /// (no shutdown checkpoint: crash recovery at the next start).
    func stop(mode: String) async throws {
        try await run("\(binaries)/pg_ctl -D \(directory)/data -m \(mode) -w stop >/dev/null")
    }

    func destroy() async {
        _ = try? await shell(
            command("\(binaries)/pg_ctl -D \(directory)/data -m immediate -w stop", asServerUser: true))
        _ = try? await shell("rm -rf \(directory)")
    }

    private func run(_ text: String, asServerUser: Bool = true) async throws {
        let result = try await shell(command(text, asServerUser: asServerUser))
        guard result.status == 0 else {
            let log = try await shell("cat \(directory)/run/log \(directory)/initdb.log 2>/dev/null | tail -20").output
            throw ExternalServerError(description: "`\(text)` failed (\(result.status)): \(result.output)\n\(log)")
        }
    }

    private func command(_ text: String, asServerUser: Bool) -> String {
        guard asServerUser && asPostgres else { return text }
        return "su postgres -s /bin/sh -c \"\(text.replacingOccurrences(of: "\"", with: "\\\""))\""
    }
}

/// A redis-server of its own on a fixed port, for tests that kill it and start it again.
final class RedisProcess: Sendable {
    let port: Int
    private let directory: String

    var url: String { "redis://127.0.0.1:\(port)" }

    init() throws {
        port = try freeLoopbackPort()
        directory = NSTemporaryDirectory() + "sr-redis-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts the server (daemonized, so no child of ours to reap) and waits until it answers PING.
    func start() async throws {
        try await shell(
            "redis-server --port \(port) --bind 127.0.0.1 --save '' --appendonly no --daemonize yes "
                + "--dir \(directory) --pidfile \(directory)/redis.pid --logfile \(directory)/redis.log")
        let answered = await eventually(every: .milliseconds(50)) {
            (try? await shell("redis-cli -p \(port) ping").output.contains("PONG")) == true
        }
        if answered { return }
        throw ExternalServerError(description: "redis-server on \(port) never answered PING")
    }

    /// SIGKILL: the outage a crashed or partitioned Redis looks like. Returns once it is gone.
    func kill() async {
        _ = try? await shell("kill -9 $(cat \(directory)/redis.pid) 2>/dev/null; rm -f \(directory)/redis.pid")
        _ = await eventually {
            (try? await shell("redis-cli -p \(port) ping").output.contains("PONG")) != true
        }
    }

    func destroy() async {
        await kill()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct ExternalServerError: Error, CustomStringConvertible {
    var description: String
}
