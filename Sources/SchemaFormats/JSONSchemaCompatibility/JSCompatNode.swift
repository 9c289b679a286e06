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
    /// The draft in force here: it decides which keywords exist (the validator ignores the
    /// others) and what array-form `items` means.
    var draft: JSONSchemaDraft
    /// The base URI references here resolve against when the validator's index did not walk
    /// this position (see `JSCompatReferences`): the one of the schema the node came from.
    var base = ""
    /// Whether `format` asserts (the validator's option); it is an annotation otherwise.
    var formatAsserts = false
    /// Keywords treated as absent, so `allOf` can be compared apart from its siblings.
    var masked: Set<String> = []
    /// Made up for an absent keyword (`accepting`): it is at no position of its own, so it
    /// must not share the recursion guard's key with the schema whose position it borrows.
    var isStandIn = false

    /// The keywords that constrain instances; everything else is an annotation. Unknown
    /// keywords are annotations too, as JSON Schema says.
    static let constraining: Set<String> = [
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "items", "prefixItems", "additionalItems", "maxItems", "minItems",
        "uniqueItems", "contains", "maxContains", "minContains", "maxProperties", "minProperties", "required",
        "properties", "patternProperties", "additionalProperties", "dependencies", "dependentRequired",
        "dependentSchemas", "propertyNames", "allOf", "anyOf", "oneOf", "not", "if", "$ref", "$dynamicRef",
        "$recursiveRef", "unevaluatedItems", "unevaluatedProperties", "format",
    ]

    /// A keyword's value, nil when absent, masked or not a keyword of this draft (the
    /// validator ignores it, so the checker must too: a writer's `prefixItems` under draft 7
    /// constrains nothing). Before 2019-09 a `$ref` hides its siblings, masked or not.
    subscript(keyword: String) -> JSONValue? {
        guard !masked.contains(keyword), JSCompatVocabulary.knows(keyword, in: draft) else { return nil }
        if draft.refOverridesSiblings, keyword != "$ref", value["$ref"] != nil { return nil }
        if keyword == "format", !formatAsserts { return nil }
        return value[keyword]
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
        var node = JSCompatNode(
            value: current, side: side, document: document, pointer: path,
            draft: JSCompatVocabulary.draft(of: current, inherited: draft))
        node.formatAsserts = formatAsserts
        node.base = base
        return node
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
            return !object.keys.contains { Self.constraining.contains($0) && self[$0] != nil && !isNoOp($0) }
        default: return false
        }
    }

    /// `additionalItems` without array-form `items` (the validator ignores it).
    private func isNoOp(_ keyword: String) -> Bool {
        keyword == "additionalItems" && self["items"]?.arrayValue == nil
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
        "\(side)|\(isStandIn ? "stand-in" : "")|\(document)#\(pointer)|" + masked.sorted().joined(separator: ",")
    }

    /// Whether an in-place applicator here (or one masked away) may evaluate items or
    /// properties, leaving fewer of them to `unevaluatedItems`/`unevaluatedProperties` than
    /// the keywords beside it suggest. Read from the whole value, masks included.
    func hasAnnotatingApplicators(forItems: Bool) -> Bool {
        guard case .object(let object) = value else { return false }
        let specific = forItems ? ["contains"] : ["dependentSchemas", "dependencies"]
        return (Self.annotating + specific).contains { object[$0] != nil }
    }

    private static let annotating = ["allOf", "anyOf", "oneOf", "if", "$ref", "$dynamicRef", "$recursiveRef"]

    /// Whether what is visible means less than the node as a whole: an `unevaluated*` keyword
    /// stays while an applicator whose annotations it depends on is masked. Read on its own,
    /// such a writer seems to produce fewer documents than it does.
    var masksAnnotations: Bool {
        (self["unevaluatedItems"] != nil || self["unevaluatedProperties"] != nil)
            && masked.contains { Self.annotating.contains($0) }
    }

    /// The node's value with masked keywords removed, for equality shortcuts.
    var visibleValue: JSONValue {
        guard !masked.isEmpty, case .object(let object) = value else { return value }
        return .object(JSONObject(object.members.filter { !masked.contains($0.key) }))
    }

    /// A schema that accepts everything, standing in for an absent keyword.
    static func accepting(_ side: JSCompatSide, at pointer: String, in document: String) -> JSCompatNode {
        var node = JSCompatNode(
            value: .bool(true), side: side, document: document, pointer: pointer, draft: .draft2020_12)
        node.isStandIn = true
        return node
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
                ["$ref", "$dynamicRef", "$recursiveRef"].contains($0.key) || containsReference($0.value)
            }
        case .array(let array): return array.contains(where: containsReference)
        default: return false
        }
    }
}
