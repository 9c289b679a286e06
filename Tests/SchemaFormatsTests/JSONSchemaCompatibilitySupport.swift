import SchemaRegistryCore

@testable import SchemaFormats

/// One compatibility case: writer (old) and reader (new) schemas, and the single
/// incompatibility expected, or nil when the reader must accept everything the writer wrote.
struct JSONSchemaCompatibilityCase: CustomStringConvertible, Sendable {
    var name: String
    var writer: String
    var reader: String
    var kind: String?
    var location: String?

    var description: String { name }

    init(_ name: String, writer: String, reader: String, _ kind: String? = nil, at location: String? = nil) {
        self.name = name
        self.writer = writer
        self.reader = reader
        self.kind = kind
        self.location = location
    }
}

enum JSONSchemaCompatibilityHarness {
    static func schema(_ text: String, references: [ResolvedReference] = []) -> ParsedSchema {
        ParsedSchema(type: .json, canonicalText: text, references: references)
    }

    static func check(reader: String, writer: String) -> [Incompatibility] {
        JSONSchemaCompatibilityChecker().incompatibilities(reader: schema(reader), writer: schema(writer))
    }
}
