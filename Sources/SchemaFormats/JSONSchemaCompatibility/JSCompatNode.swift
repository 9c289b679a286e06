import Foundation

/// Which schema a node belongs to; `$ref`s resolve within the same side.
enum JSCompatSide: Hashable {
    case reader
    case writer
}

/// A sub-schema seen by the compatibility checker: its JSON, where it lives, and which of
/// its keywords are hidden because the caller is comparing them separately.
struct JSCompatNode {
    var value: JSONValue
    var side: JSCompatSide
    /// The referenced document's name, or "" for the schema itself.
    var document: String
    /// JSON pointer of `value` inside `document` ("" is the root).
    var pointer: String
    /// Keywords treated as absent, so `allOf` can be compared apart from its siblings.
    var masked: Set<String> = []

    /// The keywords that constrain instances; everything else is an annotation. Unknown
    /// keywords are annotations too, as JSON Schema says.
    static let constraining: Set<String> = [
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "items", "prefixItems", "additionalItems", "maxItems", "minItems",
        "uniqueItems", "contains", "maxContains", "minContains", "maxProperties", "minProperties", "required",
        "properties", "patternProperties", "additionalProperties", "dependencies", "dependentRequired",
        "dependentSchemas", "propertyNames", "allOf", "anyOf", "oneOf", "not", "if", "$ref", "$dynamicRef",
        "$recursiveRef", "unevaluatedItems", "unevaluatedProperties",
    ]

    /// A keyword's value, nil when absent or masked.
    subscript(keyword: String) -> JSONValue? {
        masked.contains(keyword) ? nil : value[keyword]
    }

    /// The sub-schema under `keyword` (and `more` path segments), or nil when absent.
    func child(_ keyword: String, _ more: String...) -> JSCompatNode? {
        guard var current = self[keyword] else { return nil }
        var path = pointer + "/" + Self.escape(keyword)
        for segment in more {
            switch current {
            case .object(let object):
                guard let next = object[segment] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(segment), array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
            path += "/" + Self.escape(segment)
        }
        return JSCompatNode(value: current, side: side, document: document, pointer: path)
    }

    /// The sub-schemas of an array-valued keyword such as `allOf`.
    func children(_ keyword: String) -> [JSCompatNode] {
        guard let array = self[keyword]?.arrayValue else { return [] }
        return array.indices.map { child(keyword, String($0))! }
    }

    /// This node with `keyword` hidden.
    func masking(_ keyword: String) -> JSCompatNode {
        var copy = self
        copy.masked.insert(keyword)
        return copy
    }

    /// Accepts everything: `true`, or an object with no constraining keyword left.
    var isTrue: Bool {
        switch value {
        case .bool(let flag): return flag
        case .object(let object):
            return !object.keys.contains { Self.constraining.contains($0) && !masked.contains($0) }
        default: return false
        }
    }

    /// Accepts nothing: `false`.
    var isFalse: Bool { value == .bool(false) }

    /// Where to point a person at, e.g. `/properties/age/maximum` (prefixed by the document
    /// name when the node came from a referenced schema).
    func location(_ suffix: String...) -> String {
        let path = pointer + suffix.map { "/" + Self.escape($0) }.joined()
        return document.isEmpty ? path : document + "#" + path
    }

    /// Identity for the recursion guard: position plus what is masked.
    var key: String {
        "\(side)|\(document)#\(pointer)|" + masked.sorted().joined(separator: ",")
    }

    /// The node's value with masked keywords removed, for equality shortcuts.
    var visibleValue: JSONValue {
        guard !masked.isEmpty, case .object(let object) = value else { return value }
        return .object(JSONObject(object.members.filter { !masked.contains($0.key) }))
    }

    /// A schema that accepts everything, standing in for an absent keyword.
    static func accepting(_ side: JSCompatSide, at pointer: String, in document: String) -> JSCompatNode {
        JSCompatNode(value: .bool(true), side: side, document: document, pointer: pointer)
    }

    static func escape(_ segment: String) -> String {
        segment.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Whether `value` contains a `$ref` anywhere: equal text is then not equal meaning,
    /// because the two sides may define the target differently.
    static func containsReference(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            return object.members.contains {
                $0.key == "$ref" || $0.key == "$dynamicRef" || containsReference($0.value)
            }
        case .array(let array): return array.contains(where: containsReference)
        default: return false
        }
    }
}
