import Foundation
import SchemaRegistryClient
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `schema-registry serve` process, for tests that must kill it.
final class ServerProcess: @unchecked Sendable {
    private let pid: pid_t
    /// Where the server's log (stdout and stderr) goes.
    let logPath: String

    /// Starts on port 0 (a port picked by the kernel at bind time, so parallel tests cannot
    /// race for it); ``connectedClient()`` reads the real port from the log.
    init(dataDirectory: String, extraArguments: [String] = []) throws {
        self.logPath = dataDirectory + ".log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        pid = try ChildProcess.start(
            try CLI.binary(),
            [
                "serve", "--port", "0", "--data-dir", dataDirectory, "--log-level", "info",
                "--set", "default-compatibility=NONE", "--set", "metrics-port=off",
            ] + extraArguments, outputPath: logPath)
    }

    /// Whether the server has not exited yet.
    var isRunning: Bool { kill(pid, 0) == 0 && !exited() }

    private func exited() -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    static func start(dataDirectory: String, extraArguments: [String] = []) async throws -> ServerProcess {
        try ServerProcess(dataDirectory: dataDirectory, extraArguments: extraArguments)
    }

    /// A client once the server listens (up to 30 s for a cold start).
    func connectedClient() async throws -> SchemaRegistryClient {
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
    func exitStatus(within timeout: Duration) async throws -> Int32? {
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
    func kill9() -> Int32 {
        kill(pid, SIGKILL)
        return ChildProcess.wait(pid)
    }

    /// SIGTERM (a graceful shutdown); returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        kill(pid, SIGTERM)
        return ChildProcess.wait(pid)
    }
}

@Suite("Durability")
struct DurabilityTests {
    /// Register, get the ack, kill -9 the server, restart it on the same data: the schema is there.
    @Test func acknowledgedRegistrationSurvivesKill9() async throws {
        let directory = NSTemporaryDirectory() + "sr-durability-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        defer { try? FileManager.default.removeItem(atPath: directory + ".log") }
        let first = try await ServerProcess.start(dataDirectory: directory)
        let client = try await first.connectedClient()
        var acknowledged: [(UInt32, String)] = []
        for index in 0..<20 {
            let text = avroRecord("Durable", seed: index)
            let answer = try await client.registerSchema(
                .with {
                    $0.subject = "durable"
                    $0.schema = text
                })
            acknowledged.append((answer.id, "f0_\(index)"))
        }
        await client.close()
        #expect(first.kill9() == 128 + SIGKILL)

        try? FileManager.default.removeItem(atPath: first.logPath)
        let second = try await ServerProcess.start(dataDirectory: directory)
        defer { second.terminate() }
        let reader = try await second.connectedClient()
        for (id, marker) in acknowledged {
            let schema = try await reader.getSchemaById(.with { $0.id = id }).schema
            #expect(schema.schema.contains(marker))
        }
        let versions = try await reader.listVersions(.with { $0.subject = "durable" })
        #expect(versions.versions == Array(1...20))
        await reader.close()
    }

    /// SIGTERM drains and exits cleanly (status 0).
    @Test func sigtermShutsDownGracefully() async throws {
        let directory = NSTemporaryDirectory() + "sr-sigterm-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess.start(dataDirectory: directory)
        let client = try await server.connectedClient()
        _ = try await client.ping(.init())
        #expect(server.terminate() == 0)
        // Nothing may touch an event loop after the group shut down (NIO logs "ERROR: Cannot schedule").
        let log = try String(contentsOfFile: server.logPath, encoding: .utf8)
        #expect(!log.contains("ERROR"), "\(log)")
        await client.close()
        try? FileManager.default.removeItem(atPath: server.logPath)
    }
}
