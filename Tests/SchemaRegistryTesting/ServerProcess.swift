import Foundation
import SchemaRegistryClient
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The real `schema-registry serve` process, for tests that must kill it.
public final class ServerProcess: @unchecked Sendable {
    private let pid: pid_t
    /// Where the server's log (stdout and stderr) goes.
    public let logPath: String

    /// Starts on port 0 (a port picked by the kernel at bind time, so parallel tests cannot
    /// race for it); ``connectedClient()`` reads the real port from the log.
    public init(dataDirectory: String, extraArguments: [String] = []) throws {
        self.logPath = dataDirectory + ".log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        pid = try ChildProcess.start(
            try CLI.binary(),
            [
                "serve", "--port", "0", "--data-dir", dataDirectory, "--log-level", "info",
                "--set", "default-compatibility=NONE", "--set", "metrics-port=off", "--set", "rest-port=off",
            ] + extraArguments, outputPath: logPath)
    }

    /// Whether the server has not exited yet.
    /// The server's process id (to read its `/proc` entries).
    public var processID: pid_t { pid }

    public var isRunning: Bool { kill(pid, 0) == 0 && !exited() }

    private func exited() -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    public static func start(dataDirectory: String, extraArguments: [String] = []) async throws -> ServerProcess {
        try ServerProcess(dataDirectory: dataDirectory, extraArguments: extraArguments)
    }

    /// A client once the server listens (up to 30 s for a cold start).
    public func connectedClient() async throws -> SchemaRegistryClient {
        for _ in 0..<300 {
            if let port = listeningPort() {
                var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
                configuration.connectTimeout = .seconds(60)  // a bound, not a claim about speed
                let client = SchemaRegistryClient(configuration: configuration)
                _ = try await client.handshake()
                return client
            }
            guard isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw SchemaRegistryClientError(code: .connectionFailed, message: "server never listened; log:\n\(log)")
    }

    /// The port from the "listening" log line (`address=[IPv4]127.0.0.1/127.0.0.1:PORT`).
    private func listeningPort() -> Int? {
        guard let log = try? String(contentsOfFile: logPath, encoding: .utf8),
            let line = log.split(separator: "\n").first(where: { $0.contains("listening") }),
            let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
            let port = address.split(separator: ":").last.flatMap({ Int($0) })
        else { return nil }
        return port
    }

    /// Waits up to `timeout` for the server to exit on its own: its exit status, or nil while it runs.
    public func exitStatus(within timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// SIGKILL; returns the exit status (128 + 9 once killed).
    @discardableResult
    public func kill9() -> Int32 {
        kill(pid, SIGKILL)
        return ChildProcess.wait(pid)
    }

    /// SIGTERM (a graceful shutdown); returns the exit status.
    @discardableResult
    public func terminate() -> Int32 {
        kill(pid, SIGTERM)
        return ChildProcess.wait(pid)
    }
}
