import Foundation

/// The results of one run as written by `--json` (keys in snake_case; latencies in
/// microseconds, corrected for coordinated omission; rates in requests per second).
public struct LoadReport: Codable, Sendable {
    var scenario: LoadScenario
    var tool = "schema-registry load"
    /// ISO 8601, when the run started.
    var date: String
    var target: String
    /// The machine's 1, 5 and 15 minute load averages when the run started (`/proc/loadavg`):
    /// on a shared machine, what else was competing for the cores.
    var loadAverageAtStart: [Double]?
    var connections: Int
    var durationScale: Double
    var intervalSeconds: Double
    /// Share of each operation, 0...1.
    var mix: [String: Double]
    var phases: [PhaseReport]
    var intervals: [LoadIntervalPoint]
    var summary: SummaryReport
    var operations: [String: WindowReport]
    var stress: StressReport?
    var spike: SpikeReport?
    var soak: SoakReport?
}

/// One phase of the plan, counted by intended send time.
struct PhaseReport: Codable, Sendable {
    var name: String
    var startS: Double
    var durationS: Double
    var offeredRps: Double
    var achievedRps: Double
    /// Left out of the summary and verdicts.
    var warmup: Bool
    var window: WindowReport
}

/// Counts and latency of a slice of the run.
struct WindowReport: Codable, Sendable {
    var offered: Int
    var completed: Int
    var errors: Int
    var errorsByStatus: [String: Int]
    var latency: LatencyPercentiles

    init(_ window: LoadWindow) {
        offered = window.offered
        completed = window.completed
        errors = window.errorCount
        errorsByStatus = window.errors
        latency = window.percentiles
    }
}

/// The whole run.
struct SummaryReport: Codable, Sendable {
    /// Seconds during which requests were offered.
    var offeredSeconds: Double
    /// OK answers per second over those seconds.
    var throughputRps: Double
    var stopReason: String
    var total: WindowReport
    /// Every operation but RegisterSchema; absent in reports of older versions.
    var reads: WindowReport?
}

/// Stress: each step's verdict and the knee, the highest rate that stayed within the bounds.
struct StressReport: Codable, Sendable {
    var maxErrorRate: Double
    var maxP99Us: UInt64
    var steps: [StressStep]
    /// The last step that passed before the first that did not (nil if the first step failed).
    var knee: StressStep?
    /// The first step that failed (nil if the ramp reached --max-rate within the bounds).
    var breakingStep: StressStep?
}

/// Spike: how long after the spike p99 came back near its level before the spike.
struct SpikeReport: Codable, Sendable {
    var factor: Double
    var spikeStartS: Double
    var spikeEndS: Double
    /// p99 of the requests offered before the spike.
    var beforeP99Us: UInt64
    /// p99 of an interval counts as recovered at or below this (`--recovery-factor` x `before_p99_us`).
    var recoveredP99Us: UInt64
    var peakP99Us: UInt64
    /// From the end of the spike to the start of the first interval from which two intervals in a
    /// row are recovered (resolution: one interval); nil when that never happened in the run.
    var recoverySeconds: Double?
}

/// Soak: the server's memory and how p99 moved from the start of the run to its end.
struct SoakReport: Codable, Sendable {
    var rssFirstKib: Int?
    var rssLastKib: Int?
    var rssMaxKib: Int?
    /// Intervals in each of the first and last windows compared (a tenth of the run, at least one).
    var driftWindowIntervals: Int
    /// Median of the per-interval p99 over the first window, and over the last.
    var p99FirstUs: UInt64
    var p99LastUs: UInt64
    /// `p99_last_us / p99_first_us`.
    var p99Drift: Double
}

extension LoadReport {
    /// JSON with sorted keys in snake_case.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// A few lines for people, printed when the run ends.
    public var text: String {
        let total = summary.total
        var lines = [
            "\(scenario.rawValue): \(total.completed) ok, \(total.errors) errors of \(total.offered) offered"
                + " in \(String(format: "%.1f", summary.offeredSeconds)) s over \(connections) connections"
                + " (\(summary.stopReason))",
            "  throughput \(Int(summary.throughputRps)) req/s",
            "  latency  " + Self.describe(total.latency),
        ]
        if let reads = summary.reads, reads.completed > 0 {
            lines.append("  reads    " + Self.describe(reads.latency) + " (all but register)")
        }
        for operation in LoadOperation.allCases {
            guard let window = operations[operation.key], window.offered > 0 else { continue }
            let name = operation.key.padding(toLength: 9, withPad: " ", startingAt: 0)
            var line = "  \(name)\(Self.describe(window.latency)); \(window.completed) ok"
            if window.errors > 0 { line += ", \(window.errors) errors" }
            lines.append(line)
        }
        if !total.errorsByStatus.isEmpty {
            lines.append(
                "  errors "
                    + total.errorsByStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                        separator: ", "))
        }
        if let stress {
            if let knee = stress.knee {
                lines.append(
                    "  knee \(Int(knee.offeredRps)) req/s offered, \(Int(knee.achievedRps)) achieved, "
                        + "p99 \(LoadProgress.milliseconds(knee.latency.p99Us))"
                        + Self.describeP99s(knee.operations))
            } else {
                lines.append("  knee not found: the first step already broke a bound")
            }
            if stress.breakingStep == nil { lines.append("  (reached --max-rate within the bounds)") }
        }
        if let spike {
            let recovery = spike.recoverySeconds.map { String(format: "%.1f s", $0) } ?? "not within the run"
            lines.append(
                "  spike x\(spike.factor): p99 before \(LoadProgress.milliseconds(spike.beforeP99Us)), "
                    + "peak \(LoadProgress.milliseconds(spike.peakP99Us)), recovery \(recovery)")
        }
        if let soak {
            var line =
                "  p99 first \(LoadProgress.milliseconds(soak.p99FirstUs)), last \(LoadProgress.milliseconds(soak.p99LastUs))"
                + String(format: " (drift x%.2f)", soak.p99Drift)
            if let first = soak.rssFirstKib, let last = soak.rssLastKib {
                line += ", server RSS \(first / 1024) -> \(last / 1024) MiB"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `" (get p99 1.2 ms, register p99 30 ms)"`, in the mix's order; empty without operations.
    static func describeP99s(_ operations: [String: LatencyPercentiles]?) -> String {
        guard let operations, !operations.isEmpty else { return "" }
        let parts = LoadOperation.allCases.compactMap { operation in
            operations[operation.key].map { "\(operation.key) p99 \(LoadProgress.milliseconds($0.p99Us))" }
        }
        return " (" + parts.joined(separator: ", ") + ")"
    }

    static func describe(_ latency: LatencyPercentiles) -> String {
        [
            ("p50", latency.p50Us), ("p90", latency.p90Us), ("p99", latency.p99Us), ("p99.9", latency.p999Us),
            ("max", latency.maxUs),
        ]
        .map { "\($0.0) \(LoadProgress.milliseconds($0.1))" }.joined(separator: "  ")
    }
}
