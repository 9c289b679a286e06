#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How stores keep references, metadata and tags in text columns, shared by every store.
///
/// JSON with sorted keys: deterministic for a given value, readable with the database's own
/// shell, and off the hot path (identity is decided on decoded values, never on this text).
/// Each store keeps one value naming itself, for errors ("sqlite: unreadable refs column: ...").
public struct StoredValueCoding: Sendable {
    /// The store's name in error messages.
    public let store: String

    public init(store: String) {
        self.store = store
    }

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

    private func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw RegistryError(.storeError, "\(store): unreadable \(column) column: \(error)")
        }
    }

    public func encode(references: [SchemaReference]) throws -> String {
        if references.isEmpty { return Self.emptyArray }
        return try Self.encode(references.map { Reference(name: $0.name, subject: $0.subject, version: $0.version) })
    }

    public func decodeReferences(_ text: String) throws -> [SchemaReference] {
        if text == Self.emptyArray { return [] }
        return try decode([Reference].self, text, column: "refs").map {
            SchemaReference(name: $0.name, subject: $0.subject, version: $0.version)
        }
    }

    public func encode(metadata: [String: String]) throws -> String {
        metadata.isEmpty ? Self.emptyObject : try Self.encode(metadata)
    }

    public func decodeMetadata(_ text: String) throws -> [String: String] {
        if text == Self.emptyObject { return [:] }
        return try FlatJSONStrings.object(text) ?? decode([String: String].self, text, column: "metadata")
    }

    public func encode(tags: [String]) throws -> String {
        tags.isEmpty ? Self.emptyArray : try Self.encode(tags)
    }

    public func decodeTags(_ text: String) throws -> [String] {
        if text == Self.emptyArray { return [] }
        return try FlatJSONStrings.array(text) ?? decode([String].self, text, column: "tags")
    }

    public func schemaType(_ raw: Int) throws -> SchemaType {
        guard let type = SchemaType(rawValue: raw) else {
            throw RegistryError(.storeError, "\(store): unknown schema type \(raw) in the database")
        }
        return type
    }
}
