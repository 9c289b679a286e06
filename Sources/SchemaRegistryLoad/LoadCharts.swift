import Foundation

/// The charts of a run as one SVG: latency percentiles and throughput over time (baseline,
/// spike, soak; plus server memory when sampled), or throughput and latency against the
/// offered rate (stress).
public enum LoadCharts {
    static let width = 960.0
    static let panelHeight = 330.0
    static let colors = (p50: "#2a9d8f", p99: "#e76f51", p999: "#6d597a", offered: "#8d99ae", achieved: "#264653")
    /// One color per operation, in `LoadOperation` order.
    static let operationColors = ["#1d3557", "#2a9d8f", "#e63946", "#f4a261"]

    /// The charts of a report, as one SVG document.
    public static func svg(for report: LoadReport) -> String {
        let panels = report.scenario == .stress ? stressPanels(report) : timePanels(report)
        let header = 62.0
        var svg = SVGDocument(width: width, height: header + Double(panels.count) * panelHeight)
        svg.rect(x: 0, y: 0, width: svg.width, height: svg.height, fill: "#fafafa")
        svg.text(headline(report), x: 20, y: 28, size: 18, fill: "#222", bold: true)
        svg.text(subtitle(report), x: 20, y: 48, size: 12, fill: "#666")
        for (index, panel) in panels.enumerated() {
            panel.draw(
                into: &svg, left: 0, top: header + Double(index) * panelHeight, width: width, height: panelHeight)
        }
        return svg.rendered
    }

    static func headline(_ report: LoadReport) -> String {
        let rates = report.phases.filter { !$0.warmup }.map(\.offeredRps)
        let rate =
            report.scenario == .stress
            ? "\(ChartAxis.thousands(rates.first ?? 0))-\(ChartAxis.thousands(rates.last ?? 0)) req/s offered"
            : "\(ChartAxis.thousands(rates.first ?? 0)) req/s offered"
        return "schema-registry load \(report.scenario.rawValue): \(rate), \(report.connections) connections"
    }

    /// How the numbers were taken, in one line under the headline.
    static func subtitle(_ report: LoadReport) -> String {
        let mix = LoadOperation.allCases.compactMap { operation in
            (report.mix[operation.key] ?? 0) > 0
                ? "\(operation.key) \(ChartAxis.plain(100 * (report.mix[operation.key] ?? 0)))%" : nil
        }.joined(separator: ", ")
        return "open loop, latency from intended send time (corrected for coordinated omission); mix \(mix); "
            + String(report.date.prefix(10))
    }

