import ArgumentParser
import Foundation
import SchemaRegistryClient
import SchemaRegistryLoad

/// `schema-registry load`: open-loop load scenarios against a running server, run by SchemaRegistryLoad.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a load scenario (baseline, stress, spike or soak) against a server and report latency.",
        discussion: """
            Open loop: requests are sent at the times the rate sets, whatever the server's answers do, over
            --connections pipelined connections, and latency is measured from each request's intended send time
            (corrected for coordinated omission). The mix defaults to 60% GetSchemaById, 20% ValidatePayload,
            15% RegisterSchema (a new version each time, so real writes) and 5% CheckCompatibility.
              baseline  --rate for --duration (default 30 s)
              stress    from --start-rate up by --step-rate every --step-seconds until a step's error rate exceeds
                        --max-error-percent or its p99 exceeds --max-p99-ms (the knee is the last step within both)
              spike     --rate, then --spike-factor x --rate for --spike-seconds, then --rate again; reports the
                        time until the p99 per interval is back within --recovery-factor x its level before
              soak      --rate for --duration (default 300 s); reports p99 drift and, with --server-pid, the
                        server's resident memory
            Every run is bounded: at most \(Int(LoadPlan.maxTotalSeconds)) s and --max-requests requests.
            Results: a summary on stdout, --json (per-interval series, percentiles, errors by status, the scenario's
            verdict) and --svg (charts); --chart-from redraws the charts of an earlier --json without running.
            Example (a ~3 s smoke run): schema-registry load spike --port 7911 --duration-scale 0.1 --json spike.json
            """)

    @Argument(help: "baseline, stress, spike or soak.") var scenario: LoadScenario
    @OptionGroup(title: "Server") var server: EndpointOptions
    @Option(help: "Connections; requests are pipelined on each.") var connections = 8
    @Option(help: "Client event-loop threads.") var threads = 1
    @Option(help: "Offered requests per second (baseline, spike before and after, soak).") var rate: Double = 2000
    @Option(help: "Seconds of load (baseline 30, soak 300 by default).") var duration: Double?
    @Option(help: "Multiply every duration by this (0.1 turns a 30 s scenario into 3 s).") var durationScale: Double = 1
    @Option(help: "Seconds of warm-up at the first rate, charted but not counted (scaled too).")
    var warmup: Double = 2
    @Option(help: "Operation weights.") var mix = "get=60,validate=20,register=15,check=5"
    @Option(help: "Registrations add versions to a subject up to this many, then move to a new subject.")
    var versionsPerSubject = 10
    @Option(help: "Stop sending after this many requests in all.") var maxRequests = 20_000_000
    @Option(help: "Seconds after its intended send time a request counts as a TIMEOUT error.") var timeout: Double = 5
    @Option(help: "Unanswered requests per connection beyond which new ones count as CLIENT_BACKLOG errors.")
    var maxPending = 10_000

    @Option(help: "Stress: first rate.") var startRate: Double = 1000
    @Option(help: "Stress: added per step.") var stepRate: Double = 1000
    @Option(help: "Stress: highest rate tried.") var maxRate: Double = 100_000
    @Option(help: "Stress: seconds per step.") var stepSeconds: Double = 5
    @Option(help: "Stress: a step fails above this error percentage.") var maxErrorPercent: Double = 1
    @Option(help: "Stress: a step fails above this p99 (ms).") var maxP99Ms: Double = 50

    @Option(help: "Spike: rate multiplier during the spike.") var spikeFactor: Double = 3
    @Option(help: "Spike: seconds before the spike.") var beforeSeconds: Double = 10
    @Option(help: "Spike: seconds of the spike.") var spikeSeconds: Double = 5
    @Option(help: "Spike: seconds after the spike.") var afterSeconds: Double = 15
    @Option(help: "Spike: p99 counts as recovered within this factor of its level before the spike.")
    var recoveryFactor: Double = 1.5

    @Option(help: "Sample this process's VmRSS every interval (the server's pid, Linux).") var serverPid: Int32?
    @Option(help: "Write the results as JSON here.") var json: String?
    @Option(help: "Write the charts as SVG here.") var svg: String?
    @Flag(help: "Print the progress line even when stderr is not a terminal.") var progress = false
    @Option(help: "Run nothing: redraw --svg from the results a previous run wrote with --json.")
    var chartFrom: String?

    func validate() throws {
        guard connections > 0, connections <= 1024, threads > 0, threads <= 64 else {
            throw ValidationError("--connections must be in 1...1024 and --threads in 1...64")
        }
        guard rate > 0, startRate > 0, stepRate > 0, maxRate >= startRate, spikeFactor > 0, recoveryFactor >= 1 else {
            throw ValidationError(
                "rates and factors must be positive (--max-rate >= --start-rate, --recovery-factor >= 1)")
        }
        guard durationScale > 0, timeout > 0, warmup >= 0, maxRequests > 0, maxPending > 0, versionsPerSubject > 0
        else {
            throw ValidationError(
                "--duration-scale, --timeout, --max-requests, --max-pending and --versions-per-subject must be positive"
            )
        }
        guard LoadMix(parsing: mix) != nil else {
            throw ValidationError("--mix is a list like get=60,validate=20,register=15,check=5")
        }
        let total = plan().totalSeconds
        guard total > 0, total <= LoadPlan.maxTotalSeconds else {
            throw ValidationError(
                "the scenario would last \(Int(total)) s; it must be in (0, \(Int(LoadPlan.maxTotalSeconds))] s")
        }
    }

    /// The scenario's phases, durations already scaled.
    func plan() -> LoadPlan {
        let unscaled: LoadPlan
        switch scenario {
        case .baseline: unscaled = .steady(.baseline, rate: rate, seconds: duration ?? 30)
        case .soak: unscaled = .steady(.soak, rate: rate, seconds: duration ?? 300)
        case .stress:
            unscaled = .stress(startRate: startRate, stepRate: stepRate, maxRate: maxRate, stepSeconds: stepSeconds)
        case .spike:
            unscaled = .spike(
                rate: rate, factor: spikeFactor, before: beforeSeconds, spike: spikeSeconds, after: afterSeconds)
        }
        return unscaled.warmedUp(seconds: warmup).scaled(by: durationScale)
    }

    func run() async throws {
        if let chartFrom {
            guard let svg else { throw ValidationError("--chart-from needs --svg") }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let report = try decoder.decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: chartFrom)))
            try LoadCharts.svg(for: report).write(toFile: svg, atomically: true, encoding: .utf8)
            return
        }
        let plan = plan()
        let mix = LoadMix(parsing: mix) ?? .standard
        let endpoint = try server.endpoint()
        var configuration = ClientConfiguration(host: endpoint.host, port: endpoint.port)
        configuration.connectTimeout = .seconds(30)
        configuration.apiKey = server.resolvedAPIKey()
        configuration.tls = server.tlsConfiguration
        let client = SchemaRegistryClient(configuration: configuration)
        let workload: LoadWorkload
        do {
            workload = try await LoadWorkload.prepare(
                client: client, mix: mix, versionsPerSubject: versionsPerSubject)
        } catch let error as SchemaRegistryClientError {
            await client.close()
            // As the client commands say it (which host and port, why, what to try), not a raw NIO error.
            Output(json: false).error(
                "cannot prepare the load: " + ConnectionOptions.describe(error, endpoint: endpoint),
                hint: ConnectionOptions.hint(for: error))
            throw ExitCode(CLIExitCode.forError(error))
        } catch {
            await client.close()
            throw error
        }
        await client.close()

        // Points every second, or finer when durations are scaled down, so a short run still has a series.
        let interval = max(0.1, min(1, durationScale))
        let bounds =
            scenario == .stress
            ? StressBounds(maxErrorRate: maxErrorPercent / 100, maxP99Us: UInt64(maxP99Ms * 1000)) : nil
        var settings = LoadRunnerSettings()
        (settings.host, settings.port) = try server.endpoint()
        settings.apiKey = server.resolvedAPIKey()
        settings.tls = server.tlsConfiguration
        settings.connections = connections
        settings.threads = threads
        settings.intervalSeconds = interval
        settings.timeoutSeconds = timeout
        settings.maxRequests = maxRequests
        settings.maxPendingPerConnection = maxPending
        settings.serverPID = serverPid
        settings.stressBounds = bounds
        if progress || LoadProgress.stderrIsTerminal {
            settings.progress = LoadProgress(label: scenario.rawValue, rewritesLine: LoadProgress.stderrIsTerminal)
        }
        let startedAt = Date()
        let loadAverages = ProcessMemory.loadAverages()
        let measurement = try await LoadRunner(settings: settings).run(plan: plan, workload: workload)
        let report = LoadAnalysis.report(
            measurement,
            context: .init(
                plan: plan, target: "\(endpoint.host):\(endpoint.port)", connections: connections,
                durationScale: durationScale,
                intervalSeconds: interval, mix: mix, startedAt: startedAt, loadAverageAtStart: loadAverages,
                stressBounds: bounds,
                spikeFactor: spikeFactor, recoveryFactor: recoveryFactor))
        print(report.text)
        if let json {
            try report.encoded().write(to: URL(fileURLWithPath: json))
        }
        if let svg {
            try LoadCharts.svg(for: report).write(toFile: svg, atomically: true, encoding: .utf8)
        }
    }
}

// The scenario is an argument here; SchemaRegistryLoad knows no command line.
extension LoadScenario: ExpressibleByArgument {}
