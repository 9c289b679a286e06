import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The exposition of the real binary as Prometheus users expect it (issue 14): HELP everywhere,
/// `_total` counters, status names, the hot path timed, and `promtool check metrics` clean.
@Suite("Metrics conventions")
struct MetricsConventionsTests {
    /// One family of the exposition: its TYPE, whether it had HELP, and its sample lines.
    struct Family {
        var type: String
        var hasHelp: Bool
        var samples: [Substring]
    }

    static func families(_ text: String) -> [String: Family] {
        var families: [String: Family] = [:]
        var helped: Set<Substring> = []
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 3)
            if line.hasPrefix("# HELP "), words.count >= 3 {
                helped.insert(words[2])
            } else if line.hasPrefix("# TYPE "), words.count == 4 {
                families[String(words[2])] = Family(
                    type: String(words[3]), hasHelp: helped.contains(words[2]), samples: [])
            } else if !line.hasPrefix("#") {
                let name = line.prefix { $0 != "{" && $0 != " " }
                let family = String(name).replacing(/_(bucket|sum|count)$/, with: "")
                families[families[String(name)] == nil ? family : String(name)]?.samples.append(line)
            }
        }
        return families
    }

    static func value(_ sample: Substring?) -> Double? {
        sample?.split(separator: " ").last.flatMap { Double($0) }
    }

    /// A server with an in-flight budget of one request, after a registration, cached and missed
    /// GetSchemaById, and concurrent reads of which some were answered OVERLOADED (how many: the
    /// second value).
    private func scrapeAfterTraffic() async throws -> (exposition: String, overloaded: Int) {
        let directory = TemporaryDirectory.uniquePath("sr-metrics-conventions")
        let server = try await ServerProcess.start(
            dataDirectory: directory,
            extraArguments: ["--set", "metrics-port=0", "--set", "max-in-flight-global=1"])
        defer {
            server.terminate()
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: server.logPath)
        }
        let client = try await server.connectedClient()
        defer { Task { await client.close() } }
        let id = try await client.registerSchema(
            .with {
                $0.subject = "orders"
                $0.schema = avroRecord("Order")
            }
        ).id
        // 70 cached reads on one connection: the first and the 65th are timed.
        for _ in 0..<70 { _ = try await client.getSchemaById(.with { $0.id = id }) }
        await #expect(throws: SchemaRegistryClientError.self) {
            try await client.getSchemaById(.with { $0.id = 999_999 })
        }
        // Concurrent reads against a budget of one request in flight: some are answered OVERLOADED.
        let overloaded = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    do {
                        _ = try await client.listSubjects(.init(), options: CallOptions(maxRetries: 0))
                        return 0
                    } catch let error as SchemaRegistryClientError {
                        return error.status == .overloaded ? 1 : 0
                    } catch {
                        return 0
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(overloaded > 0)
        let (status, body) = try await httpGet(port: try await server.metricsPort(), "/metrics")
        #expect(status == 200)
        return (body, overloaded)
    }

    @Test func expositionFollowsPrometheusConventions() async throws {
        let (text, overloaded) = try await scrapeAfterTraffic()
        let families = Self.families(text)
        #expect(families.count >= 30, "\(text)")
        for (name, family) in families {
            #expect(family.hasHelp, "no # HELP for \(name)")
            #expect(
                (family.type == "counter") == name.hasSuffix("_total"), "\(name) is a \(family.type)")
        }
        // Status labels are names: OVERLOADED refused before running is counted with the rest.
        let requests = try #require(families["srp_requests_total"])
        for sample in requests.samples {
            let status = try #require(sample.firstMatch(of: /status="([^"]*)"/)).output.1
            #expect(status.wholeMatch(of: /[A-Z][A-Z0-9_]*/) != nil, "\(sample)")
        }
        let shed = requests.samples.first { $0.contains(#"method="ListSubjects",status="OVERLOADED""#) }
        #expect(Self.value(shed) == Double(overloaded), "\(requests.samples)")
        #expect(requests.samples.contains(#"srp_requests_total{method="GetSchemaById",status="SCHEMA_NOT_FOUND"} 1"#))
        let cachedOK = requests.samples.first { $0.contains(#"method="GetSchemaById",status="OK""#) }
        #expect(Self.value(cachedOK).map { $0 >= 70 } == true, "\(requests.samples)")
        // The cached path has a latency series (sampled), with sub-millisecond buckets.
        let cached = try #require(families["srp_cached_request_duration_seconds"])
        #expect(cached.type == "histogram")
        let timed = cached.samples.first { $0.hasPrefix("srp_cached_request_duration_seconds_count") }
        #expect(Self.value(timed).map { $0 >= 2 } == true, "\(cached.samples)")
        #expect(cached.samples.contains { $0.contains(#"le="0.00005""#) })
        let dispatched = try #require(families["srp_request_duration_seconds"])
        #expect(dispatched.samples.contains { $0.contains(#"method="RegisterSchema",le="0.0001""#) })
        // One connections gauge; cache and store totals are counters.
        #expect(
            families.keys.filter { $0.hasPrefix("srp_connections") && families[$0]?.type == "gauge" } == [
                "srp_connections"
            ])
        #expect(families["srp_connections"]?.samples == ["srp_connections 1.0"])
        for name in ["cache_hits_total", "cache_misses_total", "cache_errors_total", "store_operations_total"] {
            #expect(families[name]?.type == "counter", "\(name)")
        }
        #expect(families["schema_registry_build_info"]?.samples.first?.hasSuffix(" 1.0") == true)
        #expect(families["schema_registry_build_info"]?.samples.first?.contains(#"version=""#) == true)
        #if os(Linux)
            for name in [
                "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                "process_open_fds", "process_max_fds", "process_start_time_seconds",
            ] {
                #expect((Self.value(families[name]?.samples.first) ?? 0) > 0, "\(name)")
            }
            let started = Self.value(families["process_start_time_seconds"]?.samples.first) ?? 0
            #expect(abs(started - Date().timeIntervalSince1970) < 3600)
        #endif
        try await Self.promtoolCheck(text)
    }

    /// `promtool check metrics` (Debian's prometheus package; scripts/install-deps.sh installs
    /// it): missing under CI=true is a failure, elsewhere a note.
    static func promtoolCheck(_ text: String) async throws {
        guard try await shell("command -v promtool").status == 0 else {
            ExternalService.missing(
                "promtool is missing: run the tests with scripts/test.sh (install-deps.sh installs it)",
                note: "promtool missing; exposition not checked (apt-get install prometheus)")
            return
        }
        let path = TemporaryDirectory.uniquePath("sr-exposition") + ".txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try await shell("promtool check metrics < '\(path)'")
        #expect(status == 0, "promtool check metrics:\n\(output)")
    }

    /// The committed Grafana dashboard has job and instance variables and every query selects by
    /// them (one dashboard serves every deployment and instance).
    @Test func dashboardSelectsByJobAndInstance() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/grafana/schema-registry.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let templating = try #require(dashboard["templating"] as? [String: Any])
        let variables = try #require(templating["list"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(variables.contains("job") && variables.contains("instance"))
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var selectors = 0
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expression = try #require(target["expr"] as? String)
                for match in expression.matches(of: /([a-z_]+)(\{[^}]*\})?(\[|\)| |$)/) {
                    let name = match.output.1
                    guard name.contains("_"), !["sum", "rate", "histogram_quantile"].contains(name) else { continue }
                    #expect(
                        match.output.2?.hasPrefix(#"{job=~"$job",instance=~"$instance""#) == true,
                        "\(panel["title"] ?? "") selects \(name) without job and instance: \(expression)")
                    selectors += 1
                }
            }
        }
        #expect(selectors >= 30)
    }

    /// A busy metrics port fails the start, naming the port, instead of serving without
    /// /metrics and /readyz.
    @Test func busyMetricsPortFailsTheStart() async throws {
        let (taken, port) = try Ports.boundLoopbackSocket()
        defer { close(taken) }
        #expect(listen(taken, 1) == 0)
        let directory = TemporaryDirectory.uniquePath("sr-metrics-busy")
        let server = try await ServerProcess.start(
            dataDirectory: directory, extraArguments: ["--set", "metrics-port=\(port)"])
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: server.logPath)
        }
        guard let status = try await server.exitStatus(within: .seconds(60)) else {
            server.terminate()
            Issue.record("the server kept running with its metrics port taken")
            return
        }
        #expect(status != 0)
        let log = try String(contentsOfFile: server.logPath, encoding: .utf8)
        #expect(log.contains("metrics-port \(port) on 127.0.0.1 cannot be bound"), "\(log)")
    }

    /// The SRP port busy with the metrics port on: the start fails naming the port (the metrics
    /// server used to wait for a graceful shutdown that never came, and the process hung).
    @Test func busySRPPortFailsTheStartWithMetricsOn() async throws {
        let (taken, port) = try Ports.boundLoopbackSocket()
        defer { close(taken) }
        #expect(listen(taken, 1) == 0)
        let directory = TemporaryDirectory.uniquePath("sr-srp-busy")
        // The last --port wins over ServerProcess's own --port 0.
        let server = try await ServerProcess.start(
            dataDirectory: directory, extraArguments: ["--set", "metrics-port=0", "--port", "\(port)"])
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: server.logPath)
        }
        guard let status = try await server.exitStatus(within: .seconds(60)) else {
            server.terminate()
            Issue.record("the server neither served nor exited with its SRP port taken")
            return
        }
        #expect(status != 0)
        let log = try String(contentsOfFile: server.logPath, encoding: .utf8)
        #expect(log.contains("port \(port) on 127.0.0.1 cannot be bound"), "\(log)")
    }
}
