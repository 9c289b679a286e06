/// The answer to a compatibility check.
public struct CompatibilityReport: Sendable, Hashable {
    public var isCompatible: Bool
    public var messages: [String]
    public var level: CompatibilityLevel

    public init(isCompatible: Bool, messages: [String], level: CompatibilityLevel) {
        self.isCompatible = isCompatible
        self.messages = messages
        self.level = level
    }
}

extension RegistryService {
    /// Checks a schema against one version (`-1`/`0` = latest) or, with `allVersions`, against
    /// every version the subject's level calls for. A subject with no versions is compatible.
    public func checkCompatibility(
        subject: String, type: SchemaType, text: String, references: [SchemaReference], version: Int,
        allVersions: Bool, normalize: Bool
    ) async throws -> CompatibilityReport {
        try Self.validateSubject(subject)
        let parsed = try await parse(type: type, text: text, references: references, normalize: normalize)
        let level = try await compatibility(subject: subject, defaultToGlobal: true)
        let live = try await store.versions(subject: subject, includeDeleted: false)
        let targets: [VersionRecord]
        if allVersions || live.isEmpty {
            targets = live
        } else if version <= 0 {
            targets = [live.last!]
        } else {
            guard let found = live.first(where: { $0.version == version }) else {
                throw RegistryError.versionNotFound(subject, version)
            }
            targets = [found]
        }
        // A single target is checked at the level's direction, not transitively.
        var effective = level
        if !allVersions {
            switch level {
            case .backwardTransitive: effective = .backward
            case .forwardTransitive: effective = .forward
            case .fullTransitive: effective = .full
            default: break
            }
        }
        let messages = try await incompatibilities(of: parsed, level: effective, against: targets)
        return CompatibilityReport(isCompatible: messages.isEmpty, messages: messages, level: level)
    }

    /// Validates a payload against a registered schema: JSON text, or a datum in Confluent's
    /// frame (magic byte 0, then the schema id, which must be `stored`'s) in the form Kafka
    /// carries it (``KafkaWireFormat``).
    public func validate(payload: [UInt8], schema stored: StoredSchema) async throws -> [PayloadError] {
        if let bad = KafkaWireFormat.badMagic(payload) { throw RegistryError(.invalidRequest, bad) }
        if KafkaWireFormat.isFramed(payload) {
            let frame = try KafkaWireFormat.unframe(payload)
            guard frame.schemaID == stored.id else {
                throw RegistryError(
                    .invalidRequest,
                    "The payload's frame names schema \(frame.schemaID), the request schema \(stored.id).")
            }
            var body = frame.body
            let indexes = stored.type == .protobuf ? try KafkaWireFormat.messageIndexes(&body) : []
            let parsed = try await parseStored(stored)
            guard let errors = formats[stored.type]?.validate(datum: body, messageIndexes: indexes, against: parsed)
            else {
                throw RegistryError(
                    .invalidRequest, "Validation of framed \(stored.type) payloads is not available in this build yet.")
            }
            return errors
        }
        guard !JSONNesting.exceeds(configuration.maxNestingDepth, in: payload) else {
            throw RegistryError(
                .invalidRequest, "Payload nests objects or arrays deeper than \(configuration.maxNestingDepth) levels.")
        }
        let parsed = try await parseStored(stored)
        guard let errors = formats[stored.type]?.validate(payload: payload, against: parsed) else {
            throw RegistryError(
                .invalidRequest, "Payload validation for \(stored.type) schemas is not available in this build yet.")
        }
        return errors
    }
}
