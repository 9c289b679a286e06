import SchemaRegistryCore

/// Numeric bounds, `multipleOf`, and string length and pattern.
extension JSCompatComparison {
    /// A numeric bound: its value, whether it is exclusive, and the keyword that set it.
    struct Bound {
        var value: Double
        var exclusive: Bool
        var keyword: String
    }

    func compareNumbers(reader: JSCompatNode, writer: JSCompatNode, integersOnly: Bool) -> [Incompatibility] {
        var found: [Incompatibility] = []
        if let limit = Self.bound(reader, upper: true) {
            let writerLimit = Self.bound(writer, upper: true).map {
                integersOnly ? Self.inclusive($0, upper: true) : $0
            }
            if let reason = Self.boundReason(reader: limit, writer: writerLimit, upper: true) {
                found.append(
                    Incompatibility(
                        kind: reason.kind, location: reader.location(limit.keyword), message: reason.message))
            }
        }
        if let limit = Self.bound(reader, upper: false) {
            let writerLimit = Self.bound(writer, upper: false).map {
                integersOnly ? Self.inclusive($0, upper: false) : $0
            }
            if let reason = Self.boundReason(reader: limit, writer: writerLimit, upper: false) {
                found.append(
                    Incompatibility(
                        kind: reason.kind, location: reader.location(limit.keyword), message: reason.message))
            }
        }
        if let step = reader["multipleOf"]?.numberValue?.double, step > 0 {
            let writerStep = writer["multipleOf"]?.numberValue?.double
            // Integers are multiples of any step that divides 1 (e.g. 1, 0.5, 0.25).
            let implied =
                (writerStep.map { Self.isMultiple($0, of: step) } ?? false)
                || (integersOnly && Self.isMultiple(1, of: step))
            if !implied {
                let was = writerStep.map { "the writer's \($0.jsCompatText)" } ?? "any number the writer produces"
                found.append(
                    Incompatibility(
                        kind: writerStep == nil ? Kind.multipleOfAdded : Kind.multipleOfChanged,
                        location: reader.location("multipleOf"),
                        message: "the reader requires multiples of \(step.jsCompatText) but \(was) is not always one; "
                            + "use a divisor of the writer's step"))
            }
        }
        return found
    }

    /// Why a writer's bound does not keep its values within the reader's, or nil when it does.
    private static func boundReason(reader: Bound, writer: Bound?, upper: Bool) -> (kind: String, message: String)? {
        let exclusiveKeyword = reader.keyword.hasPrefix("exclusive")
        let name = upper ? "maximum" : "minimum"
        guard let writer else {
            let kind =
                upper
                ? (exclusiveKeyword ? Kind.exclusiveMaximumAdded : Kind.maximumAdded)
                : (exclusiveKeyword ? Kind.exclusiveMinimumAdded : Kind.minimumAdded)
            return (
                kind,
                "the reader adds a \(name) of \(reader.value.jsCompatText) the writer does not have; "
                    + "writers may produce values beyond it, so add it to the writer first"
            )
        }
        let beyond = upper ? writer.value > reader.value : writer.value < reader.value
        let equalButLooser = writer.value == reader.value && reader.exclusive && !writer.exclusive
        guard beyond || equalButLooser else { return nil }
        let kind =
            upper
            ? (exclusiveKeyword ? Kind.exclusiveMaximumDecreased : Kind.maximumDecreased)
            : (exclusiveKeyword ? Kind.exclusiveMinimumIncreased : Kind.minimumIncreased)
        return (
            kind,
            "the reader's \(name) \(reader.value.jsCompatText)\(reader.exclusive ? " (exclusive)" : "") is tighter "
                + "than the writer's \(writer.value.jsCompatText)\(writer.exclusive ? " (exclusive)" : ""); "
                + "keep the reader's \(name) at least as wide"
        )
    }

    /// The tighter of `maximum`/`exclusiveMaximum` (or the minimums), draft 4's boolean
    /// `exclusiveMaximum` included.
    static func bound(_ node: JSCompatNode, upper: Bool) -> Bound? {
        let plain = upper ? "maximum" : "minimum"
        let exclusive = upper ? "exclusiveMaximum" : "exclusiveMinimum"
        var candidates: [Bound] = []
        if let value = node[plain]?.numberValue?.double {
            candidates.append(Bound(value: value, exclusive: node[exclusive]?.boolValue == true, keyword: plain))
        }
        if let value = node[exclusive]?.numberValue?.double {
            candidates.append(Bound(value: value, exclusive: true, keyword: exclusive))
        }
        return candidates.min { tighter($0, than: $1, upper: upper) }
    }

    private static func tighter(_ a: Bound, than b: Bound, upper: Bool) -> Bool {
        if a.value != b.value { return upper ? a.value < b.value : a.value > b.value }
        return a.exclusive && !b.exclusive
    }

    /// For integer-only writers an exclusive bound is an inclusive one a step inside.
    private static func inclusive(_ bound: Bound, upper: Bool) -> Bound {
        var result = bound
        if upper {
            result.value = bound.exclusive ? (bound.value - 1).rounded(.up) : bound.value.rounded(.down)
        } else {
            result.value = bound.exclusive ? (bound.value + 1).rounded(.down) : bound.value.rounded(.up)
        }
        result.exclusive = false
        return result
    }

    static func isMultiple(_ value: Double, of step: Double) -> Bool {
        let ratio = value / step
        return ratio.isFinite && abs(ratio - ratio.rounded()) < 1e-9 * max(1, abs(ratio))
    }

    func compareStrings(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        var found: [Incompatibility] = []
        if let limit = reader["maxLength"]?.numberValue?.double {
            let writerLimit = writer["maxLength"]?.numberValue?.double
            if writerLimit.map({ $0 > limit }) ?? true {
                found.append(
                    Incompatibility(
                        kind: writerLimit == nil ? Kind.maxLengthAdded : Kind.maxLengthDecreased,
                        location: reader.location("maxLength"),
                        message: "the reader allows at most \(limit.jsCompatText) characters but the writer allows "
                            + (writerLimit.map { "\($0.jsCompatText)" } ?? "any length")
                            + "; keep maxLength at least the writer's"))
            }
        }
        if let limit = reader["minLength"]?.numberValue?.double, limit > 0 {
            let writerLimit = writer["minLength"]?.numberValue?.double
            if writerLimit.map({ $0 < limit }) ?? true {
                found.append(
                    Incompatibility(
                        kind: writerLimit == nil ? Kind.minLengthAdded : Kind.minLengthIncreased,
                        location: reader.location("minLength"),
                        message: "the reader needs at least \(limit.jsCompatText) characters but the writer allows "
                            + (writerLimit.map { "\($0.jsCompatText)" } ?? "0")
                            + "; keep minLength at most the writer's"))
            }
        }
        // Regex inclusion is undecidable in general: any change of pattern is a change.
        if let pattern = reader["pattern"], writer["pattern"] != pattern {
            found.append(
                Incompatibility(
                    kind: writer["pattern"] == nil ? Kind.patternAdded : Kind.patternChanged,
                    location: reader.location("pattern"),
                    message: "the reader's pattern \(pattern.serialized()) differs from the writer's "
                        + (writer["pattern"]?.serialized() ?? "(none)")
                        + "; strings the writer accepts may not match it, so keep the pattern unchanged"))
        }
        return found
    }
}

extension Double {
    /// `3` rather than `3.0` for whole numbers, for messages.
    var jsCompatText: String {
        rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
