import Foundation

/// Turns a measurement into a report, with the scenario's own conclusions (knee, recovery, drift).
public enum LoadAnalysis {
    /// What the report says about the run besides its measurement.
    public struct Context {
        var plan: LoadPlan
        var target: String
        var connections: Int
        var durationScale: Double
        var intervalSeconds: Double
        var mix: LoadMix
        var startedAt: Date
        var loadAverageAtStart: [Double]?
        var stressBounds: StressBounds?
        var spikeFactor: Double
        var recoveryFactor: Double

        public init(
            plan: LoadPlan, target: String, connections: Int, durationScale: Double, intervalSeconds: Double,
            mix: LoadMix, startedAt: Date, loadAverageAtStart: [Double]?, stressBounds: StressBounds?,
            spikeFactor: Double, recoveryFactor: Double
        ) {
            self.plan = plan
            self.target = target
            self.connections = connections
            self.durationScale = durationScale
            self.intervalSeconds = intervalSeconds
            self.mix = mix
            self.startedAt = startedAt
            self.loadAverageAtStart = loadAverageAtStart
            self.stressBounds = stressBounds
            self.spikeFactor = spikeFactor
            self.recoveryFactor = recoveryFactor
        }
    }

    /// The report of a run: its summary and series, and the scenario's verdict.
    public static func report(_ measurement: LoadMeasurement, context: Context) -> LoadReport {
        var total = LoadWindow()
        for (index, phase) in measurement.phases.enumerated() where !context.plan.phases[index].warmup {
            total.merge(phase.total)
        }
        // Reads: everything but registrations, whose tail is the store's commit and which the
        // targets judge apart from the reads.
        var reads = LoadWindow()
        for operation in LoadOperation.allCases where operation != .registerSchema {
            reads.merge(measurement.operations[operation.rawValue])
        }
        let phases = measurement.phases.enumerated().map { index, windows in
            let phase = context.plan.phases[index]
            let window = windows.total
            return PhaseReport(
                name: phase.name, startS: context.plan.start(ofPhase: index), durationS: phase.seconds,
                offeredRps: phase.rate, achievedRps: Double(window.completed) / phase.seconds, warmup: phase.warmup,
                window: WindowReport(window))
        }
        var report = LoadReport(
            scenario: context.plan.scenario, date: ISO8601DateFormatter().string(from: context.startedAt),
            target: context.target, loadAverageAtStart: context.loadAverageAtStart, connections: context.connections,
            durationScale: context.durationScale,
            intervalSeconds: context.intervalSeconds,
            mix: Dictionary(uniqueKeysWithValues: zip(LoadOperation.allCases.map(\.key), context.mix.shares)),
            phases: phases, intervals: measurement.intervals,
            summary: SummaryReport(
                offeredSeconds: measurement.offeredSeconds,
                throughputRps: measurement.offeredSeconds > 0
                    ? Double(total.completed) / measurement.offeredSeconds : 0,
                stopReason: measurement.stopReason, total: WindowReport(total), reads: WindowReport(reads)),
            operations: Dictionary(
                uniqueKeysWithValues: zip(
                    LoadOperation.allCases.map(\.key), measurement.operations.map(WindowReport.init))
            ))
        switch context.plan.scenario {
        case .baseline: break
        case .stress:
            if let bounds = context.stressBounds { report.stress = stress(measurement.stressSteps, bounds: bounds) }
        case .spike:
            report.spike = spike(measurement, context: context)
        case .soak:
            let tolerance = context.intervalSeconds * 1e-6
            report.soak = soak(measurement.intervals.filter { $0.tS >= context.plan.warmupSeconds - tolerance })
        }
        return report
    }

    /// The knee is the last passing step before the first failing one.
    static func stress(_ steps: [StressStep], bounds: StressBounds) -> StressReport {
        let breaking = steps.firstIndex { !$0.passed }
        let passed = steps.prefix(breaking ?? steps.count)
        return StressReport(
            maxErrorRate: bounds.maxErrorRate, maxP99Us: bounds.maxP99Us, steps: steps, knee: passed.last,
            breakingStep: breaking.map { steps[$0] })
    }

    /// Recovery: from the end of the spike to the first interval from which two in a row
    /// (or the last one) have a p99 within `recoveryFactor` x the p99 before the spike.
    static func spike(_ measurement: LoadMeasurement, context: Context) -> SpikeReport? {
        guard let spikeIndex = context.plan.phases.firstIndex(where: { $0.name == "spike" }), spikeIndex > 0,
            spikeIndex < measurement.phases.count
        else { return nil }
        let before = measurement.phases[spikeIndex - 1].total
        let spikeStart = context.plan.start(ofPhase: spikeIndex)
        let spikeEnd = context.plan.start(ofPhase: spikeIndex + 1)
        let beforeP99 = before.percentiles.p99Us
        let bound = UInt64((Double(beforeP99) * context.recoveryFactor).rounded())
        let tolerance = context.intervalSeconds * 1e-6
        let later = measurement.intervals.filter { $0.tS >= spikeStart - tolerance }
        let after = measurement.intervals.filter { $0.tS >= spikeEnd - tolerance }
        func recovered(_ point: LoadIntervalPoint) -> Bool { point.latency.p99Us <= bound && point.achievedRps > 0 }
        let first = after.indices.first { index in
            recovered(after[index]) && (index + 1 == after.count || recovered(after[index + 1]))
        }
        return SpikeReport(
            factor: context.spikeFactor, spikeStartS: spikeStart, spikeEndS: spikeEnd, beforeP99Us: beforeP99,
            recoveredP99Us: bound, peakP99Us: later.map(\.latency.p99Us).max() ?? 0,
            recoverySeconds: first.map { max(0, after[$0].tS - spikeEnd) })
    }

    /// RSS first, last and highest; p99 drift as the median interval p99 of the last tenth of
    /// the run over that of the first tenth (medians, so one noisy second does not decide it).
    static func soak(_ intervals: [LoadIntervalPoint]) -> SoakReport {
        let window = max(1, intervals.count / 10)
        func medianP99(_ points: ArraySlice<LoadIntervalPoint>) -> UInt64 {
            let sorted = points.map(\.latency.p99Us).sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
        let first = medianP99(intervals.prefix(window))
        let last = medianP99(intervals.suffix(window))
        let rss = intervals.compactMap(\.rssKib)
        return SoakReport(
            rssFirstKib: rss.first, rssLastKib: rss.last, rssMaxKib: rss.max(), driftWindowIntervals: window,
            p99FirstUs: first, p99LastUs: last, p99Drift: first > 0 ? Double(last) / Double(first) : 0)
    }
}
