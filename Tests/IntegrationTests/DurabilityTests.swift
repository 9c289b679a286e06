import Foundation
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Durability")
struct DurabilityTests {
    /// Register, get the ack, kill -9 the server, restart it on the same data: the schema is there.
    @Test func acknowledgedRegistrationSurvivesKill9() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-durability")
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
        let directory = TemporaryDirectory.uniquePath("sr-sigterm")
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
