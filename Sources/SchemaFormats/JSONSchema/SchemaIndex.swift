/// Every document the compiler may reference, indexed by the URIs its resources and
/// anchors are known by. Built by walking only schema positions (so an `$id` inside an
/// `enum` value is not an identifier).
struct SchemaIndex {
    struct Document {
        let root: JSONValue
        let uri: String
        let draft: JSONSchemaDraft
        /// Whether errors inside it should be prefixed with its URI.
        let isMain: Bool
        /// False when its (custom) meta-schema's `$vocabulary` leaves out validation.
        var validationVocabulary = true
    }

    /// A schema position: document, pointer, base URI and draft in force there.
    struct Location {
        let document: Int
        let pointer: String
        let base: String
        let draft: JSONSchemaDraft
    }

    private(set) var documents: [Document] = []
    /// Resource URI (no fragment) → its root location.
    private(set) var resources: [String: Location] = [:]
    /// "uri#name" → location, for `$anchor`, `$dynamicAnchor` and draft 4-7 `#name` ids.
    private(set) var anchors: [String: Location] = [:]
    /// Resource URI → its `$dynamicAnchor` names → location.
    private(set) var dynamicAnchors: [String: [String: Location]] = [:]
    /// Resource URIs whose root has `$recursiveAnchor: true`.
    private(set) var recursiveAnchors: Set<String> = []
    /// Every indexed schema position: "doc/pointer" → location.
    private(set) var positions: [String: Location] = [:]
    /// Documents known but not indexed until first referenced.
    var pending: [String: JSONValue] = [:]
    let defaultDraft: JSONSchemaDraft

    init(defaultDraft: JSONSchemaDraft) { self.defaultDraft = defaultDraft }

    static func key(_ document: Int, _ pointer: String) -> String { "\(document)\u{0}\(pointer)" }

    /// The draft a `$schema` value selects, following custom meta-schemas we hold.
    mutating func draft(forMetaSchema uri: String, seen: Int = 0) -> JSONSchemaDraft? {
        if let draft = JSONSchemaDraft(metaSchemaURI: uri) { return draft }
        let resource = URIResolution.split(uri).resource
        guard seen < 8, let location = location(ofResource: resource) else { return nil }
        return documents[location.document].draft
    }

    /// Whether a custom meta-schema (one we hold) turns the validation vocabulary on.
    private mutating func validationVocabulary(metaSchema uri: String) -> Bool {
        guard JSONSchemaDraft(metaSchemaURI: uri) == nil,
            let location = location(ofResource: URIResolution.split(uri).resource),
            let metaRoot = JSONPointer.resolve(location.pointer, in: documents[location.document].root),
            let vocabularies = metaRoot["$vocabulary"]?.objectValue
        else { return true }
        return vocabularies.keys.contains { $0.hasSuffix("/vocab/validation") }
    }

    /// The location of a resource, indexing a pending or embedded document on demand.
    mutating func location(ofResource uri: String) -> Location? {
        if let found = resources[uri] { return found }
        if let value = pending.removeValue(forKey: uri) {
            add(value, uri: uri, isMain: false)
        } else if let text = MetaSchemas.documents[uri], let value = try? JSONParser().parse(text) {
            add(value, uri: uri, isMain: false)
        }
        return resources[uri]
    }

    mutating func anchor(_ uri: String) -> Location? {
        if anchors[uri] == nil { _ = location(ofResource: URIResolution.split(uri).resource) }
        return anchors[uri]
    }

    /// Why a reference has no target.
    struct ResolutionFailure: Error {
        let message: String
    }

    /// The location a `$ref`-like URI reference names, resolved against `base`: a JSON
    /// pointer into a resource (by its `$id` or retrieval URI), or an anchor. Shared by the
    /// compiler and the compatibility checker, so both follow a reference to the same place.
    mutating func resolve(_ reference: String, base: String) -> Result<Location, ResolutionFailure> {
        let absolute = URIResolution.resolve(reference, against: base)
        let (resourceURI, rawFragment) = URIResolution.split(absolute)
        let fragment = rawFragment.percentDecoded
        if fragment.isEmpty || fragment.hasPrefix("/") {
            guard let root = location(ofResource: resourceURI) else {
                return .failure(.init(message: "cannot resolve reference '\(reference)' (\(resourceURI) is unknown)"))
            }
            let pointer = root.pointer + fragment
            if let known = positions[Self.key(root.document, pointer)] { return .success(known) }
            guard JSONPointer.resolve(pointer, in: documents[root.document].root) != nil else {
                return .failure(.init(message: "cannot resolve reference '\(reference)': no such location"))
            }
            return .success(Location(document: root.document, pointer: pointer, base: root.base, draft: root.draft))
        }
        guard let anchor = anchor(resourceURI + "#" + rawFragment) ?? anchor(resourceURI + "#" + fragment) else {
            return .failure(.init(message: "cannot resolve reference '\(reference)' (no anchor '\(fragment)')"))
        }
        return .success(anchor)
    }

