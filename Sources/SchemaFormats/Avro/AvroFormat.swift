import SchemaRegistryCore

/// Avro behind the registry's ``SchemaFormat`` seam.
///
/// Identity (`canonicalText`) is the normal form of ``AvroCanonicalForm``: compact JSON,
/// fullnames, attributes in a fixed order, so whitespace, key order and namespace spelling
/// never change it. With `normalize: true`, `doc` attributes are dropped as well.
/// The model is an ``AvroModel``, which exposes the Parsing Canonical Form and fingerprint.
public struct AvroFormat: SchemaFormat {
    public var type: SchemaType { .avro }

    /// Refuse a field default that does not match its type (the Avro spec's rule). Off by
    /// default: Confluent's registry accepts such schemas (Java Avro does not validate defaults
    /// unless asked), so schemas exported from it must import here. Off, each invalid default is
    /// a warning (``ParsedSchema/warnings``) and counts as no default in compatibility checks
    /// and payload validation. An enum's own `default` must be one of its symbols either way,
    /// as Java Avro requires.
    public var validateDefaults: Bool

    public init(validateDefaults: Bool = false) {
        self.validateDefaults = validateDefaults
    }

    public func parse(_ text: String, references: [ResolvedReference], normalize: Bool) throws -> ParsedSchema {
        try parse(text, references: references, normalize: normalize, validateDefaults: validateDefaults)
    }

    /// Stored schemas are read leniently: one accepted before `validateDefaults` was turned on
    /// must still be checked against and validated with.
    public func parseStored(_ text: String, references: [ResolvedReference]) throws -> ParsedSchema {
        try parse(text, references: references, normalize: false, validateDefaults: false)
    }

    private func parse(_ text: String, references: [ResolvedReference], normalize: Bool, validateDefaults: Bool)
        throws -> ParsedSchema
    {
        let (model, warnings) = try Self.model(text, references: references, validateDefaults: validateDefaults)
        return ParsedSchema(
            type: .avro, canonicalText: AvroCanonicalForm.normalForm(of: model, keepDoc: !normalize),
            references: references, model: model, warnings: warnings)
    }

    /// Parses referenced schemas first (in the order given) so their named types are known.
    static func model(_ text: String, references: [ResolvedReference], validateDefaults: Bool = false) throws
        -> (model: AvroModel, warnings: [String])
    {
        var parser = AvroParser(validateDefaults: validateDefaults)
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
            let model = AvroModel(root: root, namedTypes: parser.namedTypes, externalNames: parser.externalNames)
            return (model, parser.warnings.map { "AVRO schema: \($0)" })
        } catch {
            throw RegistryError(.invalidSchema, "Invalid AVRO schema: \(error.message)")
        }
    }

    /// The model of a parsed schema, re-parsing its canonical text if it carries none.
    static func model(of schema: ParsedSchema) -> AvroModel? {
        if let model = schema.model as? AvroModel { return model }
        return try? model(schema.canonicalText, references: schema.references).model
    }

    public var compatibilityChecker: (any CompatibilityChecker)? { AvroCompatibilityChecker() }

    public func validate(payload: [UInt8], against schema: ParsedSchema) -> [PayloadError]? {
        guard let model = Self.model(of: schema) else { return nil }
        return AvroPayloadValidator.validate(payload: payload, model: model)
    }

    /// A datum in Avro's binary encoding, as Kafka records carry it.
    public func validate(datum: ArraySlice<UInt8>, messageIndexes: [Int], against schema: ParsedSchema)
        -> [PayloadError]?
    {
        guard let model = Self.model(of: schema) else { return nil }
        return AvroBinaryValidator.validate(payload: Array(datum), model: model)
    }
}
