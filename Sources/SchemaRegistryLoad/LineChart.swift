import Foundation

/// One axis of a chart: its label, range, scale and how its ticks are written.
struct ChartAxis {
    var label: String
    var minimum: Double
    var maximum: Double
    /// Base-10 logarithmic (latencies spanning decades); `minimum` must then be positive.
    var logarithmic = false
    var format: (Double) -> String = ChartAxis.plain

    /// Ticks at 1, 2 or 5 times a power of ten (linear), or at powers of ten with 2 and 5 between
    /// them when the range spans few decades (logarithmic).
    var ticks: [Double] {
        if logarithmic {
            let low = Int(floor(log10(minimum))), high = Int(ceil(log10(maximum)))
            let multiples: [Double] = high - low <= 3 ? [1, 2, 5] : [1]
            return (low...high).flatMap { power in multiples.map { $0 * pow(10, Double(power)) } }
                .filter { $0 >= minimum * 0.999 && $0 <= maximum * 1.001 }
        }
        let step = Self.niceStep((maximum - minimum) / 5)
        var values: [Double] = []
        var value = (minimum / step).rounded(.up) * step
        while value <= maximum + step * 1e-9, values.count < 50 {
            values.append(value)
            value += step
        }
        return values
    }

    /// Where `value` falls along the axis, 0...1 (nil off a logarithmic axis's domain).
    func fraction(_ value: Double) -> Double? {
        if logarithmic {
            guard value > 0 else { return nil }
            return (log10(value) - log10(minimum)) / (log10(maximum) - log10(minimum))
        }
        return maximum > minimum ? (value - minimum) / (maximum - minimum) : 0
    }

    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0 else { return 1 }
        let power = pow(10, floor(log10(rough)))
        let scaled = rough / power
        return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power
    }

    /// Linear from 0 (or `minimum`) to a round number above `maximum`.
    static func linear(
        _ label: String, from minimum: Double = 0, upTo maximum: Double, format: @escaping (Double) -> String = plain
    )
        -> ChartAxis
    {
        let step = niceStep(max(maximum - minimum, 1e-9) / 5)
        return ChartAxis(
            label: label, minimum: minimum, maximum: max(minimum + step, (maximum / step).rounded(.up) * step),
            format: format)
    }

    /// Logarithmic from the decade below `minimum` to the decade above `maximum`.
    static func logarithmic(
        _ label: String, from minimum: Double, upTo maximum: Double, format: @escaping (Double) -> String = plain
    )
        -> ChartAxis
    {
        let low = pow(10, floor(log10(max(minimum, 1e-9))))
        let high = pow(10, ceil(log10(max(maximum, low * 10))))
        return ChartAxis(label: label, minimum: low, maximum: max(high, low * 10), logarithmic: true, format: format)
    }

    /// Up to three significant decimals, no trailing zeros.
    static func plain(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// 1500 as "1.5k", 20000 as "20k".
    static func thousands(_ value: Double) -> String {
        abs(value) >= 1000 ? plain(value / 1000) + "k" : plain(value)
    }
}

/// A line series; points with a y off the axis (0 on a log axis) break the line.
struct ChartSeries {
    var name: String
    var color: String
    var points: [(x: Double, y: Double)]
    var dash: String? = nil
    var showsPoints = false
}

/// A shaded span of x (a phase such as the spike), labelled at its top.
struct ChartBand {
    var from: Double
    var to: Double
    var label: String
    var fill = "#f4a261"
    var labelColor = "#b5651d"
}

/// A labelled vertical line (such as the knee).
struct ChartMarker {
    var x: Double
    var label: String
}

/// A line chart with axes, grid, tick labels, axis titles, a legend, bands and markers.
struct LineChart {
    var title: String
    var x: ChartAxis
    var y: ChartAxis
    var series: [ChartSeries]
    var bands: [ChartBand] = []
    var markers: [ChartMarker] = []

