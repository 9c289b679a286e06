/// JSON Schema's primitive types as the checker reasons about them. `integer` is a subset
/// of `number`, so a writer's integers fit a reader's numbers but not the other way round.
enum JSCompatTypes {
    static let all: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// The types `type` lists, nil when the keyword is absent (or malformed).
    static func declared(_ node: JSCompatNode) -> Set<String>? {
        switch node["type"] {
        case .string(let name): return [name]
        case .array(let names): return Set(names.compactMap(\.stringValue))
        default: return nil
        }
    }

    /// `types` with `integer` added wherever `number` is, since numbers include integers.
    static func covering(_ types: Set<String>) -> Set<String> {
        types.contains("number") ? types.union(["integer"]) : types
    }

    /// The types of the documents `node` can produce: `type`, narrowed by `enum`/`const`.
    static func produced(by node: JSCompatNode) -> Set<String> {
        var types = covering(declared(node) ?? all)
        if let values = JSCompatValues.allowed(by: node) {
            types.formIntersection(values.map(\.typeName))
            // `1.0` is an integer to JSON Schema; a `number` value set still counts as numbers.
            if types.contains("integer") && declared(node)?.contains("number") == true { types.insert("number") }
        }
        return types
    }

    /// Whether a writer type is accepted by a reader's declared types.
    static func accepts(_ reader: Set<String>, _ writerType: String) -> Bool {
        covering(reader).contains(writerType)
    }
}

/// `enum` and `const` as a finite set of allowed values.
enum JSCompatValues {
    /// The values `enum`/`const` allow, nil when neither is present.
    static func allowed(by node: JSCompatNode) -> [JSONValue]? {
        let listed = node["enum"]?.arrayValue
        guard let constant = node["const"] else { return listed }
        guard let listed else { return [constant] }
        return listed.contains(constant) ? [constant] : []
    }
}
