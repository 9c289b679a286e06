import Foundation
import SchemaRegistryClient
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `schema-registry serve` process, for tests that must kill it.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    /// Where the server's log (stderr) goes.
    let logPath: String

    init(dataDirectory: String, port: Int) throws {
        self.port = port
        self.logPath = dataDirectory + ".log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: try CLI.binary())
        process.arguments = [
            "serve", "--port", String(port), "--data-dir", dataDirectory, "--log-level", "notice",
            "--set", "default-compatibility=NONE",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
    }

    /// A client once the server accepts connections (up to 30 s for a cold start).
    func connectedClient() async throws -> SchemaRegistryClient {
        let client = SchemaRegistryClient(configuration: .init(host: "127.0.0.1", port: port))
        for _ in 0..<300 {
            if (try? await client.handshake()) != nil { return client }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SchemaRegistryClientError(code: .connectionFailed, message: "server on \(port) never came up")
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        process.terminate()
        process.waitUntilExit()
    }
}

@Suite("Durability")
struct DurabilityTests {
    /// Register, get the ack, kill -9 the server, restart it on the same data: the schema is there.
    @Test func acknowledgedRegistrationSurvivesKill9() async throws {
        let directory = NSTemporaryDirectory() + "sr-durability-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try await CLI.unusedPort()

        defer { try? FileManager.default.removeItem(atPath: directory + ".log") }
        let first = try ServerProcess(dataDirectory: directory, port: port)
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
        first.kill9()
        #expect(first.process.terminationReason == .uncaughtSignal)

        let second = try ServerProcess(dataDirectory: directory, port: port)
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
        let server = try ServerProcess(dataDirectory: directory, port: try await CLI.unusedPort())
        let client = try await server.connectedClient()
        _ = try await client.ping(.init())
        server.terminate()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        // Nothing may touch an event loop after the group shut down (NIO logs "ERROR: Cannot schedule").
        let log = try String(contentsOfFile: server.logPath, encoding: .utf8)
        #expect(!log.contains("ERROR"), "\(log)")
        await client.close()
        try? FileManager.default.removeItem(atPath: server.logPath)
    }
}
