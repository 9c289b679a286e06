import SchemaRegistryCore

/// `propertyNames`, and patterns that match every string.
extension JSCompatComparison {
    /// The reader's `propertyNames` must accept every name the writer produces. Names are
    /// strings, so a reader `type` allowing strings says nothing about them; and a closed
    /// writer's names are the ones it lists, checked one by one when the reader's schema
    /// only has keywords `rejects` decides exactly.
    func comparePropertyNames(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        guard var names = reader.child("propertyNames") else { return [] }
        if let types = JSCompatTypes.declared(names), types.contains("string") { names = names.masking("type") }
        if isClosed(writer), Self.decidedByRejects(names) {
            let listed = (writer["properties"]?.objectValue?.keys ?? []).filter { !writerNeverHas($0, writer) }
            if listed.allSatisfy({ !rejects(names, .string($0)) }) { return [] }
        }
        return compare(reader: names, writer: writer.child("propertyNames") ?? .accepting(.writer, at: "", in: ""))
    }

    /// Whether `rejects(node, string)` is exact: only type, values, lengths and a pattern.
    private static func decidedByRejects(_ node: JSCompatNode) -> Bool {
        if node.value == .bool(true) || node.isFalse { return true }
        guard case .object(let object) = node.value else { return false }
        let exact: Set<String> = ["type", "enum", "const", "minLength", "maxLength", "pattern"]
        return object.keys.allSatisfy {
            !JSCompatNode.constraining.contains($0) || node[$0] == nil || exact.contains($0)
        }
    }

    /// Whether `pattern` matches every string, as the validator searches it (unanchored):
    /// it matches the empty string and holds no assertion (`^` other than first, `$`, `\b`,
    /// lookarounds, inline options...), so the same empty match is found at the start of
    /// any string. Anything that looks like an assertion counts as one (`[^a]*` is not
    /// recognised), and `^.*$` is no universal pattern: `.` does not match a line break.
    func matchesEverything(_ pattern: String) -> Bool {
        let body = pattern.hasPrefix("^") ? String(pattern.dropFirst()) : pattern
        let assertions = ["^", "$", "(?", "\\b", "\\B", "\\A", "\\z", "\\Z", "\\G", "\\K", "\\y", "\\Y"]
        guard !assertions.contains(where: { body.contains($0) }) else { return false }
        return matches(pattern, "") == true
    }
}
