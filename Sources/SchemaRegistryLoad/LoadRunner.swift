import Foundation
import NIOCore
import NIOPosix
import SchemaRegistryClient

/// How a run connects and the limits it keeps.
public struct LoadRunnerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 7911
    public var apiKey: String?
    public var tls: ClientTLSConfiguration?
    public var connections = 8
    public var threads = 1
    /// Length of one point of the per-interval series.
    public var intervalSeconds = 1.0
    public var timeoutSeconds = 5.0
    public var maxRequests = 20_000_000
    public var maxPendingPerConnection = 10_000
    /// When set, the server's resident memory is sampled every interval (`/proc/<pid>/status`).
    public var serverPID: Int32?
    /// When set (stress), each step is judged against these and the run stops at the first that breaks one.
    public var stressBounds: StressBounds?
    /// Where a progress line goes each interval, if anywhere.
    public var progress: LoadProgress?

    public init() {}
}

/// What makes a stress step fail: too many errors or too slow a p99.
public struct StressBounds: Sendable, Codable {
    /// Errors / offered requests of the step, as a fraction.
    public var maxErrorRate: Double
    /// The highest p99 of a passing step, in microseconds.
    public var maxP99Us: UInt64

    public init(maxErrorRate: Double, maxP99Us: UInt64) {
        self.maxErrorRate = maxErrorRate
        self.maxP99Us = maxP99Us
    }
}

/// The verdict on one step of a stress ramp.
struct StressStep: Sendable, Codable {
    var offeredRps: Double
    var achievedRps: Double
    var latency: LatencyPercentiles
    var errors: Int
    var errorRate: Double
    var passed: Bool
    /// The step's latency per operation (`LoadOperation.key`); absent in reports of older versions.
    var operations: [String: LatencyPercentiles]?
}

/// One point of the per-interval series.
struct LoadIntervalPoint: Sendable, Codable {
    /// Start of the interval, seconds since the run started.
    var tS: Double
    var offeredRps: Double
    var achievedRps: Double
    var errors: Int
    var latency: LatencyPercentiles
    /// The server's resident set size at the end of the interval, when `--server-pid` is given.
    var rssKib: Int?
    /// The interval's latency per operation (`LoadOperation.key`); absent in reports of older versions.
    var operations: [String: LatencyPercentiles]?
}

/// Everything a run measured, before it is turned into a report.
public struct LoadMeasurement: Sendable {
    var intervals: [LoadIntervalPoint]
    /// Per phase, by intended send time (only the phases the run reached).
    var phases: [OperationWindows]
    /// Per operation (`LoadOperation.rawValue` order), over the phases after the warm-up.
    var operations: [LoadWindow]
    /// Seconds during which requests were offered, warm-up excepted.
    var offeredSeconds: Double
    var stressSteps: [StressStep]
    var stopReason: String
}

/// Drives a plan over several connections and collects windows from them as it goes.
public struct LoadRunner {
    public var settings: LoadRunnerSettings

    public init(settings: LoadRunnerSettings) {
        self.settings = settings
    }

    private struct Connection {
        var channel: any Channel
        var handler: NIOLoopBound<LoadConnectionHandler>

        func on<T: Sendable>(_ body: @escaping @Sendable (LoadConnectionHandler) -> T) async throws -> T {
            let handler = self.handler
            return try await channel.eventLoop.submit { body(handler.value) }.get()
        }
    }

