/// An error the registry reports to its callers, with a code that mirrors Confluent's.
///
/// Codes are an open set (a struct, not an enum) so that new ones never break callers.
public struct RegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Confluent's error code: 404xx not found, 409xx conflict, 422xx invalid, 500xx server.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// The API key's role or subject prefixes do not allow the operation.
        public static let forbidden = Code(rawValue: 40301)
        public static let subjectNotFound = Code(rawValue: 40401)
        public static let versionNotFound = Code(rawValue: 40402)
        public static let schemaNotFound = Code(rawValue: 40403)
        public static let subjectSoftDeleted = Code(rawValue: 40404)
        public static let subjectNotSoftDeleted = Code(rawValue: 40405)
        public static let versionSoftDeleted = Code(rawValue: 40406)
        public static let versionNotSoftDeleted = Code(rawValue: 40407)
        public static let subjectLevelCompatibilityNotConfigured = Code(rawValue: 40408)
        public static let subjectLevelModeNotConfigured = Code(rawValue: 40409)
        /// No live API key has the id (RevokeApiKey).
        public static let apiKeyNotFound = Code(rawValue: 40410)
        public static let incompatibleSchema = Code(rawValue: 40901)
        public static let invalidSchema = Code(rawValue: 42201)
        public static let invalidVersion = Code(rawValue: 42202)
        public static let invalidCompatibilityLevel = Code(rawValue: 42203)
        public static let invalidMode = Code(rawValue: 42204)
        public static let operationNotPermitted = Code(rawValue: 42205)
        public static let referenceExists = Code(rawValue: 42206)
        public static let idConflict = Code(rawValue: 42207)
        public static let invalidSubject = Code(rawValue: 42208)
        public static let invalidRequest = Code(rawValue: 42209)
        /// The subject's level needs a checker this schema type does not have yet.
        public static let compatibilityCheckerMissing = Code(rawValue: 42210)
        public static let storeError = Code(rawValue: 50001)
        public static let operationTimeout = Code(rawValue: 50002)
        /// The store is unreachable: retry later.
        public static let unavailable = Code(rawValue: 50003)
    }

    public var code: Code
    public var message: String
    /// Human-readable reasons, e.g. each incompatibility found.
    public var details: [String]

    public init(_ code: Code, _ message: String, details: [String] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension RegistryError {
    static func subjectNotFound(_ subject: String) -> Self {
        .init(.subjectNotFound, "Subject '\(subject)' not found.")
    }
    static func versionNotFound(_ subject: String, _ version: Int) -> Self {
        .init(.versionNotFound, "Version \(version) not found under subject '\(subject)'.")
    }
    static func schemaNotFound(_ id: SchemaID) -> Self {
        .init(.schemaNotFound, "Schema \(id) not found.")
    }
}
