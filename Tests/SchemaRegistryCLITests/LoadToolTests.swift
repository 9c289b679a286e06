import Foundation
import SchemaRegistryTesting
import TestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `schema-registry load`, each scenario shortened to a couple of seconds against a real server.
/// These check that the tool works and writes what it promises, never how fast anything is:
/// bounds are set so loose that no step can fail on a slow machine.
@Suite("Load tool smoke runs", .serialized)
struct LoadToolTests {
    static let common = ["--rate", "200", "--connections", "2", "--duration-scale", "0.1"]

    static let scenarios: [(name: String, arguments: [String])] = [
        ("baseline", ["--duration", "15"]),
        (
            "stress",
            [
                "--start-rate", "100", "--step-rate", "100", "--max-rate", "300", "--step-seconds", "5",
                "--max-p99-ms", "60000", "--max-error-percent", "100",
            ]
        ),
        ("spike", ["--before-seconds", "10", "--spike-seconds", "5", "--after-seconds", "10"]),
        ("soak", ["--duration", "20"]),
    ]

    @Test(arguments: scenarios.map(\.name))
    func scenarioWritesJSONAndSVG(_ scenario: String) async throws {
        try await withServer { server in
            let directory = TemporaryDirectory.uniquePath("load")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let json = directory + "/\(scenario).json", svg = directory + "/\(scenario).svg"
            let extra = Self.scenarios.first { $0.name == scenario }?.arguments ?? []
            // The server runs in this process, so its memory is this process's.
            let pid = "\(ProcessInfo.processInfo.processIdentifier)"
            let result = try await CLI.run(
                ["load", scenario, "--port", "\(server.port)", "--json", json, "--svg", svg, "--server-pid", pid]
                    + Self.common + extra)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("\(scenario): "), "\(result)")
            // The text summary has a line per operation and one for the reads together.
            for operation in ["reads", "get", "validate", "register", "check"] {
                #expect(result.stdout.contains("\n  \(operation) "), "no \(operation) line: \(result)")
            }

            let report = try CLI.json(String(decoding: try Data(contentsOf: URL(fileURLWithPath: json)), as: UTF8.self))
            try Self.checkCommonFields(report, scenario: scenario)
            try Self.checkScenarioFields(report, scenario: scenario)
            let chart = try String(contentsOfFile: svg, encoding: .utf8)
            try Self.checkSVG(chart)
            #expect(chart.contains("p99 per operation"), "no per-operation panel")
        }
    }

    static func checkCommonFields(_ report: [String: Any], scenario: String) throws {
        #expect(report["scenario"] as? String == scenario)
        let summary = try #require(report["summary"] as? [String: Any])
        let total = try #require(summary["total"] as? [String: Any])
        #expect((total["completed"] as? Int ?? 0) > 0, "\(summary)")
        #expect((summary["throughput_rps"] as? Double ?? 0) > 0, "\(summary)")
        let latency = try #require(total["latency"] as? [String: Any])
        for key in ["p50_us", "p90_us", "p99_us", "p999_us", "max_us"] {
            #expect((latency[key] as? Int ?? 0) > 0, "\(key) in \(latency)")
        }
        #expect(total["errors_by_status"] is [String: Any])
        let intervals = try #require(report["intervals"] as? [[String: Any]])
        #expect(!intervals.isEmpty)
        #expect(intervals.contains { ($0["achieved_rps"] as? Double ?? 0) > 0 })
        #expect(intervals.allSatisfy { $0["latency"] is [String: Any] && $0["t_s"] != nil && $0["offered_rps"] != nil })
        #expect(intervals.contains { $0["rss_kib"] != nil }, "RSS sampled with --server-pid")
        let operations = try #require(report["operations"] as? [String: [String: Any]])
        #expect(Set(operations.keys) == ["get", "validate", "register", "check"])
        #expect((operations["register"]?["completed"] as? Int ?? 0) > 0, "registrations are real writes that succeed")
        #expect((operations["get"]?["completed"] as? Int ?? 0) > 0)
        // Reads (all but register) are the sum of their operations.
        let reads = try #require(summary["reads"] as? [String: Any])
        let readCounts = ["get", "validate", "check"].map { operations[$0]?["completed"] as? Int ?? 0 }
        #expect(reads["completed"] as? Int == readCounts.reduce(0, +), "\(reads)")
        // Intervals carry latency per operation: the get and register lines of the charts.
        let byOperation = intervals.compactMap { $0["operations"] as? [String: [String: Any]] }
        #expect(byOperation.contains { $0["get"]?["p99_us"] != nil })
        #expect(byOperation.contains { $0["register"]?["p99_us"] != nil })
    }

    static func checkScenarioFields(_ report: [String: Any], scenario: String) throws {
        switch scenario {
        case "stress":
            let stress = try #require(report["stress"] as? [String: Any])
            let steps = try #require(stress["steps"] as? [[String: Any]])
            #expect(steps.count == 3, "\(stress)")
            let knee = try #require(stress["knee"] as? [String: Any], "\(stress)")
            #expect(knee["offered_rps"] as? Double == 300)
            let kneeOperations = try #require(knee["operations"] as? [String: [String: Any]], "\(knee)")
            #expect(kneeOperations["get"]?["p99_us"] != nil, "\(knee)")
        case "spike":
            let spike = try #require(report["spike"] as? [String: Any])
            #expect((spike["before_p99_us"] as? Int ?? 0) > 0, "\(spike)")
            #expect(spike["spike_end_s"] as? Double ?? 0 > spike["spike_start_s"] as? Double ?? 0, "\(spike)")
            #expect(spike["peak_p99_us"] != nil)
        case "soak":
            let soak = try #require(report["soak"] as? [String: Any])
            #expect((soak["rss_first_kib"] as? Int ?? 0) > 0, "\(soak)")
            #expect((soak["p99_drift"] as? Double ?? 0) > 0, "\(soak)")
        default:
            #expect(report["stress"] == nil && report["spike"] == nil && report["soak"] == nil)
        }
    }

    /// Starts with `<svg`, draws lines, and is well-formed XML.
    static func checkSVG(_ text: String) throws {
        #expect(text.hasPrefix("<svg"))
        #expect(text.contains("<path "))
        #expect(text.contains("</svg>"))
        let parser = XMLParser(data: Data(text.utf8))
        #expect(parser.parse(), "SVG is not well-formed: \(String(describing: parser.parserError))")
    }
}
