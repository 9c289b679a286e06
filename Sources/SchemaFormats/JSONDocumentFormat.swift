import Foundation
import SchemaRegistryCore

/// A stand-in format for schemas written as JSON documents (Avro and JSON Schema) until
/// their real parsers land: it checks JSON syntax and canonicalises to compact JSON with
/// sorted keys, so identity ignores whitespace and key order. It has no compatibility
/// checker and no payload validator, and says so through the ``SchemaFormat`` seam.
public struct JSONDocumentFormat: SchemaFormat {
    public let type: SchemaType

    public init(type: SchemaType) {
        self.type = type
    }

    public func parse(_ text: String, references: [ResolvedReference], normalize: Bool) throws -> ParsedSchema {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw RegistryError(.invalidSchema, "Invalid \(type) schema: not valid JSON (\(Self.reason(error)))")
        }
        if type == .avro, !(object is String || object is [Any] || object is [String: Any]) {
            throw RegistryError(.invalidSchema, "Invalid AVRO schema: must be a JSON string, object or array")
        }
        if type == .json, !(object is Bool || object is [String: Any]) {
            throw RegistryError(.invalidSchema, "Invalid JSON schema: must be a JSON object or boolean")
        }
        let canonical = try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return ParsedSchema(
            type: type, canonicalText: String(decoding: canonical, as: UTF8.self), references: references)
    }

    public var compatibilityChecker: (any CompatibilityChecker)? { nil }

    public func validate(payload: [UInt8], against schema: ParsedSchema) -> [PayloadError]? { nil }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}