    private static func milliseconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }

    private static func latencyAxis(_ label: String, values: [UInt64]) -> ChartAxis {
        let positive = values.filter { $0 > 0 }.map(milliseconds)
        return .logarithmic(
            label, from: positive.min() ?? 0.1, upTo: positive.max() ?? 1, format: ChartAxis.plain)
    }

    private static func timePanels(_ report: LoadReport) -> [LineChart] {
        let points = report.intervals
        // Each interval is drawn at its middle.
        let middle = report.intervalSeconds / 2
        let end = max(report.summary.offeredSeconds, (points.last?.tS ?? 0) + report.intervalSeconds)
        let time = ChartAxis(label: "time since start (s)", minimum: 0, maximum: end)
        var bands: [ChartBand] = []
        let warmup = report.phases.filter(\.warmup).map(\.durationS).reduce(0, +)
        if warmup > 0 {
            bands.append(ChartBand(from: 0, to: warmup, label: "warm-up", fill: "#adb5bd", labelColor: "#6c757d"))
        }
        var markers: [ChartMarker] = []
        if let spike = report.spike {
            bands.append(
                ChartBand(
                    from: spike.spikeStartS, to: spike.spikeEndS, label: "\(ChartAxis.plain(spike.factor))x spike"))
            if let recovery = spike.recoverySeconds {
                markers.append(
                    ChartMarker(x: spike.spikeEndS + recovery, label: "recovered +\(ChartAxis.plain(recovery)) s"))
            }
        }
        let latency = LineChart(
            title: "Latency per \(ChartAxis.plain(report.intervalSeconds)) s interval (log scale)",
            x: time,
            y: latencyAxis("latency (ms)", values: points.flatMap { [$0.latency.p50Us, $0.latency.maxUs] }),
            series: [
                ChartSeries(
                    name: "p50", color: colors.p50,
                    points: points.map { ($0.tS + middle, milliseconds($0.latency.p50Us)) }),
                ChartSeries(
                    name: "p99", color: colors.p99,
                    points: points.map { ($0.tS + middle, milliseconds($0.latency.p99Us)) }),
                ChartSeries(
                    name: "p99.9", color: colors.p999,
                    points: points.map { ($0.tS + middle, milliseconds($0.latency.p999Us)) }),
            ],
            bands: bands, markers: markers)
        let peak = points.map { max($0.offeredRps, $0.achievedRps) }.max() ?? 1
        var throughputSeries = [
            ChartSeries(
                name: "offered", color: colors.offered, points: points.map { ($0.tS + middle, $0.offeredRps) },
                dash: "6 4"),
            ChartSeries(
                name: "achieved (ok)", color: colors.achieved, points: points.map { ($0.tS + middle, $0.achievedRps) }),
        ]
        if points.contains(where: { $0.errors > 0 }) {
            throughputSeries.append(
                ChartSeries(
                    name: "errors", color: "#c0392b",
                    points: points.map { ($0.tS + middle, Double($0.errors) / report.intervalSeconds) }))
        }
        let throughput = LineChart(
            title: "Throughput", x: time, y: .linear("requests per second", upTo: peak, format: ChartAxis.thousands),
            series: throughputSeries, bands: bands)
        var panels = [latency]
        if let byOperation = operationP99Panel(
            title: "p99 per operation per \(ChartAxis.plain(report.intervalSeconds)) s interval (log scale)", x: time,
            points: points.map { ($0.tS + middle, $0.operations) }, bands: bands)
        {
            panels.append(byOperation)
        }
        panels.append(throughput)
        let rss = points.compactMap { point in point.rssKib.map { (point.tS + middle, Double($0) / 1024) } }
        if !rss.isEmpty {
            panels.append(
                LineChart(
                    title: "Server resident memory (VmRSS)", x: time,
                    y: .linear("MiB", upTo: rss.map(\.1).max() ?? 1),
                    series: [ChartSeries(name: "RSS", color: "#457b9d", points: rss)], bands: bands))
        }
        return panels
    }

    private static func stressPanels(_ report: LoadReport) -> [LineChart] {
        let steps = report.stress?.steps ?? []
        let maxOffered = steps.map(\.offeredRps).max() ?? 1
        let offered = ChartAxis.linear(
            "offered rate (requests per second)", upTo: maxOffered, format: ChartAxis.thousands)
        var markers: [ChartMarker] = []
        if let knee = report.stress?.knee {
            markers.append(ChartMarker(x: knee.offeredRps, label: "knee \(ChartAxis.thousands(knee.offeredRps)) req/s"))
        }
        let throughput = LineChart(
            title: "Achieved throughput against offered rate",
            x: offered,
            y: .linear(
                "requests per second", upTo: max(maxOffered, steps.map(\.achievedRps).max() ?? 1),
                format: ChartAxis.thousands),
            series: [
                ChartSeries(
                    name: "offered (ideal)", color: colors.offered, points: [(0, 0), (maxOffered, maxOffered)],
                    dash: "6 4"),
                ChartSeries(
                    name: "achieved (ok)", color: colors.achieved,
                    points: steps.map { ($0.offeredRps, $0.achievedRps) },
                    showsPoints: true),
            ],
            markers: markers)
        let bound = report.stress.map { milliseconds($0.maxP99Us) } ?? 0
        var latencyValues = steps.flatMap { [$0.latency.p50Us, $0.latency.p999Us] }
        latencyValues.append(report.stress?.maxP99Us ?? 0)
        let latency = LineChart(
            title: "Latency of each step against offered rate (log scale)",
            x: offered, y: latencyAxis("latency (ms)", values: latencyValues),
            series: [
                ChartSeries(
                    name: "p50", color: colors.p50,
                    points: steps.map { ($0.offeredRps, milliseconds($0.latency.p50Us)) }, showsPoints: true),
                ChartSeries(
                    name: "p99", color: colors.p99,
                    points: steps.map { ($0.offeredRps, milliseconds($0.latency.p99Us)) }, showsPoints: true),
                ChartSeries(
                    name: "p99.9", color: colors.p999,
                    points: steps.map { ($0.offeredRps, milliseconds($0.latency.p999Us)) },
                    showsPoints: true),
                ChartSeries(
                    name: "p99 bound", color: "#c0392b", points: [(0, bound), (offered.maximum, bound)], dash: "3 3"),
            ],
            markers: markers)
        var panels = [throughput, latency]
        if let byOperation = operationP99Panel(
            title: "p99 per operation of each step against offered rate (log scale)", x: offered,
            points: steps.map { ($0.offeredRps, $0.operations) }, markers: markers, showsPoints: true)
        {
            panels.append(byOperation)
        }
        return panels
    }

    /// One p99 line per operation that has data (nil when none has: a report of an older version).
    private static func operationP99Panel(
        title: String, x: ChartAxis, points: [(Double, [String: LatencyPercentiles]?)], bands: [ChartBand] = [],
        markers: [ChartMarker] = [], showsPoints: Bool = false
    ) -> LineChart? {
        let series = LoadOperation.allCases.compactMap { operation -> ChartSeries? in
            let values = points.compactMap { x, operations in
                operations?[operation.key].map { (x, milliseconds($0.p99Us)) }
            }
            guard !values.isEmpty else { return nil }
            return ChartSeries(
                name: operation.key, color: operationColors[operation.rawValue % operationColors.count],
                points: values, showsPoints: showsPoints)
        }
        guard !series.isEmpty else { return nil }
        let values = points.flatMap { $0.1?.values.map(\.p99Us) ?? [] }
        return LineChart(
            title: title, x: x, y: latencyAxis("p99 (ms)", values: values), series: series, bands: bands,
            markers: markers)
    }
}