    /// Opens the connections, runs `plan` (a stress plan stops at its knee) and returns what was measured.
    public func run(plan: LoadPlan, workload: LoadWorkload) async throws -> LoadMeasurement {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: settings.threads)
        do {
            let connections = try await connect(group: group, workload: workload)
            let measurement = try await drive(plan: plan, connections: connections)
            for connection in connections {
                try? await connection.on { $0.finish() }
                try? await connection.channel.close()
            }
            try await group.shutdownGracefully()
            return measurement
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func connect(group: MultiThreadedEventLoopGroup, workload: LoadWorkload) async throws -> [Connection] {
        var connections: [Connection] = []
        for index in 0..<settings.connections {
            let loop = group.next()
            let ready = loop.makePromise(of: Void.self)
            // A peer that accepts but never answers HELLO must not hang the run; a busy one
            // (a loaded machine, a server warming up) gets 30 s.
            let handshakeTimeout = loop.scheduleTask(in: .seconds(30)) {
                ready.fail(LoadSetupError("no HELLO_OK within 30 s"))
            }
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(30))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { [settings] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try settings.tls?.addHandler(to: channel.pipeline.syncOperations, host: settings.host)
                        try channel.pipeline.syncOperations.addHandler(
                            LoadConnectionHandler(
                                workload: workload, connectionIndex: index, apiKey: settings.apiKey, ready: ready))
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
            try await ready.futureResult.get()
            handshakeTimeout.cancel()
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(
                    try channel.pipeline.syncOperations.handler(type: LoadConnectionHandler.self),
                    eventLoop: channel.eventLoop)
            }.get()
            connections.append(Connection(channel: channel, handler: handler))
        }
        return connections
    }

