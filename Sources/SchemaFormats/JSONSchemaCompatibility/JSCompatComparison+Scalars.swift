import SchemaRegistryCore

/// Numeric bounds, `multipleOf`, and string length and pattern. Numbers are compared as
/// the validator compares them (`DecimalMath`, exact on the JSON text), so that no rounding
/// lets a writer's value past a reader's bound: as doubles, 9007199254740993 equals ...992.
extension JSCompatComparison {
    /// A numeric bound: its value, whether it is exclusive, and the keyword that set it.
    struct Bound {
        var number: JSONNumber
        var exclusive: Bool
        var keyword: String
        var value: Double { number.double }
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
        if let step = reader["multipleOf"]?.numberValue, step.double > 0 {
            let writerStep = writer["multipleOf"]?.numberValue
            // Integers are multiples of any step that divides 1 (e.g. 1, 0.5, 0.25).
            let implied =
                (writerStep.map { DecimalMath.isMultiple($0, of: step) } ?? false)
                || (integersOnly && DecimalMath.isMultiple(JSONNumber(1), of: step))
            if !implied {
                let was = writerStep.map { "the writer's \($0.text)" } ?? "any number the writer produces"
                found.append(
                    Incompatibility(
                        kind: writerStep == nil ? Kind.multipleOfAdded : Kind.multipleOfChanged,
                        location: reader.location("multipleOf"),
                        message: "the reader requires multiples of \(step.text) but \(was) is not always one; "
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
                "the reader adds a \(name) of \(reader.number.text) the writer does not have; "
                    + "writers may produce values beyond it, so add it to the writer first"
            )
        }
        let order = DecimalMath.compare(writer.number, reader.number)
        let beyond = upper ? order > 0 : order < 0
        let equalButLooser = order == 0 && reader.exclusive && !writer.exclusive
        guard beyond || equalButLooser else { return nil }
        let kind =
            upper
            ? (exclusiveKeyword ? Kind.exclusiveMaximumDecreased : Kind.maximumDecreased)
            : (exclusiveKeyword ? Kind.exclusiveMinimumIncreased : Kind.minimumIncreased)
        return (
            kind,
            "the reader's \(name) \(reader.number.text)\(reader.exclusive ? " (exclusive)" : "") is tighter "
                + "than the writer's \(writer.number.text)\(writer.exclusive ? " (exclusive)" : ""); "
                + "keep the reader's \(name) at least as wide"
        )
    }

    /// The tighter of `maximum`/`exclusiveMaximum` (or the minimums): draft 4's boolean
    /// `exclusiveMaximum` beside `maximum`, later drafts' numeric one.
    static func bound(_ node: JSCompatNode, upper: Bool) -> Bound? {
        let plain = upper ? "maximum" : "minimum"
        let exclusive = upper ? "exclusiveMaximum" : "exclusiveMinimum"
        var candidates: [Bound] = []
        if let value = node[plain]?.numberValue {
            let modifier = node.draft == .draft4 && node[exclusive]?.boolValue == true
            candidates.append(Bound(number: value, exclusive: modifier, keyword: plain))
        }
        if node.draft > .draft4, let value = node[exclusive]?.numberValue {
            candidates.append(Bound(number: value, exclusive: true, keyword: exclusive))
        }
        return candidates.min { tighter($0, than: $1, upper: upper) }
    }

    private static func tighter(_ a: Bound, than b: Bound, upper: Bool) -> Bool {
        let order = DecimalMath.compare(a.number, b.number)
        if order != 0 { return upper ? order < 0 : order > 0 }
        return a.exclusive && !b.exclusive
    }

    /// For integer-only writers an exclusive bound is an inclusive one a step inside (only
    /// where doubles hold integers exactly; beyond, the bound is kept as it is).
    private static func inclusive(_ bound: Bound, upper: Bool) -> Bound {
        guard abs(bound.value) < 9e15 else { return bound }
        let value =
            upper
            ? (bound.exclusive ? (bound.value - 1).rounded(.up) : bound.value.rounded(.down))
            : (bound.exclusive ? (bound.value + 1).rounded(.down) : bound.value.rounded(.up))
        return Bound(number: JSONNumber(value), exclusive: false, keyword: bound.keyword)
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
        // Regex inclusion is undecidable in general: any change of pattern is a change, unless
        // the reader's matches every string.
        if let pattern = reader["pattern"], writer["pattern"] != pattern,
            !(pattern.stringValue.map(matchesEverything) ?? false)
        {
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
