/// Proofs that no document satisfies two schemas at once, which `oneOf` needs: a document
/// must match exactly one branch, so landing in one reader branch is not enough unless every
/// other branch provably rejects it. Only cheap and certain reasons count (types, values,
/// numeric and length ranges, a required property whose values cannot agree); anything else
/// is "may overlap", and the verdict stays incompatible.
///
/// Each side is a conjunction of nodes, all read as upper bounds of what they accept (a
/// writer's `unevaluated*` beside other applicators is ignored, combinators are expanded or
/// dropped): if even the upper bounds cannot meet, the schemas cannot.
extension JSCompatComparison {
    func disjoint(_ a: [JSCompatNode], _ b: [JSCompatNode]) -> Bool {
        var budget = 64
        return disjoint(a, b, budget: &budget)
    }

    /// `budget` bounds the expansions (recursive references, nested sums) over one proof.
    private func disjoint(_ a: [JSCompatNode], _ b: [JSCompatNode], budget: inout Int) -> Bool {
        if a.contains(where: \.isFalse) || b.contains(where: \.isFalse) { return true }
        guard budget > 0 else { return false }
        budget -= 1
        if let expanded = expand(a, budget: &budget, against: b) { return expanded }
        if let expanded = expand(b, budget: &budget, against: a) { return expanded }
        return disjointStructure(a, b, budget: &budget)
    }

    /// Replaces the first node of `side` that has a reference or combinator by what bounds it,
    /// and answers for the result; nil when there is nothing to expand.
    private func expand(_ side: [JSCompatNode], budget: inout Int, against other: [JSCompatNode]) -> Bool? {
        for (index, node) in side.enumerated() {
            var rest = side
            rest.remove(at: index)
            if let target = node["$ref"] {
                // The target bounds the node; its siblings (2019+) narrow it further.
                let bounds = [resolve(target, from: node), node.masking("$ref")].compactMap { $0 }
                return disjoint(rest + bounds, other, budget: &budget)
            }
            if node["allOf"] != nil {
                return disjoint(rest + [node.masking("allOf")] + node.children("allOf"), other, budget: &budget)
            }
            for sum in ["anyOf", "oneOf"] where node[sum] != nil {
                let remainder = node.masking(sum)
                if disjoint(rest + [remainder], other, budget: &budget) { return true }
                return node.children(sum).allSatisfy { branch in
                    disjoint(rest + [remainder, branch], other, budget: &budget)
                }
            }
            // These only narrow what the node accepts; dropping them keeps an upper bound.
            for keyword in ["not", "if", "$dynamicRef", "$recursiveRef"] where node[keyword] != nil {
                return disjoint(rest + [node.masking(keyword)], other, budget: &budget)
            }
        }
        return nil
    }

    private func disjointStructure(_ a: [JSCompatNode], _ b: [JSCompatNode], budget: inout Int) -> Bool {
        let common = produced(a).intersection(produced(b))
        if common.isEmpty { return true }
        if let values = values(a), values.allSatisfy({ value in (a + b).contains { rejects($0, value) } }) {
            return true
        }
        if let values = values(b), values.allSatisfy({ value in (a + b).contains { rejects($0, value) } }) {
            return true
        }
        var classes: [String: Bool] = [:]
        for type in common {
            switch type {
            case "integer", "number":
                classes["number", default: false] = disjointRanges(a, b)
            case "string":
                classes[type] =
                    Self.disjointCounts(a, b, keywords: ("minLength", "maxLength"))
            case "array":
                classes[type] = Self.disjointCounts(a, b, keywords: ("minItems", "maxItems"))
            case "object":
                classes[type] =
                    Self.disjointCounts(a, b, keywords: ("minProperties", "maxProperties"))
                    || disjointProperties(a, b, budget: &budget)
            default:
                classes[type] = false
            }
        }
        return classes.values.allSatisfy { $0 }
    }

