/// The compiled form of a schema: a graph of nodes (cyclic through `$ref`), built once by
/// ``SchemaCompiler`` and only read afterwards.
///
/// Nodes are classes because references form cycles; they are mutated only while the
/// compiler builds them, before any validation can see them, hence `@unchecked Sendable`.
final class SchemaNode: @unchecked Sendable {
    /// For boolean schemas (and draft 4-7 empty results): the fixed outcome.
    var constant: Bool?
    var keywords: [CompiledKeyword] = []
    /// Where this schema sits, as a JSON pointer (prefixed with its document URI when it is
    /// not in the root document).
    let location: String
    /// The schema resource this node belongs to (dynamic scope for `$dynamicRef`).
    let resource: SchemaResource
    /// Whether `unevaluated*` here needs its siblings' annotations.
    var needsAnnotations = false

    init(location: String, resource: SchemaResource) {
        self.location = location
        self.resource = resource
    }
}

/// A schema resource (a schema with its own base URI).
final class SchemaResource: @unchecked Sendable {
    let uri: String
    /// 2020-12 `$dynamicAnchor`s declared in this resource, compiled.
    var dynamicAnchors: [String: SchemaNode] = [:]
    /// 2019-09 `$recursiveAnchor: true` at this resource's root.
    var recursiveAnchor = false
    /// The resource's root node, for `$recursiveRef`.
    var root: SchemaNode?
    /// Compiler bookkeeping: whether `dynamicAnchors` has been filled.
    var anchorsCompiled = false

    init(uri: String) { self.uri = uri }
}

/// Owns every node and resource of one compilation and breaks their reference cycles when
/// the last holder lets go. The graph is cyclic by design (a node's resource points back at
/// its root node; `$ref` and dynamic anchors point anywhere), so without this every compiled
/// schema, and every partly compiled one that failed, was leaked: found by fuzz/FuzzPayloads
/// (LeakSanitizer). Holders: the compiler while it runs, then the ``JSONSchemaValidator``.
final class SchemaGraph: @unchecked Sendable {
    private var nodes: [SchemaNode] = []
    private var resources: [SchemaResource] = []

    func add(_ node: SchemaNode) { nodes.append(node) }
    func add(_ resource: SchemaResource) { resources.append(resource) }

    deinit {
        // Every edge into a node is a keyword, a resource root or a dynamic anchor; nothing
        // can be validating here (that needs a validator, which would hold this graph).
        for node in nodes { node.keywords = [] }
        for resource in resources {
            resource.root = nil
            resource.dynamicAnchors = [:]
        }
    }
}

/// A keyword and its location (the absolute keyword location, for errors).
///
/// A class so that evaluation borrows keywords rather than copying the enum each time.
final class CompiledKeyword: @unchecked Sendable {
    let keyword: Keyword
    let location: String

    init(keyword: Keyword, location: String) {
        self.keyword = keyword
        self.location = location
    }
}

/// Property names with their schemas, looked up first by position (instances usually
/// list members in the schema's order, and comparing two strings is cheaper than hashing
/// one) and otherwise by hash.
final class PropertyTable: @unchecked Sendable {
    let names: [String]
    let nodes: [SchemaNode?]
    let positions: [String: Int]

    init(_ entries: [(String, SchemaNode?)]) {
        var names: [String] = []
        var nodes: [SchemaNode?] = []
        var positions: [String: Int] = [:]
        for (name, node) in entries where positions[name] == nil {
            positions[name] = names.count
            names.append(name)
            nodes.append(node)
        }
        self.names = names
        self.nodes = nodes
        self.positions = positions
    }

    /// The position of `name`, or nil; `hint` is where the next name is expected.
    @inline(__always)
    func position(of name: String, hint: inout Int) -> Int? {
        if hint < names.count, names[hint] == name {
            hint += 1
            return hint - 1
        }
        guard let position = positions[name] else { return nil }
        hint = position + 1
        return position
    }
}

/// Which JSON types `type` allows, as a bit set.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let integer = TypeSet(rawValue: 4)
    static let number = TypeSet(rawValue: 8)
    static let string = TypeSet(rawValue: 16)
    static let array = TypeSet(rawValue: 32)
    static let object = TypeSet(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "integer": self = .integer
        case "number": self = .number
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }

    func allows(_ value: JSONValue, integerIncludesZeroFraction: Bool) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .string: contains(.string)
        case .array: contains(.array)
        case .object: contains(.object)
        case .number(let number):
            contains(.number)
                || (contains(.integer) && number.isInteger
                    && (integerIncludesZeroFraction || !number.text.contains(".")))
        }
    }

    var names: String {
        let all: [(TypeSet, String)] = [
            (.null, "null"), (.boolean, "boolean"), (.integer, "integer"), (.number, "number"),
            (.string, "string"), (.array, "array"), (.object, "object"),
        ]
        return all.filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }
}

/// A regular expression with its source (for messages).
///
/// A class (so `Keyword`, which holds it, has a fixed layout despite `Regex` being
/// resilient). Patterns of the form `^[class]{quantifier}$` are matched by hand, over
/// Unicode scalars with ECMA-262 semantics; everything else goes to Swift Regex.
final class CompiledPattern: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>
    /// The hand matcher when the pattern has the simple form (``ValidationPlan`` inlines it).
    let simple: SimplePattern?

    init(source: String, regex: Regex<AnyRegexOutput>) {
        self.source = source
        self.regex = regex
        self.simple = SimplePattern(source)
    }

    func matches(_ text: String) -> Bool {
        if let simple { return simple.matches(text) }
        return (try? regex.firstMatch(in: text)) != nil
    }
}

