/// The format of a schema. Raw values match `srp.SchemaType` on the wire.
public enum SchemaType: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case avro = 0
    case json = 1
    /// Reserved: registrations are refused until a Protobuf format exists.
    case protobuf = 2

    /// The name Confluent uses (`AVRO`, `JSON`, `PROTOBUF`).
    public var description: String {
        switch self {
        case .avro: "AVRO"
        case .json: "JSON"
        case .protobuf: "PROTOBUF"
        }
    }

    /// Parses Confluent's name, case-insensitively.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = match
    }
}

/// A global schema id. Ids are positive and never reused.
public typealias SchemaID = Int

/// A reference from one schema to a version of another subject.
public struct SchemaReference: Sendable, Hashable {
    /// The name the referencing schema uses for it (an Avro full name, a JSON `$ref`).
    public var name: String
    public var subject: String
    public var version: Int

    public init(name: String, subject: String, version: Int) {
        self.name = name
        self.subject = subject
        self.version = version
    }
}

/// A schema as stored once per distinct (type, canonical text, references), under its global id.
public struct StoredSchema: Sendable, Hashable {
    public var id: SchemaID
    public var type: SchemaType
    /// The canonical text: what identity is decided on and what readers get back.
    public var text: String
    public var references: [SchemaReference]

    public init(id: SchemaID, type: SchemaType, text: String, references: [SchemaReference]) {
        self.id = id
        self.type = type
        self.text = text
        self.references = references
    }

    /// What decides whether this is the same schema as another.
    public var identity: SchemaIdentity {
        SchemaIdentity(type: type, canonicalText: text, references: references)
    }
}

/// A schema version under a subject, joined with its schema.
public struct VersionRecord: Sendable, Hashable {
    public var subject: String
    public var version: Int
    public var schema: StoredSchema
    public var metadata: [String: String]
    public var tags: [String]
    /// Soft-deleted: hidden unless deleted versions are asked for.
    public var deleted: Bool

    public init(
        subject: String, version: Int, schema: StoredSchema, metadata: [String: String] = [:],
        tags: [String] = [], deleted: Bool = false
    ) {
        self.subject = subject
        self.version = version
        self.schema = schema
        self.metadata = metadata
        self.tags = tags
        self.deleted = deleted
    }
}

/// A (subject, version) pair.
public struct SubjectVersion: Sendable, Hashable {
    public var subject: String
    public var version: Int

    public init(subject: String, version: Int) {
        self.subject = subject
        self.version = version
    }
}

/// Confluent's compatibility levels.
public enum CompatibilityLevel: String, Sendable, Hashable, CaseIterable {
    case none = "NONE"
    case backward = "BACKWARD"
    case backwardTransitive = "BACKWARD_TRANSITIVE"
    case forward = "FORWARD"
    case forwardTransitive = "FORWARD_TRANSITIVE"
    case full = "FULL"
    case fullTransitive = "FULL_TRANSITIVE"

    /// Whether every earlier version is checked, not only the latest.
    public var isTransitive: Bool {
        self == .backwardTransitive || self == .forwardTransitive || self == .fullTransitive
    }

    /// New schema reads data written with old ones.
    public var checksBackward: Bool {
        self == .backward || self == .backwardTransitive || self == .full || self == .fullTransitive
    }

    /// Old schemas read data written with the new one.
    public var checksForward: Bool {
        self == .forward || self == .forwardTransitive || self == .full || self == .fullTransitive
    }
}

/// Registry modes.
public enum RegistryMode: String, Sendable, Hashable, CaseIterable {
    case readWrite = "READWRITE"
    case readOnly = "READONLY"
    /// Registrations carry their ids (migrations from another registry).
    case `import` = "IMPORT"
}
