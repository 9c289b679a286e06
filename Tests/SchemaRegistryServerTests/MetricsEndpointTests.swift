import Foundation
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The operators' HTTP port of the real binary: Prometheus text, health, readiness.
@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    /// One HTTP/1.0 GET over a plain socket on a thread of its own: status line and body.
    private func get(port: Int, _ path: String) async throws -> (status: Int, body: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                        defer { close(fd) }
                        var address = sockaddr_in()
                        address.sin_family = sa_family_t(AF_INET)
                        address.sin_addr.s_addr = inet_addr("127.0.0.1")
                        address.sin_port = in_port_t(UInt16(port).bigEndian)
                        let connected = withUnsafePointer(to: &address) { pointer in
                            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                            }
                        }
                        guard connected else { throw POSIXError(.ECONNREFUSED) }
                        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
                        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                        var response: [UInt8] = []
                        var chunk = [UInt8](repeating: 0, count: 65536)
                        while true {
                            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                            if count <= 0 { break }
                            response += chunk[0..<count]
                        }
                        let text = String(decoding: response, as: UTF8.self)
                        let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
                        return (status, body)
                    })
            }
        }
    }

    /// The metrics port from the "metrics endpoint bound" log line.
    private func metricsPort(_ server: ServerProcess) async throws -> Int {
        for _ in 0..<300 {
            if let log = try? String(contentsOfFile: server.logPath, encoding: .utf8),
                let line = log.split(separator: "\n").first(where: { $0.contains("metrics endpoint bound") }),
                let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
                let port = address.split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ExternalServerError(description: "no metrics endpoint in the log")
    }

    @Test func prometheusHealthAndReadiness() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-metrics")
        let server = try await ServerProcess.start(
            dataDirectory: directory, extraArguments: ["--set", "metrics-port=0"])
        defer {
            server.terminate()
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: server.logPath)
        }
        let client = try await server.connectedClient()
        let port = try await metricsPort(server)

        let registered = try await client.registerSchema(
            .with {
                $0.subject = "orders"
                $0.schema = avroRecord("Order")
            })
        for _ in 0..<5 { _ = try await client.getSchemaById(.with { $0.id = registered.id }) }
        await #expect(throws: SchemaRegistryClientError.self) {
            try await client.getSchemaById(.with { $0.id = 999_999 })
        }

        let (status, metrics) = try await get(port: port, "/metrics")
        #expect(status == 200)
        #expect(metrics.contains(#"srp_requests_total{method="RegisterSchema",status="0"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"srp_requests_total{method="GetSchemaById",status="40403"} 1"#))
        // The five cached reads were answered on the event loop (batched into the counter).
        let cached = metrics.split(separator: "\n").first {
            $0.hasPrefix(#"srp_requests_total{method="GetSchemaById",status="0"}"#)
        }
        #expect(cached.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { $0 >= 5 } == true)
        #expect(metrics.contains("srp_request_duration_seconds_bucket"))
        #expect(metrics.contains("registry_registrations_total 1"))
        #expect(metrics.contains("srp_connections 1"))
        #expect(metrics.contains(#"cache_hits{tier="l1"}"#))
        #expect(metrics.contains("warmup_done 1"))
        #expect(metrics.contains("srp_bytes_received_total"))

        // Every metric the committed Grafana dashboard queries is one the server exposes.
        let dashboard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/grafana/schema-registry.json")
        let queries = try String(contentsOf: dashboard, encoding: .utf8)
        let names = Set(
            queries.matches(of: /(srp|cache|registry|warmup)_[a-z_]+/).map { match in
                String(match.output.0).replacing(/_(bucket|sum|count)$/, with: "")
            })
        #expect(names.count >= 10)
        for name in names {
            #expect(metrics.contains("\n\(name)") || metrics.hasPrefix(name), "dashboard uses \(name)")
        }

        #expect(try await get(port: port, "/healthz") == (200, "ok\n"))
        #expect(try await get(port: port, "/readyz") == (200, "ready\n"))
        #expect(try await get(port: port, "/nope").status == 404)
        await client.close()
    }
}
