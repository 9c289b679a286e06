import SchemaRegistryCore

/// JSON Schema behind the registry's ``SchemaFormat`` seam: schemas are checked against
/// their draft's meta-schema and compiled once at parse time (the compiled validator rides
/// in ``ParsedSchema/model``); payloads are validated with every error reported.
public struct JSONSchemaFormat: SchemaFormat {
    public let type: SchemaType = .json
    public let options: JSONSchemaValidator.Options

    public init(options: JSONSchemaValidator.Options = JSONSchemaValidator.Options()) {
        self.options = options
    }

    /// Parses, meta-validates and compiles `text`. `references` are the registry schemas
    /// `$ref` may name, each known by its reference name (a URI, possibly relative).
    public func parse(_ text: String, references: [ResolvedReference], normalize: Bool) throws -> ParsedSchema {
        let value: JSONValue
        do {
            value = try JSONParser().parse(text)
        } catch {
            throw RegistryError(.invalidSchema, "Invalid JSON schema: not valid JSON (\(error))")
        }
        guard value.objectValue != nil || value.boolValue != nil else {
            throw RegistryError(.invalidSchema, "Invalid JSON schema: must be a JSON object or boolean")
        }
        var documents: [String: JSONValue] = [:]
        for reference in references {
            guard let document = try? JSONParser().parse(reference.schema.text) else {
                throw RegistryError(
                    .invalidSchema, "Invalid JSON schema: reference '\(reference.reference.name)' is not valid JSON")
            }
            documents[reference.reference.name] = document
        }
        try checkAgainstMetaSchema(value)
        let validator: JSONSchemaValidator
        do {
            validator = try JSONSchemaValidator(schema: value, documents: documents, options: options)
        } catch {
            throw RegistryError(.invalidSchema, "Invalid JSON schema: \(error.message) at '\(error.location)'")
        }
        // Sorted keys and no whitespace: layout never mints a new schema id.
        return ParsedSchema(
            type: .json, canonicalText: value.serialized(sortedKeys: true), references: references, model: validator)
    }

    private func checkAgainstMetaSchema(_ value: JSONValue) throws {
        var draft = options.defaultDraft
        if let uri = value["$schema"]?.stringValue {
            // Custom meta-schemas (held by the registry) are checked by compilation alone.
            guard let known = JSONSchemaDraft(metaSchemaURI: uri) else { return }
            draft = known
        }
        guard let meta = MetaSchemaValidators.all[draft] else { return }
        let errors = meta.validate(value)
        guard let first = errors.first else { return }
        throw RegistryError(
            .invalidSchema,
            "Invalid JSON schema: \(first.message) at '\(first.instanceLocation)'"
                + " (meta-schema rule '\(first.schemaLocation)')",
            details: errors.map { "\($0.instanceLocation): \($0.message) (\($0.schemaLocation))" })
    }

    /// The JSON Schema compatibility checker (Confluent semantics).
    public var compatibilityChecker: (any CompatibilityChecker)? { JSONSchemaCompatibilityChecker(options: options) }

    /// Every way `payload` fails `schema`; a payload that is not JSON is one error at "".
    /// After the Confluent frame a JSON Schema datum is JSON text.
    public func validate(datum: ArraySlice<UInt8>, messageIndexes: [Int], against schema: ParsedSchema)
        -> [PayloadError]?
    {
        validate(payload: Array(datum), against: schema)
    }

    public func validate(payload: [UInt8], against schema: ParsedSchema) -> [PayloadError]? {
        let validator: JSONSchemaValidator
        if let compiled = schema.model as? JSONSchemaValidator {
            validator = compiled
        } else {
            guard let parsed = try? parse(schema.canonicalText, references: schema.references, normalize: false),
                let compiled = parsed.model as? JSONSchemaValidator
            else { return nil }
            validator = compiled
        }
        var bytes = payload
        let instance: JSONValue
        do {
            instance = try JSONParser().parse(bytes: &bytes)
        } catch {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: "", message: "the payload is not valid JSON: \(error)")
            ]
        }
        return validator.validate(instance)
    }
}

/// The official meta-schemas, compiled once per process.
enum MetaSchemaValidators {
    static let all: [JSONSchemaDraft: JSONSchemaValidator] = {
        var result: [JSONSchemaDraft: JSONSchemaValidator] = [:]
        for draft in JSONSchemaDraft.allCases {
            guard let text = MetaSchemas.documents[draft.metaSchemaURI], let value = try? JSONParser().parse(text),
                let validator = try? JSONSchemaValidator(
                    schema: value, baseURI: draft.metaSchemaURI, options: .init(defaultDraft: draft))
            else { continue }
            result[draft] = validator
        }
        return result
    }()
}