    /// Adds and indexes a document retrieved from `uri`; returns its index.
    @discardableResult
    mutating func add(_ root: JSONValue, uri: String, isMain: Bool) -> Int {
        var draft = defaultDraft
        if let schema = root["$schema"]?.stringValue, let chosen = self.draft(forMetaSchema: schema) {
            draft = chosen
        }
        let index = documents.count
        var document = Document(root: root, uri: uri, draft: draft, isMain: isMain)
        if draft >= .draft2019_09, let schema = root["$schema"]?.stringValue {
            document.validationVocabulary = validationVocabulary(metaSchema: schema)
        }
        documents.append(document)
        let base = URIResolution.split(uri).resource
        resources[base] = Location(document: index, pointer: "", base: base, draft: draft)
        walk(root, document: index, pointer: "", base: base, draft: draft)
        return index
    }

    private mutating func walk(_ value: JSONValue, document: Int, pointer: String, base: String, draft: JSONSchemaDraft)
    {
        guard case .object(let object) = value else { return }
        var base = base
        var draft = draft
        if let schema = object["$schema"]?.stringValue, pointer.isEmpty || object["$id"] != nil,
            let chosen = self.draft(forMetaSchema: schema)
        {
            draft = chosen
        }
        let ignoresID = draft.refOverridesSiblings && object["$ref"] != nil
        if !ignoresID, let id = object[draft.idKeyword]?.stringValue {
            let resolved = URIResolution.resolve(id, against: base)
            let (resource, fragment) = URIResolution.split(resolved)
            if id.hasPrefix("#") {
                if draft < .draft2019_09 {
                    anchors[resolved] = Location(document: document, pointer: pointer, base: base, draft: draft)
                }
            } else {
                base = resource
                resources[resource] = Location(document: document, pointer: pointer, base: base, draft: draft)
                if !fragment.isEmpty, draft < .draft2019_09 {
                    anchors[resolved] = Location(document: document, pointer: pointer, base: base, draft: draft)
                }
            }
        }
        let here = Location(document: document, pointer: pointer, base: base, draft: draft)
        positions[Self.key(document, pointer)] = here
        if draft >= .draft2019_09, let name = object["$anchor"]?.stringValue {
            anchors[base + "#" + name] = here
        }
        if draft >= .draft2020_12, let name = object["$dynamicAnchor"]?.stringValue {
            anchors[base + "#" + name] = here
            dynamicAnchors[base, default: [:]][name] = here
        }
        if draft == .draft2019_09, object["$recursiveAnchor"]?.boolValue == true {
            recursiveAnchors.insert(base)
        }
        for (key, child) in object.members {
            let childPointer = pointer + "/" + JSONPointer.escape(key)
            switch SchemaKeywords.shape(of: key, draft: draft) {
            case .schema:
                walk(child, document: document, pointer: childPointer, base: base, draft: draft)
            case .schemaOrArray:
                if case .array(let items) = child {
                    for (offset, item) in items.enumerated() {
                        walk(item, document: document, pointer: childPointer + "/\(offset)", base: base, draft: draft)
                    }
                } else {
                    walk(child, document: document, pointer: childPointer, base: base, draft: draft)
                }
            case .schemaMap:
                for (name, item) in child.objectValue?.members ?? [] {
                    walk(
                        item, document: document, pointer: childPointer + "/" + JSONPointer.escape(name), base: base,
                        draft: draft)
                }
            case .none: break
            }
        }
    }
}

/// Which keywords hold subschemas, per draft.
enum SchemaKeywords {
    enum Shape { case schema, schemaOrArray, schemaMap, none }

    static func shape(of keyword: String, draft: JSONSchemaDraft) -> Shape {
        switch keyword {
        case "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else",
            "unevaluatedItems", "unevaluatedProperties", "additionalItems":
            .schema
        case "items": draft >= .draft2020_12 ? .schema : .schemaOrArray
        case "allOf", "anyOf", "oneOf", "prefixItems": .schemaOrArray
        case "properties", "patternProperties", "definitions", "$defs", "dependentSchemas": .schemaMap
        case "dependencies": .schemaMap
        default: .none
        }
    }
}
