/// Compiles one schema object's keywords for its draft (keywords a draft does not define
/// are ignored, as the specification requires for unknown keywords).
struct KeywordBuilder {
    let node: SchemaNode
    let object: JSONObject
    let location: SchemaIndex.Location
    var keywords: [CompiledKeyword] = []
    var needsAnnotations = false
    private var draft: JSONSchemaDraft { location.draft }

    init(node: SchemaNode, object: JSONObject, location: SchemaIndex.Location) {
        self.node = node
        self.object = object
        self.location = location
    }

    private func at(_ name: String) -> String { node.location + "/" + JSONPointer.escape(name) }
    private func pointer(_ parts: String...) -> String {
        parts.reduce(location.pointer) { $0 + "/" + JSONPointer.escape($1) }
    }
    private mutating func add(_ keyword: Keyword, _ name: String) {
        keywords.append(CompiledKeyword(keyword: keyword, location: at(name)))
    }
    private func invalid(_ name: String, _ message: String) -> JSONSchemaError {
        JSONSchemaError(location: at(name), message: "'\(name)' \(message)")
    }

    private func sub(_ name: String, _ compiler: inout SchemaCompiler) throws(JSONSchemaError) -> SchemaNode? {
        guard let value = object[name] else { return nil }
        return try compiler.child(value, pointer: pointer(name), parent: location)
    }

    private func subs(_ name: String, _ compiler: inout SchemaCompiler) throws(JSONSchemaError) -> [SchemaNode]? {
        guard let value = object[name] else { return nil }
        guard case .array(let items) = value else { throw invalid(name, "must be an array of schemas") }
        var nodes: [SchemaNode] = []
        for (offset, item) in items.enumerated() {
            nodes.append(try compiler.child(item, pointer: pointer(name, String(offset)), parent: location))
        }
        return nodes
    }

    private func schemaMap(_ name: String, _ compiler: inout SchemaCompiler) throws(JSONSchemaError) -> [(
        String, SchemaNode
    )]? {
        guard let value = object[name] else { return nil }
        guard case .object(let members) = value else { throw invalid(name, "must be an object of schemas") }
        var result: [(String, SchemaNode)] = []
        for (key, item) in members.members {
            result.append((key, try compiler.child(item, pointer: pointer(name, key), parent: location)))
        }
        return result
    }

    private func count(_ name: String) throws(JSONSchemaError) -> Int? {
        guard let value = object[name] else { return nil }
        guard let number = value.numberValue, number.isInteger, number.double >= 0 else {
            throw invalid(name, "must be a non-negative integer")
        }
        return number.double > Double(Int.max / 2) ? Int.max / 2 : Int(number.double)
    }

    private func number(_ name: String) throws(JSONSchemaError) -> JSONNumber? {
        guard let value = object[name] else { return nil }
        guard let number = value.numberValue else { throw invalid(name, "must be a number") }
        return number
    }

    private func regex(_ source: String, _ name: String) throws(JSONSchemaError) -> CompiledPattern {
        do {
            return CompiledPattern(source: source, regex: try ECMARegex.compile(source))
        } catch {
            throw invalid(name, "holds an invalid regular expression '\(source)'")
        }
    }

    mutating func build(_ compiler: inout SchemaCompiler) throws(JSONSchemaError) {
        if let ref = object["$ref"] {
            guard let text = ref.stringValue else { throw invalid("$ref", "must be a string") }
            add(.ref(try compiler.reference(text, base: location.base, from: at("$ref"))), "$ref")
            if draft.refOverridesSiblings { return }
        }
        if draft == .draft2020_12, let ref = object["$dynamicRef"]?.stringValue {
            let target = try compiler.resolve(ref, base: location.base, from: at("$dynamicRef"))
            let absolute = URIResolution.resolve(ref, against: location.base)
            let (resource, fragment) = URIResolution.split(absolute)
            let dynamic = compiler.index.dynamicAnchors[resource]?[fragment] != nil ? fragment : nil
            add(.dynamicRef(try compiler.node(at: target), anchor: dynamic), "$dynamicRef")
        }
        if draft == .draft2019_09, let ref = object["$recursiveRef"]?.stringValue {
            add(
                .recursiveRef(try compiler.reference(ref, base: location.base, from: at("$recursiveRef"))),
                "$recursiveRef")
        }
        // A custom meta-schema without the validation vocabulary turns its keywords off.
        if compiler.index.documents[location.document].validationVocabulary { try buildAssertions() }
        try buildArrayApplicators(&compiler)
        try buildObjectApplicators(&compiler)
        if let nodes = try subs("allOf", &compiler) { add(.allOf(nodes), "allOf") }
        if let nodes = try subs("anyOf", &compiler) { add(.anyOf(nodes), "anyOf") }
        if let nodes = try subs("oneOf", &compiler) { add(.oneOf(nodes), "oneOf") }
        if let node = try sub("not", &compiler) { add(.not(node), "not") }
        if draft >= .draft7, let condition = try sub("if", &compiler) {
            add(.conditional(if: condition, then: try sub("then", &compiler), else: try sub("else", &compiler)), "if")
        }
        // Last: they depend on the annotations of every other keyword here.
        if draft >= .draft2019_09 {
            if let node = try sub("unevaluatedItems", &compiler) {
                add(.unevaluatedItems(node), "unevaluatedItems")
                needsAnnotations = true
            }
            if let node = try sub("unevaluatedProperties", &compiler) {
                add(.unevaluatedProperties(node), "unevaluatedProperties")
                needsAnnotations = true
            }
        }
    }

