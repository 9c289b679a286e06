import SchemaRegistryCore

/// `contains` with `minContains`/`maxContains` (2019-09+; draft 6-7 have `contains` alone,
/// meaning at least one). The reader counts the items matching its `contains` schema `C`:
/// at least `m` (`minContains`, default 1) and, with `maxContains`, at most `M`.
///
/// - At least `m`: the writer's `contains` schema `C'` fits `C` and its `minContains` is at
///   least `m` (every item matching `C'` matches `C`, so there are at least as many), or
///   `C` accepts every item and the writer's `minItems` is at least `m`.
/// - At most `M`: the writer's `maxItems` is at most `M`, or its `maxContains` is at most `M`
///   and `C` fits the writer's `C'` (every item matching `C` matches `C'`, so there are at
///   most as many). That last test compares the sides the other way round, so it is only
///   made when neither schema holds a reference.
extension JSCompatComparison {
    /// The counting rule of `contains` at `node`, nil without `contains`.
    private func containsRule(_ node: JSCompatNode) -> (schema: JSCompatNode, min: Double, max: Double?)? {
        guard let schema = node.child("contains") else { return nil }
        let min = node["minContains"]?.numberValue?.double ?? 1
        return (schema, min, node["maxContains"]?.numberValue?.double)
    }

    func compareContains(reader: JSCompatNode, writer: JSCompatNode, writerMaximum: Double?) -> [Incompatibility] {
        guard let rule = containsRule(reader) else { return [] }
        let writerRule = containsRule(writer)
        var found: [Incompatibility] = []
        if rule.min > 0 {
            var reasons: [Incompatibility] = []
            if let writerRule, writerRule.min >= rule.min {
                reasons = compare(reader: rule.schema, writer: writerRule.schema)
            } else if !rule.schema.isTrue || (writer["minItems"]?.numberValue?.double ?? 0) < rule.min {
                let kind =
                    writerRule == nil
                    ? Kind.containsAdded : Kind.minContainsIncreased
                found.append(
                    Incompatibility(
                        kind: kind,
                        location: reader.location(reader["minContains"] == nil ? "contains" : "minContains"),
                        message: "the reader needs at least \(rule.min.jsCompatText) item(s) matching `contains` "
                            + "but the writer guarantees "
                            + (writerRule.map { "only \($0.min.jsCompatText)" } ?? "none")
                            + "; keep minContains at most the writer's"))
            }
            if let reason = reasons.first {
                found.append(
                    Incompatibility(
                        kind: Kind.containsChanged, location: rule.schema.location(),
                        message: "the items the writer's `contains` guarantees may not match the reader's "
                            + "(\(reason.kind) at '\(reason.location)': \(reason.message)); keep `contains` at "
                            + "least as permissive as the writer's"))
            }
        }
        if let limit = rule.max, (writerMaximum ?? .infinity) > limit {
            let bounded =
                writerRule.map { writerRule in
                    (writerRule.max ?? .infinity) <= limit && !JSCompatNode.containsReference(rule.schema.value)
                        && !JSCompatNode.containsReference(writerRule.schema.value)
                        && compare(reader: writerRule.schema, writer: rule.schema).isEmpty
                } ?? false
            if !bounded {
                found.append(
                    Incompatibility(
                        kind: writerRule?.max == nil ? Kind.maxContainsAdded : Kind.maxContainsDecreased,
                        location: reader.location("maxContains"),
                        message: "the reader allows at most \(limit.jsCompatText) item(s) matching `contains` but "
                            + "the writer may produce more; keep maxContains at least the writer's"))
            }
        }
        return found
    }
}
