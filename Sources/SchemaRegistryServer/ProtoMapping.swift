import SRPWire
import SchemaRegistryCore

/// Conversions between the domain model and SRP's protobuf messages.
enum ProtoMapping {
    static func schema(_ schema: StoredSchema) -> Srp_Schema {
        Srp_Schema.with {
            $0.id = UInt32(schema.id)
            $0.schemaType = schemaType(schema.type)
            $0.schema = schema.text
            $0.references = schema.references.map(reference)
        }
    }

    static func version(_ record: VersionRecord) -> Srp_SchemaVersion {
        Srp_SchemaVersion.with {
            $0.subject = record.subject
            $0.version = Int32(record.version)
            $0.id = UInt32(record.schema.id)
            $0.schemaType = schemaType(record.schema.type)
            $0.schema = record.schema.text
            $0.references = record.schema.references.map(reference)
            $0.metadata = record.metadata
            $0.tags = record.tags
            $0.deleted = record.deleted
        }
    }

    static func reference(_ reference: SchemaReference) -> Srp_SchemaReference {
        Srp_SchemaReference.with {
            $0.name = reference.name
            $0.subject = reference.subject
            $0.version = Int32(reference.version)
        }
    }

    static func reference(_ reference: Srp_SchemaReference) -> SchemaReference {
        SchemaReference(name: reference.name, subject: reference.subject, version: Int(reference.version))
    }

    static func schemaType(_ type: SchemaType) -> Srp_SchemaType {
        Srp_SchemaType(rawValue: type.rawValue) ?? .avro
    }

    static func schemaType(_ type: Srp_SchemaType) throws -> SchemaType {
        guard let known = SchemaType(rawValue: type.rawValue) else {
            throw RegistryError(.invalidSchema, "Unknown schema type \(type.rawValue).")
        }
        return known
    }

    static func level(_ level: CompatibilityLevel) -> Srp_CompatibilityLevel {
        switch level {
        case .none: .none
        case .backward: .backward
        case .backwardTransitive: .backwardTransitive
        case .forward: .forward
        case .forwardTransitive: .forwardTransitive
        case .full: .full
        case .fullTransitive: .fullTransitive
        }
    }

    static func level(_ level: Srp_CompatibilityLevel) throws -> CompatibilityLevel {
        switch level {
        case .none: .none
        case .backward: .backward
        case .backwardTransitive: .backwardTransitive
        case .forward: .forward
        case .forwardTransitive: .forwardTransitive
        case .full: .full
        case .fullTransitive: .fullTransitive
        case .unspecified, .UNRECOGNIZED:
            throw RegistryError(.invalidCompatibilityLevel, "Invalid compatibility level \(level.rawValue).")
        }
    }

    static func mode(_ mode: RegistryMode) -> Srp_Mode {
        switch mode {
        case .readWrite: .readwrite
        case .readOnly: .readonly
        case .import: .import
        }
    }

    static func mode(_ mode: Srp_Mode) throws -> RegistryMode {
        switch mode {
        case .readwrite: .readWrite
        case .readonly: .readOnly
        case .import: .import
        case .unspecified, .UNRECOGNIZED: throw RegistryError(.invalidMode, "Invalid mode \(mode.rawValue).")
        }
    }

    static func cacheTier(_ tier: CacheTierStatistics) -> Srp_CacheTierStats {
        .with {
            $0.tier = tier.tier
            $0.hits = UInt64(tier.hits)
            $0.misses = UInt64(tier.misses)
            $0.entries = UInt64(tier.entries)
            $0.bytes = UInt64(tier.bytes)
            $0.available = tier.available
            $0.errors = UInt64(tier.errors)
        }
    }

    /// An empty subject on the wire means the global setting.
    static func subjectOrGlobal(_ subject: String) -> String? {
        subject.isEmpty ? nil : subject
    }
}