/// `^[...]+$`-style patterns: one character class (or literal) of ASCII letters, digits,
/// `_` and ranges, repeated between `minimum` and `maximum` times, anchored at both ends.
struct SimplePattern: Sendable {
    /// Membership for scalars below 128.
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private var negated = false
    let minimum: Int
    let maximum: Int

    init?(_ source: String) {
        var scalars = Array(source.unicodeScalars)[...]
        guard scalars.first == "^", scalars.last == "$", scalars.count >= 3 else { return nil }
        scalars = scalars.dropFirst().dropLast()
        // The quantifier.
        var minimum = 1
        var maximum = 1
        if let last = scalars.last, last == "+" || last == "*" {
            minimum = last == "+" ? 1 : 0
            maximum = Int.max
            scalars = scalars.dropLast()
        } else if scalars.last == "}" {
            guard let open = scalars.lastIndex(of: "{") else { return nil }
            let body = String(String.UnicodeScalarView(scalars[(open + 1)..<(scalars.endIndex - 1)]))
            let parts = body.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            guard !parts.isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                !parts[0].isEmpty, parts[0].count <= 9, let lower = Int(parts[0])
            else { return nil }
            minimum = lower
            if parts.count == 1 {
                maximum = lower
            } else if parts[1].isEmpty {
                maximum = Int.max
            } else {
                guard parts[1].count <= 9, let upper = Int(parts[1]), upper >= lower else { return nil }
                maximum = upper
            }
            scalars = scalars[..<open]
        }
        self.minimum = minimum
        self.maximum = maximum
        func plain(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
        }
        // The atom: a literal or a class.
        if scalars.count == 1, let only = scalars.first, plain(only) {
            insert(only, only)
            return
        }
        guard scalars.count >= 3, scalars.first == "[", scalars.last == "]" else { return nil }
        var body = scalars.dropFirst().dropLast()
        if body.first == "^" {
            negated = true
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        var items = Array(body)
        // A leading or trailing `-` is literal.
        if items.first == "-" {
            insert("-", "-")
            items.removeFirst()
        } else if items.last == "-" {
            insert("-", "-")
            items.removeLast()
        }
        var index = 0
        while index < items.count {
            let scalar = items[index]
            guard plain(scalar) else { return nil }
            if index + 2 < items.count, items[index + 1] == "-" {
                let upper = items[index + 2]
                guard plain(upper), scalar.value <= upper.value else { return nil }
                insert(scalar, upper)
                index += 3
            } else {
                insert(scalar, scalar)
                index += 1
            }
        }
    }

    private mutating func insert(_ lower: Unicode.Scalar, _ upper: Unicode.Scalar) {
        for value in lower.value...upper.value {
            if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
        }
    }

    @inline(__always)
    private func contains(_ value: UInt32) -> Bool {
        let member: Bool
        if value < 64 {
            member = low & (1 << UInt64(value)) != 0
        } else if value < 128 {
            member = high & (1 << UInt64(value - 64)) != 0
        } else {
            member = false
        }
        return member != negated
    }

    func matches(_ text: String) -> Bool {
        var count = 0
        if !negated {
            // Members are ASCII, so UTF-8 bytes are the scalars.
            for byte in text.utf8 {
                guard contains(UInt32(byte)) else { return false }
                count += 1
            }
        } else {
            for scalar in text.unicodeScalars {
                guard contains(scalar.value) else { return false }
                count += 1
            }
        }
        return count >= minimum && count <= maximum
    }
}

/// One compiled keyword. Keywords that apply subschemas hold their compiled nodes.
enum Keyword {
    case type(TypeSet)
    case enumeration([JSONValue])
    case const(JSONValue)
    case multipleOf(JSONNumber)
    case maximum(JSONNumber, exclusive: Bool)
    case minimum(JSONNumber, exclusive: Bool)
    case maxLength(Int)
    case minLength(Int)
    case pattern(CompiledPattern)
    case format(String)
    /// Positional item schemas (`prefixItems`, or array-form `items`).
    case prefixItems([SchemaNode])
    /// The schema for every item from index `start` on (`items`, `additionalItems`).
    case items(SchemaNode, start: Int)
    case contains(SchemaNode, min: Int, max: Int?, annotates: Bool)
    case maxItems(Int)
    case minItems(Int)
    case uniqueItems
    case properties(PropertyTable)
    case patternProperties([(CompiledPattern, SchemaNode)])
    case additionalProperties(SchemaNode, known: PropertyTable, patterns: [CompiledPattern])
    case required([String])
    case dependentRequired([(String, [String])])
    case dependentSchemas([(String, SchemaNode)])
    case propertyNames(SchemaNode)
    case maxProperties(Int)
    case minProperties(Int)
    case allOf([SchemaNode])
    case anyOf([SchemaNode])
    case oneOf([SchemaNode])
    case not(SchemaNode)
    case conditional(if: SchemaNode, then: SchemaNode?, else: SchemaNode?)
    case ref(SchemaNode)
    /// `$dynamicRef`: the static target, and the anchor name when dynamic lookup applies.
    case dynamicRef(SchemaNode, anchor: String?)
    /// `$recursiveRef`: the static target (a resource root).
    case recursiveRef(SchemaNode)
    case unevaluatedProperties(SchemaNode)
    case unevaluatedItems(SchemaNode)
}