    /// The types a conjunction can produce (each node's, intersected).
    private func produced(_ nodes: [JSCompatNode]) -> Set<String> {
        nodes.reduce(JSCompatTypes.all) { $0.intersection(JSCompatTypes.produced(by: $1)) }
    }

    /// The values a conjunction allows when some node lists them (`enum`/`const`).
    private func values(_ nodes: [JSCompatNode]) -> [JSONValue]? {
        let lists = nodes.compactMap { JSCompatValues.allowed(by: $0) }
        guard let first = lists.first else { return nil }
        return first.filter { value in lists.dropFirst().allSatisfy { $0.contains(value) } }
    }

    /// Whether `node`'s own keywords certainly reject `value` (its type, values, numeric
    /// bounds and `multipleOf`, string lengths and a pattern that compiles).
    func rejects(_ node: JSCompatNode, _ value: JSONValue) -> Bool {
        if node.isFalse { return true }
        if let types = JSCompatTypes.declared(node), !JSCompatTypes.accepts(types, value.typeName) { return true }
        if let allowed = JSCompatValues.allowed(by: node), !allowed.contains(value) { return true }
        switch value {
        case .number: return !numbersFit([value], reader: node)
        case .string(let text):
            let length = text.unicodeScalars.count
            if let maximum = node["maxLength"]?.numberValue?.double, Double(length) > maximum { return true }
            if let minimum = node["minLength"]?.numberValue?.double, Double(length) < minimum { return true }
            if let pattern = node["pattern"]?.stringValue, matches(pattern, text) == false { return true }
            return false
        default: return false
        }
    }

    /// Numbers: one side's range ends before the other's begins.
    private func disjointRanges(_ a: [JSCompatNode], _ b: [JSCompatNode]) -> Bool {
        func below(_ upper: [JSCompatNode], _ lower: [JSCompatNode]) -> Bool {
            for high in upper {
                guard let top = Self.bound(high, upper: true) else { continue }
                for low in lower {
                    guard let bottom = Self.bound(low, upper: false) else { continue }
                    let order = DecimalMath.compare(top.number, bottom.number)
                    if order < 0 || (order == 0 && (top.exclusive || bottom.exclusive)) { return true }
                }
            }
            return false
        }
        return below(a, b) || below(b, a)
    }

    /// Lengths and counts: one side's maximum is below the other's minimum.
    private static func disjointCounts(
        _ a: [JSCompatNode], _ b: [JSCompatNode], keywords: (min: String, max: String)
    ) -> Bool {
        func below(_ upper: [JSCompatNode], _ lower: [JSCompatNode]) -> Bool {
            let maximum = upper.compactMap { $0[keywords.max]?.numberValue?.double }.min()
            let minimum = lower.compactMap { $0[keywords.min]?.numberValue?.double }.max()
            guard let maximum, let minimum else { return false }
            return maximum < minimum
        }
        return below(a, b) || below(b, a)
    }

    /// Objects: a property one side requires (so every common document has it) whose values
    /// the two sides' schemas for it cannot share, e.g. the usual `"kind": {"const": ...}`.
    private func disjointProperties(_ a: [JSCompatNode], _ b: [JSCompatNode], budget: inout Int) -> Bool {
        let required = Set((a + b).flatMap { $0["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] })
        for name in required.sorted() {
            let left = a.compactMap { propertyBound(name, in: $0) }
            let right = b.compactMap { propertyBound(name, in: $0) }
            if !left.isEmpty, !right.isEmpty, disjoint(left, right, budget: &budget) { return true }
        }
        return false
    }

    /// A schema every value of property `name` satisfies: its own, or (when no pattern can
    /// apply) the additional one; nil when the node says nothing certain about it.
    private func propertyBound(_ name: String, in node: JSCompatNode) -> JSCompatNode? {
        if let named = node.child("properties", name) { return named }
        guard node["patternProperties"] == nil else { return nil }
        return additional(of: node, asReader: false)
    }
}
