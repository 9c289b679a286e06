/// Follows one side's references exactly as the validator does: the same `SchemaIndex`
/// (the side's schema under "" and each registered reference under its name), so `$id`
/// bases, `$anchor`s, draft 6-7 `"$id": "#name"` anchors and `$id`-named subschemas
/// (`"$ref": "item.json"` beside `"$id": "item.json"`) land where validation lands.
struct JSCompatReferences {
    private var index: SchemaIndex
    /// Index of a document in `index` → its name in the checker ("" for the schema itself).
    private var names: [Int: String] = [:]
    /// Resource URI of each registered reference → its name.
    private let resources: [String: String]

    init(documents: [String: JSCompatDocument], defaultDraft: JSONSchemaDraft) {
        index = SchemaIndex(defaultDraft: defaultDraft)
        var resources: [String: String] = [:]
        for (name, document) in documents where !name.isEmpty {
            let resource = URIResolution.split(name).resource
            index.pending[resource] = document.value
            resources[resource] = name
        }
        self.resources = resources
        if let main = documents[""] { names[index.add(main.value, uri: "", isMain: true)] = "" }
    }

    /// A reference's target: the document's name, the JSON pointer, and the draft and base
    /// URI in force there.
    struct Target {
        var document: String
        var pointer: String
        var draft: JSONSchemaDraft
        var base: String
    }

    /// Where `reference`, written at `node`, leads (nil when the validator would not find it
    /// among this side's documents).
    mutating func resolve(_ reference: String, from node: JSCompatNode) -> Target? {
        guard let documentIndex = documentIndex(of: node.document) else { return nil }
        // A position the index walked knows its base; below an unwalked one (a reference into
        // a non-schema keyword) the validator keeps the base of the schema it came from.
        let base = index.positions[SchemaIndex.key(documentIndex, node.pointer)]?.base ?? node.base
        guard case .success(let location) = index.resolve(reference, base: base) else { return nil }
        guard let name = name(of: location.document) else { return nil }
        return Target(document: name, pointer: location.pointer, draft: location.draft, base: location.base)
    }

    private mutating func documentIndex(of name: String) -> Int? {
        if let known = names.first(where: { $0.value == name })?.key { return known }
        let resource = URIResolution.split(name).resource
        guard resources[resource] == name, let root = index.location(ofResource: resource),
            root.pointer.isEmpty, index.documents[root.document].uri == resource
        else { return nil }
        names[root.document] = name
        return root.document
    }

    private mutating func name(of document: Int) -> String? {
        if let known = names[document] { return known }
        guard let name = resources[index.documents[document].uri] else { return nil }
        names[document] = name
        return name
    }
}