    private func drive(plan: LoadPlan, connections: [Connection]) async throws -> LoadMeasurement {
        let intervalNanos = UInt64(settings.intervalSeconds * 1e9)
        let timeoutNanos = UInt64(settings.timeoutSeconds * 1e9)
        // A short lead so every connection has its schedule before the first intended send.
        let start = LoadConnectionHandler.now + 100_000_000
        var phaseEnds: [UInt64] = []
        var elapsed = 0.0
        for phase in plan.phases {
            elapsed += phase.seconds
            phaseEnds.append(start + UInt64(elapsed * 1e9))
        }
        let planEnd = phaseEnds.last ?? start
        let count = Double(connections.count)
        for (index, connection) in connections.enumerated() {
            let schedule = LoadConnectionSchedule(
                startNanos: start, phaseEnds: phaseEnds,
                gaps: plan.phases.map { 1e9 * count / $0.rate }, offset: Double(index) / count,
                intervalNanos: intervalNanos,
                maxRequests: (settings.maxRequests + connections.count - 1) / connections.count,
                maxPending: settings.maxPendingPerConnection,
                timeoutNanos: timeoutNanos)
            try await connection.on { $0.start(schedule) }
        }

        var collected: [Int: OperationWindows] = [:]
        var points: [LoadIntervalPoint] = []
        var steps: [StressStep] = []
        var nextToJudge = plan.firstMeasuredPhase
        var stoppedAt: UInt64?
        var stopReason = "plan completed"
        // Time to let a step's last requests answer before judging it; unanswered ones still
        // count (at their age) so the verdict is not flattered by waiting less.
        let judgeDelay = UInt64(min(1.0, max(0.25, 2 * Double(settings.stressBounds?.maxP99Us ?? 0) / 1e6)) * 1e9)
        // Hard bound on the loop, whatever happens to the server or the answers.
        let hardDeadline = planEnd + timeoutNanos + 2_000_000_000

        func finalize(upTo end: Int) {
            let sendingEnd = stoppedAt ?? planEnd
            let lastInterval = Int((sendingEnd - start + intervalNanos - 1) / intervalNanos)
            while points.count < min(end, lastInterval) {
                let index = points.count
                let windows = collected.removeValue(forKey: index) ?? OperationWindows()
                let window = windows.total
                let intervalStart = start + UInt64(index) * intervalNanos
                // The last interval may be cut short by the end of sending.
                let length = Double(min(intervalNanos, sendingEnd - intervalStart)) / 1e9
                points.append(
                    LoadIntervalPoint(
                        tS: Double(index) * settings.intervalSeconds,
                        offeredRps: Double(window.offered) / length, achievedRps: Double(window.completed) / length,
                        errors: window.errorCount, latency: window.percentiles,
                        rssKib: settings.serverPID.flatMap { ProcessMemory.residentKibibytes(pid: $0) },
                        operations: windows.percentilesByKey))
            }
        }

        while true {
            try await Task.sleep(for: .milliseconds(100))
            let now = LoadConnectionHandler.now
            var pending = 0
            for connection in connections {
                let harvest = try await connection.on { $0.harvest(final: false) }
                collected.merge(harvest.intervals) { old, new in
                    var merged = old
                    merged.merge(new)
                    return merged
                }
                pending += harvest.pending
            }
            let before = points.count
            finalize(upTo: now > start ? Int((now - start) / intervalNanos) : 0)
            if points.count > before, let point = points.last {
                settings.progress?.update(point: point, pending: pending, totalSeconds: plan.totalSeconds)
            }

            if let bounds = settings.stressBounds, stoppedAt == nil, nextToJudge < plan.phases.count,
                now >= phaseEnds[nextToJudge] + judgeDelay
            {
                let index = nextToJudge
                nextToJudge += 1
                var windows = OperationWindows()
                for connection in connections { windows.merge(try await connection.on { $0.phaseSnapshot(index) }) }
                let step = Self.judge(windows, phase: plan.phases[index], bounds: bounds)
                steps.append(step)
                if !step.passed {
                    stoppedAt = max(start, min(now, planEnd))
                    stopReason = "step \(steps.count) at \(Int(step.offeredRps)) req/s broke a bound"
                    for connection in connections { try await connection.on { $0.stopSending() } }
                }
            }
            let stressJudged = settings.stressBounds == nil || stoppedAt != nil || nextToJudge == plan.phases.count
            if (now >= planEnd || stoppedAt != nil), pending == 0, stressJudged { break }
            if now >= hardDeadline {
                stopReason += "; gave up waiting for \(pending) answers"
                break
            }
            if !connections.contains(where: { $0.channel.isActive }) {
                stopReason = "the server closed every connection"
                stoppedAt = stoppedAt ?? max(start, min(now, planEnd))
                break
            }
        }
        settings.progress?.finish()

        for connection in connections {
            let harvest = try await connection.on { $0.harvest(final: true) }
            collected.merge(harvest.intervals) { old, new in
                var merged = old
                merged.merge(new)
                return merged
            }
        }
        finalize(upTo: Int.max)
        let sendingEnd = stoppedAt ?? planEnd
        let reached = phaseEnds.firstIndex(where: { $0 >= sendingEnd }).map { $0 + 1 } ?? plan.phases.count
        var phases = Array(repeating: OperationWindows(), count: reached)
        for connection in connections {
            for index in 0..<reached { phases[index].merge(try await connection.on { $0.phaseSnapshot(index) }) }
        }
        var measured = OperationWindows()
        for phase in phases.dropFirst(plan.firstMeasuredPhase) { measured.merge(phase) }
        let operations = measured.byOperation
        return LoadMeasurement(
            intervals: points, phases: phases, operations: operations,
            offeredSeconds: max(0, Double(sendingEnd - start) / 1e9 - plan.warmupSeconds), stressSteps: steps,
            stopReason: stopReason)
    }

    /// Whether one stress step stayed within the bounds.
    static func judge(_ windows: OperationWindows, phase: LoadPhase, bounds: StressBounds) -> StressStep {
        let window = windows.total
        let errors = window.errorCount
        let errorRate = window.offered > 0 ? Double(errors) / Double(window.offered) : 0
        let latency = window.percentiles
        return StressStep(
            offeredRps: phase.rate, achievedRps: Double(window.completed) / phase.seconds, latency: latency,
            errors: errors, errorRate: errorRate,
            passed: errorRate <= bounds.maxErrorRate && latency.p99Us <= bounds.maxP99Us && window.completed > 0,
            operations: windows.percentilesByKey)
    }
}
