#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How stores keep references, metadata and tags in text columns, shared by every store.
///
/// JSON with sorted keys: deterministic for a given value, readable with the database's own
/// shell, and off the hot path (identity is decided on decoded values, never on this text).
/// `store` names the store in errors ("sqlite: unreadable refs column: ...").
public enum StoredValueCoding {
    private struct Reference: Codable {
        var name: String
        var subject: String
        var version: Int
    }

    // The common cases, written and read without a JSON round trip.
    private static let emptyArray = "[]"
    private static let emptyObject = "{}"

    private static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String, store: String) throws -> T
    {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw RegistryError(.storeError, "\(store): unreadable \(column) column: \(error)")
        }
    }

    public static func encode(references: [SchemaReference]) throws -> String {
        if references.isEmpty { return emptyArray }
        return try encode(references.map { Reference(name: $0.name, subject: $0.subject, version: $0.version) })
    }

    public static func decodeReferences(_ text: String, store: String) throws -> [SchemaReference] {
        if text == emptyArray { return [] }
        return try decode([Reference].self, text, column: "refs", store: store).map {
            SchemaReference(name: $0.name, subject: $0.subject, version: $0.version)
        }
    }

    public static func encode(metadata: [String: String]) throws -> String {
        metadata.isEmpty ? emptyObject : try encode(metadata)
    }

    public static func decodeMetadata(_ text: String, store: String) throws -> [String: String] {
        text == emptyObject ? [:] : try decode([String: String].self, text, column: "metadata", store: store)
    }

    public static func encode(tags: [String]) throws -> String {
        tags.isEmpty ? emptyArray : try encode(tags)
    }

    public static func decodeTags(_ text: String, store: String) throws -> [String] {
        text == emptyArray ? [] : try decode([String].self, text, column: "tags", store: store)
    }

    public static func schemaType(_ raw: Int, store: String) throws -> SchemaType {
        guard let type = SchemaType(rawValue: raw) else {
            throw RegistryError(.storeError, "\(store): unknown schema type \(raw) in the database")
        }
        return type
    }
}