    /// Draws the chart in the rectangle at (`left`, `top`) of `width` x `height`, margins included.
    func draw(into svg: inout SVGDocument, left: Double, top: Double, width: Double, height: Double) {
        let plotLeft = left + 72, plotTop = top + 34
        let plotWidth = width - 72 - 24, plotHeight = height - 34 - 52
        func px(_ value: Double) -> Double? { x.fraction(value).map { plotLeft + $0 * plotWidth } }
        func py(_ value: Double) -> Double? { y.fraction(value).map { plotTop + plotHeight - $0 * plotHeight } }

        svg.text(title, x: plotLeft, y: top + 18, size: 15, bold: true)
        svg.rect(x: plotLeft, y: plotTop, width: plotWidth, height: plotHeight, fill: "#ffffff", stroke: "#bbbbbb")
        for band in bands {
            guard let from = px(max(band.from, x.minimum)), let to = px(min(band.to, x.maximum)), to > from else {
                continue
            }
            svg.rect(x: from, y: plotTop, width: to - from, height: plotHeight, fill: band.fill, opacity: 0.18)
            svg.text(band.label, x: (from + to) / 2, y: plotTop + 14, size: 11, anchor: .middle, fill: band.labelColor)
        }
        for tick in y.ticks {
            guard let position = py(tick) else { continue }
            svg.line(x1: plotLeft, y1: position, x2: plotLeft + plotWidth, y2: position, stroke: "#e6e6e6")
            svg.text(y.format(tick), x: plotLeft - 6, y: position + 4, size: 11, anchor: .end, fill: "#555")
        }
        for tick in x.ticks {
            guard let position = px(tick) else { continue }
            svg.line(x1: position, y1: plotTop, x2: position, y2: plotTop + plotHeight, stroke: "#f0f0f0")
            svg.line(x1: position, y1: plotTop + plotHeight, x2: position, y2: plotTop + plotHeight + 4, stroke: "#888")
            svg.text(x.format(tick), x: position, y: plotTop + plotHeight + 17, size: 11, anchor: .middle, fill: "#555")
        }
        svg.text(x.label, x: plotLeft + plotWidth / 2, y: top + height - 10, size: 12, anchor: .middle)
        svg.text(y.label, x: left + 16, y: plotTop + plotHeight / 2, size: 12, anchor: .middle, rotation: -90)

        // Drawn last-first, so the first series (p50, achieved) stays on top where lines overlap.
        for item in series.reversed() {
            var segment: [(x: Double, y: Double)] = []
            for point in item.points {
                guard let sx = px(point.x), let sy = py(point.y), point.y >= y.minimum * 0.999 || !y.logarithmic
                else {
                    svg.path(segment, stroke: item.color, dash: item.dash)
                    segment = []
                    continue
                }
                segment.append((sx, min(max(sy, plotTop), plotTop + plotHeight)))
                if item.showsPoints { svg.circle(x: sx, y: sy, radius: 3, fill: item.color) }
            }
            svg.path(segment, stroke: item.color, dash: item.dash)
        }
        for marker in markers {
            guard let position = px(marker.x) else { continue }
            svg.line(
                x1: position, y1: plotTop, x2: position, y2: plotTop + plotHeight, stroke: "#c0392b", width: 1.5,
                dash: "6 4")
            // Labelled near the bottom, on whichever side of the line has more room.
            let onLeft = position > plotLeft + plotWidth * 0.7
            svg.text(
                marker.label, x: onLeft ? position - 5 : position + 5, y: plotTop + plotHeight - 10, size: 11,
                anchor: onLeft ? .end : .start, fill: "#c0392b", bold: true)
        }
        drawLegend(into: &svg, right: plotLeft + plotWidth, baseline: top + 18)
    }

    /// Swatches and names in one row, right-aligned on the title's line above the plot, where
    /// they can never hide data.
    private func drawLegend(into svg: inout SVGDocument, right: Double, baseline: Double) {
        let widths = series.map { Double($0.name.count) * 6.6 + 40 }
        var left = right - widths.reduce(0, +)
        for (item, width) in zip(series, widths) {
            svg.line(
                x1: left + 8, y1: baseline - 4, x2: left + 28, y2: baseline - 4, stroke: item.color, width: 2.5,
                dash: item.dash)
            svg.text(item.name, x: left + 34, y: baseline, size: 11)
            left += width
        }
    }
}
