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

/// A keyword and its location (the absolute keyword location, for errors).
struct CompiledKeyword: @unchecked Sendable {
    let keyword: Keyword
    let location: String
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
struct CompiledPattern: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    func matches(_ text: String) -> Bool { (try? regex.firstMatch(in: text)) != nil }
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
    case properties([String: SchemaNode])
    case patternProperties([(CompiledPattern, SchemaNode)])
    case additionalProperties(SchemaNode, known: Set<String>, patterns: [CompiledPattern])
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
