/// An Avro schema as parsed. Named types (records, enums, fixed) are never nested in the
/// tree: every use, including the defining one, is `.named(fullname)` and the definition
/// lives in ``AvroModel/namedTypes``. That keeps recursive schemas finite values and lets
/// writers decide where a definition is spelled out (its first occurrence) on their own.
public indirect enum AvroSchema: Sendable {
    case primitive(AvroPrimitive, AvroAttributes)
    case array(items: AvroSchema, AvroAttributes)
    case map(values: AvroSchema, AvroAttributes)
    case union([AvroSchema])
    /// A record, enum or fixed, by fullname.
    case named(String)
}

/// The eight primitive types.
public enum AvroPrimitive: String, Sendable, CaseIterable {
    case null, boolean, int, long, float, double, bytes, string
}

/// What a schema carries besides its structure: its valid logical type (nil when absent or
/// invalid, which degrades to the underlying type as the spec says) and every other
/// attribute as written (including `logicalType` itself and its parameters), because
/// identity and round-tripping must keep them.
public struct AvroAttributes: Sendable {
    public var logicalType: AvroLogicalType?
    public var properties: JSONObject

    public init(logicalType: AvroLogicalType? = nil, properties: JSONObject = JSONObject()) {
        self.logicalType = logicalType
        self.properties = properties
    }

    public static let none = AvroAttributes()
}

/// A record, enum or fixed definition.
public struct AvroNamedType: Sendable {
    public enum Kind: Sendable {
        case record(fields: [AvroField])
        case enumeration(symbols: [String], default: String?)
        case fixed(size: Int)
    }

    public var fullname: String
    /// Fully qualified aliases.
    public var aliases: [String]
    public var doc: String?
    public var kind: Kind
    public var attributes: AvroAttributes

    /// The unqualified name (the part after the last dot).
    public var name: String { AvroNames.unqualified(fullname) }
    /// The namespace, "" for the null namespace.
    public var namespace: String { AvroNames.namespace(of: fullname) }

    /// The word used in the `type` attribute.
    public var typeName: String {
        switch kind {
        case .record: "record"
        case .enumeration: "enum"
        case .fixed: "fixed"
        }
    }
}

/// A record field.
public struct AvroField: Sendable {
    public var name: String
    public var type: AvroSchema
    /// The default as written, valid or not (identity and round-tripping keep it).
    public var defaultValue: JSONValue?
    public var order: String?
    public var aliases: [String]
    public var doc: String?
    /// Attributes other than the ones the spec defines for fields.
    public var properties: JSONObject
    /// False when `defaultValue` does not match the field's type and was accepted anyway
    /// (``AvroFormat/validateDefaults`` off, as Confluent's registry accepts it).
    public var defaultIsValid = true

    /// The default a reader can actually use: nil when there is none or it is invalid, so an
    /// invalid default counts as no default (the conservative reading for compatibility).
    public var usableDefault: JSONValue? { defaultIsValid ? defaultValue : nil }
}

/// A parsed schema with the definitions it uses; what ``AvroFormat`` puts in
/// `ParsedSchema.model`.
public struct AvroModel: Sendable {
    public var root: AvroSchema
    /// Every named type known while parsing, including those of referenced schemas.
    public var namedTypes: [String: AvroNamedType]
    /// Names defined by referenced schemas: always written by name, never spelled out.
    public var externalNames: Set<String>

    /// The spec's Parsing Canonical Form.
    public var parsingCanonicalForm: String { AvroCanonicalForm.parsingCanonicalForm(of: self) }
    /// The CRC-64-AVRO (Rabin) fingerprint of the Parsing Canonical Form.
    public var fingerprint: UInt64 { AvroFingerprint.crc64(Array(parsingCanonicalForm.utf8)) }

    /// The definition behind `.named`, or nil for other schemas.
    func definition(_ schema: AvroSchema) -> AvroNamedType? {
        if case .named(let name) = schema { return namedTypes[name] }
        return nil
    }
}

extension AvroModel {
    /// A short human name for a schema, as messages use it: `int`, `array`, `record com.x.User`.
    func describe(_ schema: AvroSchema) -> String {
        switch schema {
        case .primitive(let primitive, _): primitive.rawValue
        case .array: "array"
        case .map: "map"
        case .union: "union"
        case .named(let name): "\(namedTypes[name]?.typeName ?? "type") '\(name)'"
        }
    }

    /// The name a union branch goes by in the JSON encoding and in duplicate checks.
    func branchName(_ schema: AvroSchema) -> String { Self.branchName(schema) }

    static func branchName(_ schema: AvroSchema) -> String {
        switch schema {
        case .primitive(let primitive, _): primitive.rawValue
        case .array: "array"
        case .map: "map"
        case .union: "union"
        case .named(let name): name
        }
    }
}
