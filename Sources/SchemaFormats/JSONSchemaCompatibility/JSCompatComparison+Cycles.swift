/// References that loop without descending into the document (`{"$ref":"#/$defs/d"}` with
/// `d` = `{"allOf":[{"$ref":"#/$defs/d"}]}`): the validator gives up on such a loop after
/// 1,000 nested evaluations and rejects the document (see `Evaluator.maximumDepth`), and
/// whether a document reaches the loop can hang on the order `anyOf` branches are tried.
/// The recursion guard of `compare` assumes inclusion when a pair comes round again, which
/// is sound only for loops that descend (each turn a smaller document), so a reader with
/// such a loop is not compared at all.
extension JSCompatComparison {
    /// Whether a schema reachable from `root` reaches itself again through in-place
    /// applicators alone (`$ref`, `allOf`, `anyOf`, `oneOf`, `not`, conditionals, ...).
    func hasNonDescendingCycle(from root: JSCompatNode) -> Bool {
        var positions: [String: JSCompatNode] = [:]
        var pending = [root]
        while let node = pending.popLast() {
            guard positions.updateValue(node, forKey: Self.position(node)) == nil else { continue }
            pending += inPlace(node) + descending(node)
        }
        // Depth-first search over the in-place edges: meeting a node still on the path is a loop.
        var onPath: Set<String> = []
        var finished: Set<String> = []
        func loops(_ node: JSCompatNode) -> Bool {
            let key = Self.position(node)
            if onPath.contains(key) { return true }
            guard finished.insert(key).inserted else { return false }
            onPath.insert(key)
            defer { onPath.remove(key) }
            return inPlace(node).contains(where: loops)
        }
        return positions.keys.sorted().contains { loops(positions[$0]!) }
    }

    private static func position(_ node: JSCompatNode) -> String { node.document + "#" + node.pointer }

    /// The schemas applied to the same document as `node`.
    private func inPlace(_ node: JSCompatNode) -> [JSCompatNode] {
        var result: [JSCompatNode] = []
        for keyword in ["$ref", "$dynamicRef", "$recursiveRef"] {
            if let target = node[keyword], let resolved = resolve(target, from: node) { result.append(resolved) }
        }
        for keyword in ["allOf", "anyOf", "oneOf"] { result += node.children(keyword) }
        for keyword in ["not", "if", "then", "else"] { result += node.child(keyword).map { [$0] } ?? [] }
        for keyword in ["dependentSchemas", "dependencies"] {
            for name in node[keyword]?.objectValue?.keys ?? [] where node[keyword]?[name]?.arrayValue == nil {
                result += node.child(keyword, name).map { [$0] } ?? []
            }
        }
        return result
    }

    /// The schemas applied to parts of the document `node` sees (items, property values,
    /// property names).
    private func descending(_ node: JSCompatNode) -> [JSCompatNode] {
        var result: [JSCompatNode] = []
        for keyword in [
            "additionalProperties", "unevaluatedProperties", "propertyNames", "additionalItems", "unevaluatedItems",
            "contains",
        ] {
            result += node.child(keyword).map { [$0] } ?? []
        }
        if node["items"]?.arrayValue != nil {
            result += node.children("items")
        } else {
            result += node.child("items").map { [$0] } ?? []
        }
        result += node.children("prefixItems")
        for keyword in ["properties", "patternProperties"] {
            for name in node[keyword]?.objectValue?.keys ?? [] {
                result += node.child(keyword, name).map { [$0] } ?? []
            }
        }
        return result
    }
}
