import Foundation
import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Helpers shared by the Avro tests.
enum AvroTestSupport {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/avro")

    static func parse(_ text: String, references: [ResolvedReference] = [], normalize: Bool = false) throws
        -> ParsedSchema
    {
        // Strict: these tests hold the parser to the spec; the lenient default has its own tests.
        try AvroFormat(validateDefaults: true).parse(text, references: references, normalize: normalize)
    }

    static func model(_ text: String) throws -> AvroModel {
        try #require(try parse(text).model as? AvroModel)
    }

    /// The message of the error parsing `text` throws, or nil when it parses.
    static func error(_ text: String, references: [ResolvedReference] = []) -> String? {
        do {
            _ = try parse(text, references: references)
            return nil
        } catch let error as RegistryError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    static func reference(_ name: String, _ text: String) -> ResolvedReference {
        ResolvedReference(
            reference: SchemaReference(name: name, subject: name, version: 1),
            schema: StoredSchema(id: 1, type: .avro, text: text, references: []))
    }

    static func incompatibilities(reader: String, writer: String) throws -> [Incompatibility] {
        AvroCompatibilityChecker().incompatibilities(reader: try parse(reader), writer: try parse(writer))
    }
}
