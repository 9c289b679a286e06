import Foundation
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// The operators' HTTP port of the real binary: Prometheus text, health, readiness.
@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    @Test func prometheusHealthAndReadiness() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-metrics")
        let server = try await ServerProcess.start(
            dataDirectory: directory, extraArguments: ["--set", "metrics-port=0", "--set", "rest-port=0"])
        defer {
            server.terminate()
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: server.logPath)
        }
        let client = try await server.connectedClient()
        let port = try await server.metricsPort()

        let registered = try await client.registerSchema(
            .with {
                $0.subject = "orders"
                $0.schema = avroRecord("Order")
            })
        for _ in 0..<5 { _ = try await client.getSchemaById(.with { $0.id = registered.id }) }
        await #expect(throws: SchemaRegistryClientError.self) {
            try await client.getSchemaById(.with { $0.id = 999_999 })
        }

        // The REST door counts too: a cached read, one that runs in a task, a 404.
        let rest = try await server.restPort()
        #expect(try await httpGet(port: rest, "/schemas/ids/\(registered.id)").status == 200)
        #expect(try await httpGet(port: rest, "/subjects").status == 200)
        #expect(try await httpGet(port: rest, "/subjects/none/versions").status == 404)

        let (status, metrics) = try await httpGet(port: port, "/metrics")
        #expect(status == 200)
        #expect(metrics.contains(#"srp_requests_total{method="RegisterSchema",status="OK"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"srp_requests_total{method="GetSchemaById",status="SCHEMA_NOT_FOUND"} 1"#))
        // The five cached reads were answered on the event loop (batched into the counter).
        let cached = metrics.split(separator: "\n").first {
            $0.hasPrefix(#"srp_requests_total{method="GetSchemaById",status="OK"}"#)
        }
        #expect(cached.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { $0 >= 5 } == true)
        #expect(metrics.contains("srp_request_duration_seconds_bucket"))
        #expect(metrics.contains("registry_registrations_total 1"))
        #expect(metrics.contains("srp_connections 1"))
        #expect(metrics.contains(#"cache_hits_total{tier="l1"}"#))
        #expect(metrics.contains("warmup_done 1"))
        #expect(metrics.contains("srp_bytes_received_total"))
        #expect(metrics.contains(#"rest_requests_total{route="GET /schemas/ids/{id}",status="200"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"rest_requests_total{route="GET /subjects/{subject}/versions",status="404"} 1"#))
        #expect(metrics.contains(#"rest_request_duration_seconds_bucket{route="GET /subjects""#))

        // Every metric the committed Grafana dashboard queries is one the server exposes.
        let dashboard = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/grafana/schema-registry.json")
        let queries = try String(contentsOf: dashboard, encoding: .utf8)
        let names = Set(
            queries.matches(of: /(srp|rest|cache|registry|warmup|store|process|schema_registry)_[a-z_]+/).map { match in
                String(match.output.0).replacing(/_(bucket|sum|count)$/, with: "")
            })
        #expect(names.count >= 10)
        for name in names {
            #expect(metrics.contains("\n\(name)") || metrics.hasPrefix(name), "dashboard uses \(name)")
        }

        #expect(try await httpGet(port: port, "/healthz") == (200, "ok\n"))
        #expect(try await httpGet(port: port, "/readyz") == (200, "ready\n"))
        #expect(try await httpGet(port: port, "/nope").status == 404)
        await client.close()
    }
}
