import Foundation

/// A minimal SVG writer with no dependencies: shapes and text appended as elements, escaped,
/// and rendered as one standalone `<svg>` document.
struct SVGDocument {
    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// The document, starting with `<svg` (no XML prolog, so it can also be inlined in HTML).
    var rendered: String {
        let header =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Self.number(width))" height="\#(Self.number(height))" "#
            + #"viewBox="0 0 \#(Self.number(width)) \#(Self.number(height))" font-family="Helvetica, Arial, sans-serif">"#
        return ([header] + elements + ["</svg>"]).joined(separator: "\n") + "\n"
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil, opacity: Double = 1
    ) {
        var attributes = #"x="\#(Self.number(x))" y="\#(Self.number(y))" width="\#(Self.number(width))" "#
        attributes += #"height="\#(Self.number(height))" fill="\#(fill)""#
        if let stroke { attributes += #" stroke="\#(stroke)""# }
        if opacity < 1 { attributes += #" fill-opacity="\#(Self.number(opacity))""# }
        elements.append("<rect \(attributes)/>")
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil
    ) {
        var attributes = #"x1="\#(Self.number(x1))" y1="\#(Self.number(y1))" x2="\#(Self.number(x2))" "#
        attributes += #"y2="\#(Self.number(y2))" stroke="\#(stroke)" stroke-width="\#(Self.number(width))""#
        if let dash { attributes += #" stroke-dasharray="\#(dash)""# }
        elements.append("<line \(attributes)/>")
    }

    /// An open polyline through `points` (nothing for fewer than two).
    mutating func path(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        guard points.count > 1 else { return }
        let data = points.enumerated().map { index, point in
            (index == 0 ? "M" : "L") + "\(Self.number(point.x)) \(Self.number(point.y))"
        }.joined(separator: " ")
        var attributes = #"d="\#(data)" fill="none" stroke="\#(stroke)" stroke-width="\#(Self.number(width))""#
        attributes += #" stroke-linejoin="round" stroke-linecap="round""#
        if let dash { attributes += #" stroke-dasharray="\#(dash)""# }
        elements.append("<path \(attributes)/>")
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String) {
        elements.append(
            #"<circle cx="\#(Self.number(x))" cy="\#(Self.number(y))" r="\#(Self.number(radius))" fill="\#(fill)"/>"#)
    }

    enum Anchor: String {
        case start, middle, end
    }

    mutating func text(
        _ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, fill: String = "#333",
        bold: Bool = false, rotation: Double? = nil
    ) {
        var attributes = #"x="\#(Self.number(x))" y="\#(Self.number(y))" font-size="\#(Self.number(size))""#
        attributes += #" text-anchor="\#(anchor.rawValue)" fill="\#(fill)""#
        if bold { attributes += #" font-weight="bold""# }
        if let rotation {
            attributes += #" transform="rotate(\#(Self.number(rotation)) \#(Self.number(x)) \#(Self.number(y)))""#
        }
        elements.append("<text \(attributes)>\(Self.escape(content))</text>")
    }

    /// Text made safe for element content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Coordinates with at most two decimals, which keeps files small and diffs readable.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
