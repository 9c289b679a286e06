import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public struct ExternalServerError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// A PostgreSQL cluster of its own (initdb in a temporary directory, a free port), for tests
/// that stop and restart it. As root, the server runs as `postgres` (it refuses root).
public final class PostgresCluster: Sendable {
    public let port: Int
    public let directory: String
    private let binaries: String
    private let asPostgres: Bool

    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    private init(port: Int, directory: String, binaries: String, asPostgres: Bool) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.asPostgres = asPostgres
    }

    public static func create() async throws -> PostgresCluster {
        let binaries = try await shell("ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let directory = TemporaryDirectory.uniquePath("sr-pg")
        let cluster = PostgresCluster(
            port: try Ports.freeLoopbackPort(), directory: directory, binaries: binaries, asPostgres: getuid() == 0)
        try await cluster.run("mkdir -p \(directory)/data \(directory)/run", asServerUser: false)
        if cluster.asPostgres { try await cluster.run("chown -R postgres \(directory)", asServerUser: false) }
        try await cluster.run(
            "\(binaries)/initdb -D \(directory)/data -U postgres --auth=trust -E UTF8 >\(directory)/initdb.log 2>&1")
        try await cluster.start()
        return cluster
    }

    /// Starts (or restarts) the server on the same port and waits until it accepts connections.
    public func start() async throws {
        try await run(
            "\(binaries)/pg_ctl -D \(directory)/data -l \(directory)/run/log -w -o "
                + "'-p \(port) -k \(directory)/run -c listen_addresses=127.0.0.1' start >/dev/null")
    }

    /// `fast` (the graceful default: sessions are ended, then a clean shutdown) or `immediate`
    /// (no shutdown checkpoint: crash recovery at the next start).
    public func stop(mode: String) async throws {
        try await run("\(binaries)/pg_ctl -D \(directory)/data -m \(mode) -w stop >/dev/null")
    }

    public func destroy() async {
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

/// A redis-server of its own on a fixed port, for tests that kill it and start it again (and
/// for tests that need a Redis to appear on a port a client already failed to reach).
public final class RedisProcess: Sendable {
    public let port: Int
    private let directory: String

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// - Parameter port: the port to serve on; a free one when nil.
    public init(port: Int? = nil) throws {
        self.port = try port ?? Ports.freeLoopbackPort()
        directory = TemporaryDirectory.uniquePath("sr-redis")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Starts the server (daemonized, so no child of ours to reap) and waits until it answers PING.
    public func start() async throws {
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
    public func kill() async {
        _ = try? await shell("kill -9 $(cat \(directory)/redis.pid) 2>/dev/null; rm -f \(directory)/redis.pid")
        _ = await eventually {
            (try? await shell("redis-cli -p \(port) ping").output.contains("PONG")) != true
        }
    }

    public func destroy() async {
        await kill()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