    private mutating func buildAssertions() throws(JSONSchemaError) {
        if let value = object["type"] {
            var set = TypeSet()
            let names = value.arrayValue ?? [value]
            for name in names {
                guard let text = name.stringValue, let type = TypeSet(name: text) else {
                    throw invalid("type", "must name JSON Schema types")
                }
                set.insert(type)
            }
            add(.type(set), "type")
        }
        if let value = object["enum"] {
            guard let values = value.arrayValue else { throw invalid("enum", "must be an array") }
            add(.enumeration(values), "enum")
        }
        if draft >= .draft6, let value = object["const"] { add(.const(value), "const") }
        if let value = try number("multipleOf") {
            guard value.double > 0 else { throw invalid("multipleOf", "must be greater than 0") }
            add(.multipleOf(value), "multipleOf")
        }
        if draft == .draft4 {
            if let value = try number("maximum") {
                add(.maximum(value, exclusive: object["exclusiveMaximum"]?.boolValue == true), "maximum")
            }
            if let value = try number("minimum") {
                add(.minimum(value, exclusive: object["exclusiveMinimum"]?.boolValue == true), "minimum")
            }
        } else {
            if let value = try number("maximum") { add(.maximum(value, exclusive: false), "maximum") }
            if let value = try number("exclusiveMaximum") { add(.maximum(value, exclusive: true), "exclusiveMaximum") }
            if let value = try number("minimum") { add(.minimum(value, exclusive: false), "minimum") }
            if let value = try number("exclusiveMinimum") { add(.minimum(value, exclusive: true), "exclusiveMinimum") }
        }
        if let value = try count("maxLength") { add(.maxLength(value), "maxLength") }
        if let value = try count("minLength") { add(.minLength(value), "minLength") }
        if let value = object["pattern"] {
            guard let source = value.stringValue else { throw invalid("pattern", "must be a string") }
            add(.pattern(try regex(source, "pattern")), "pattern")
        }
        if let value = object["format"]?.stringValue { add(.format(value), "format") }
        if let value = try count("maxItems") { add(.maxItems(value), "maxItems") }
        if let value = try count("minItems") { add(.minItems(value), "minItems") }
        if object["uniqueItems"]?.boolValue == true { add(.uniqueItems, "uniqueItems") }
        if let value = try count("maxProperties") { add(.maxProperties(value), "maxProperties") }
        if let value = try count("minProperties") { add(.minProperties(value), "minProperties") }
        if let value = object["required"] {
            guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count
            else { throw invalid("required", "must be an array of strings") }
            add(.required(names), "required")
        }
        if draft >= .draft2019_09, let value = object["dependentRequired"]?.objectValue {
            add(
                .dependentRequired(
                    value.members.map { ($0.key, $0.value.arrayValue?.compactMap(\.stringValue) ?? []) }),
                "dependentRequired")
        }
    }

    private mutating func buildArrayApplicators(_ compiler: inout SchemaCompiler) throws(JSONSchemaError) {
        if draft >= .draft2020_12 {
            let prefix = try subs("prefixItems", &compiler)
            if let prefix { add(.prefixItems(prefix), "prefixItems") }
            if let node = try sub("items", &compiler) { add(.items(node, start: prefix?.count ?? 0), "items") }
        } else if case .array = object["items"] {
            let prefix = try subs("items", &compiler) ?? []
            add(.prefixItems(prefix), "items")
            if let node = try sub("additionalItems", &compiler) {
                add(.items(node, start: prefix.count), "additionalItems")
            }
        } else if let node = try sub("items", &compiler) {
            add(.items(node, start: 0), "items")
        }
        if draft >= .draft6, let node = try sub("contains", &compiler) {
            let minimum = draft >= .draft2019_09 ? try count("minContains") ?? 1 : 1
            let maximum = draft >= .draft2019_09 ? try count("maxContains") : nil
            add(.contains(node, min: minimum, max: maximum, annotates: draft >= .draft2020_12), "contains")
        }
    }

    private mutating func buildObjectApplicators(_ compiler: inout SchemaCompiler) throws(JSONSchemaError) {
        let properties = try schemaMap("properties", &compiler)
        if let properties {
            add(.properties(PropertyTable(properties.map { ($0.0, $0.1) })), "properties")
        }
        var patterns: [CompiledPattern] = []
        if let members = try schemaMap("patternProperties", &compiler) {
            var compiled: [(CompiledPattern, SchemaNode)] = []
            for (source, node) in members {
                let pattern = try regex(source, "patternProperties")
                patterns.append(pattern)
                compiled.append((pattern, node))
            }
            add(.patternProperties(compiled), "patternProperties")
        }
        if let node = try sub("additionalProperties", &compiler) {
            let known = PropertyTable((properties ?? []).map { ($0.0, nil) })
            add(.additionalProperties(node, known: known, patterns: patterns), "additionalProperties")
        }
        if let members = object["dependencies"]?.objectValue {
            var required: [(String, [String])] = []
            var schemas: [(String, SchemaNode)] = []
            for (name, value) in members.members {
                if let names = value.arrayValue {
                    required.append((name, names.compactMap(\.stringValue)))
                } else {
                    schemas.append(
                        (name, try compiler.child(value, pointer: pointer("dependencies", name), parent: location)))
                }
            }
            if !required.isEmpty { add(.dependentRequired(required), "dependencies") }
            if !schemas.isEmpty { add(.dependentSchemas(schemas), "dependencies") }
        }
        if draft >= .draft2019_09, let schemas = try schemaMap("dependentSchemas", &compiler) {
            add(.dependentSchemas(schemas), "dependentSchemas")
        }
        if draft >= .draft6, let node = try sub("propertyNames", &compiler) {
            add(.propertyNames(node), "propertyNames")
        }
    }
}
