/// Which keywords each draft has, as the project's validator compiles them: a keyword a
/// draft does not know is an annotation there and constrains nothing. Reading it as a
/// constraint would be unsound on the writer's side (`prefixItems` under draft 7 does not
/// stop `[1]` from being written) and only overcautious on the reader's.
enum JSCompatVocabulary {
    static func knows(_ keyword: String, in draft: JSONSchemaDraft) -> Bool {
        switch keyword {
        case "const", "contains", "propertyNames": draft >= .draft6
        case "if", "then", "else": draft >= .draft7
        case "dependentRequired", "dependentSchemas", "unevaluatedItems", "unevaluatedProperties", "minContains",
            "maxContains":
            draft >= .draft2019_09
        case "$recursiveRef": draft == .draft2019_09
        case "$dynamicRef", "prefixItems": draft == .draft2020_12
        case "additionalItems": draft < .draft2020_12
        default: true
        }
    }

    /// The draft `$schema` names, nil when it names none we know. The validator then keeps
    /// the default (or inherited) draft, unless the URI is a schema it holds (see
    /// `followsMetaSchema`).
    static func draft(named value: JSONValue?) -> JSONSchemaDraft? {
        value?.stringValue.flatMap { JSONSchemaDraft(metaSchemaURI: $0) }
    }

    /// The draft of `value`: its own `$schema` when it is an embedded resource (the
    /// validator honours `$schema` only beside `$id`, or at a document's root), else the
    /// inherited one.
    static func draft(of value: JSONValue, inherited: JSONSchemaDraft) -> JSONSchemaDraft {
        guard value["$id"] != nil, let own = draft(named: value["$schema"]) else { return inherited }
        return own
    }

    /// Whether a `$schema` the validator honours (at the root, or beside `$id`) names a
    /// custom meta-schema the validator can load (a referenced schema, or a part of an
    /// official meta-schema): it then takes that meta-schema's draft and vocabularies (a
    /// custom one may switch validation off), which the checker does not follow. An unknown
    /// URI it cannot load (`http://json-schema.org/schema#`) just leaves the default draft.
    static func followsMetaSchema(_ value: JSONValue, loadable: Set<String>, root: Bool = true) -> Bool {
        switch value {
        case .object(let object):
            if let uri = object["$schema"]?.stringValue, root || object["$id"] != nil,
                JSONSchemaDraft(metaSchemaURI: uri) == nil
            {
                let resource = URIResolution.split(uri).resource
                if loadable.contains(resource) || MetaSchemas.documents[resource] != nil { return true }
            }
            return object.members.contains { followsMetaSchema($0.value, loadable: loadable, root: false) }
        case .array(let array): return array.contains { followsMetaSchema($0, loadable: loadable, root: false) }
        default: return false
        }
    }
}
