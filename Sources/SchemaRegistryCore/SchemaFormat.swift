/// The seam between the registry and a schema language (Avro, JSON Schema, ...).
///
/// A format parses text into its canonical form (identity is decided on canonical text),
/// checks compatibility between versions and validates payloads. Formats are pure: no I/O.
public protocol SchemaFormat: Sendable {
    var type: SchemaType { get }

    /// Parses `text`, resolving `references` (already fetched by the registry), and returns
    /// its canonical form. Throws ``RegistryError`` with code `invalidSchema` and a message
    /// that says what and where.
    func parse(_ text: String, references: [ResolvedReference], normalize: Bool) throws -> ParsedSchema

    /// Parses a schema the registry already holds (a version to check against, a schema to
    /// validate with). It was accepted once, so settings made stricter since must not refuse it
    /// now; by default the same as `parse` without normalising.
    func parseStored(_ text: String, references: [ResolvedReference]) throws -> ParsedSchema

    /// The compatibility checker, or nil when this format has none yet.
    var compatibilityChecker: (any CompatibilityChecker)? { get }

    /// Validates a JSON-encoded payload; nil when this format cannot validate payloads yet.
    func validate(payload: [UInt8], against schema: ParsedSchema) -> [PayloadError]?

    /// Validates a datum as Kafka records carry it after the Confluent frame (Avro binary,
    /// JSON text for JSON Schema, Protobuf binary of the message `messageIndexes` names); nil
    /// when this format cannot.
    func validate(datum: ArraySlice<UInt8>, messageIndexes: [Int], against schema: ParsedSchema) -> [PayloadError]?
}

extension SchemaFormat {
    public func validate(datum: ArraySlice<UInt8>, messageIndexes: [Int], against schema: ParsedSchema)
        -> [PayloadError]?
    {
        nil
    }

    public func parseStored(_ text: String, references: [ResolvedReference]) throws -> ParsedSchema {
        try parse(text, references: references, normalize: false)
    }
}

/// A referenced schema, fetched for the format by the registry.
public struct ResolvedReference: Sendable {
    public var reference: SchemaReference
    public var schema: StoredSchema

    public init(reference: SchemaReference, schema: StoredSchema) {
        self.reference = reference
        self.schema = schema
    }
}

/// A parsed schema. `canonicalText` is what is stored and compared.
public struct ParsedSchema: Sendable {
    public var type: SchemaType
    public var canonicalText: String
    public var references: [ResolvedReference]
    /// The format's own parsed representation, for checkers and validators.
    public var model: (any Sendable)?
    /// What the format accepted but its strict settings would refuse, one sentence each (e.g.
    /// an Avro field default that does not match its type). Registration passes them back.
    public var warnings: [String]

    public init(
        type: SchemaType, canonicalText: String, references: [ResolvedReference], model: (any Sendable)? = nil,
        warnings: [String] = []
    ) {
        self.type = type
        self.canonicalText = canonicalText
        self.references = references
        self.model = model
        self.warnings = warnings
    }
}

/// Decides whether data written with `writer` can be read with `reader`.
public protocol CompatibilityChecker: Sendable {
    /// Every reason `reader` cannot read what `writer` wrote; empty when it can.
    func incompatibilities(reader: ParsedSchema, writer: ParsedSchema) -> [Incompatibility]
}

/// One reason two schemas are not compatible.
public struct Incompatibility: Sendable, Hashable, CustomStringConvertible {
    /// A short stable kind, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`.
    public var kind: String
    /// Where, as a JSON pointer into the schema (e.g. `/fields/1/type`).
    public var location: String
    public var message: String

    public init(kind: String, location: String, message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(kind) at '\(location)': \(message)" }
}

/// One reason a payload does not conform to its schema.
public struct PayloadError: Sendable, Hashable {
    public var instanceLocation: String
    public var schemaLocation: String
    public var message: String

    public init(instanceLocation: String, schemaLocation: String, message: String) {
        self.instanceLocation = instanceLocation
        self.schemaLocation = schemaLocation
        self.message = message
    }
}
