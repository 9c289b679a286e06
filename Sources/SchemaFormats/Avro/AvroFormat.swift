import SchemaRegistryCore

/// Avro behind the registry's ``SchemaFormat`` seam.
///
/// Identity (`canonicalText`) is the normal form of ``AvroCanonicalForm``: compact JSON,
/// fullnames, attributes in a fixed order, so whitespace, key order and namespace spelling
/// never change it. With `normalize: true`, `doc` attributes are dropped as well.
/// The model is an ``AvroModel``, which exposes the Parsing Canonical Form and fingerprint.
public struct AvroFormat: SchemaFormat {
    public var type: SchemaType { .avro }

    public init() {}

    public func parse(_ text: String, references: [ResolvedReference], normalize: Bool) throws -> ParsedSchema {
        let model = try Self.model(text, references: references)
        return ParsedSchema(
            type: .avro, canonicalText: AvroCanonicalForm.normalForm(of: model, keepDoc: !normalize),
            references: references, model: model)
    }

    /// Parses referenced schemas first (in the order given) so their named types are known.
    static func model(_ text: String, references: [ResolvedReference]) throws -> AvroModel {
        var parser = AvroParser()
        for reference in references {
            do {
                try parser.addReference(reference.schema.text)
            } catch {
                throw RegistryError(
                    .invalidSchema,
                    "Invalid AVRO schema: reference '\(reference.reference.name)': \(error.message)")
            }
        }
        do {
            let root = try parser.parseDocument(text)
            return AvroModel(root: root, namedTypes: parser.namedTypes, externalNames: parser.externalNames)
        } catch {
            throw RegistryError(.invalidSchema, "Invalid AVRO schema: \(error.message)")
        }
    }

    /// The model of a parsed schema, re-parsing its canonical text if it carries none.
    static func model(of schema: ParsedSchema) -> AvroModel? {
        if let model = schema.model as? AvroModel { return model }
        return try? model(schema.canonicalText, references: schema.references)
    }

    public var compatibilityChecker: (any CompatibilityChecker)? { AvroCompatibilityChecker() }

    public func validate(payload: [UInt8], against schema: ParsedSchema) -> [PayloadError]? {
        guard let model = Self.model(of: schema) else { return nil }
        return AvroPayloadValidator.validate(payload: payload, model: model)
    }
}
