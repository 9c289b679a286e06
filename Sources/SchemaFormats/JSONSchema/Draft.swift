/// The JSON Schema drafts this validator understands, chosen per resource by `$schema`.
public enum JSONSchemaDraft: Int, Sendable, Comparable, CaseIterable {
    case draft4 = 4
    case draft6 = 6
    case draft7 = 7
    case draft2019_09 = 2019
    case draft2020_12 = 2020

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The meta-schema URI (without an empty fragment) that names this draft.
    public var metaSchemaURI: String {
        switch self {
        case .draft4: "http://json-schema.org/draft-04/schema"
        case .draft6: "http://json-schema.org/draft-06/schema"
        case .draft7: "http://json-schema.org/draft-07/schema"
        case .draft2019_09: "https://json-schema.org/draft/2019-09/schema"
        case .draft2020_12: "https://json-schema.org/draft/2020-12/schema"
        }
    }

    /// The draft whose meta-schema is `uri`, ignoring an empty fragment and http/https.
    public init?(metaSchemaURI uri: String) {
        var text = uri
        if text.hasSuffix("#") { text.removeLast() }
        if text.hasPrefix("https://json-schema.org/draft-") { text = "http://" + text.dropFirst("https://".count) }
        guard let draft = Self.allCases.first(where: { $0.metaSchemaURI == text }) else { return nil }
        self = draft
    }

    /// Draft 4 spells the identifier `id`; later drafts `$id`.
    var idKeyword: String { self == .draft4 ? "id" : "$id" }

    /// Before 2019-09, `$ref` makes every sibling keyword (including `$id`) ignored.
    var refOverridesSiblings: Bool { self < .draft2019_09 }
}
