/// What an API key may do. Each role includes the ones below it.
public enum AccessRole: String, Sendable, CaseIterable, Comparable {
    /// Get, lookup, list, check compatibility, validate payloads.
    case read
    /// Read, plus register schemas and soft-delete versions and subjects.
    case write
    /// Write, plus compatibility and mode settings, permanent deletes and key management.
    case admin

    private var rank: Int {
        switch self {
        case .read: 0
        case .write: 1
        case .admin: 2
        }
    }

    public static func < (lhs: AccessRole, rhs: AccessRole) -> Bool { lhs.rank < rhs.rank }
}

/// An API key as stored: never the key itself, only its SHA-256.
public struct APIKeyRecord: Sendable, Hashable {
    /// Short public id, also embedded in the key text (`sr_<id>_<secret>`), for listing and revoking.
    public var id: String
    /// Who or what the key is for (free text).
    public var name: String
    public var role: AccessRole
    /// When non-empty, subject-scoped operations are allowed only on subjects starting with one of these.
    public var subjectPrefixes: [String]
    /// Lower-case hex SHA-256 of the whole key text.
    public var keyHash: String
    /// Seconds since 1970.
    public var createdAt: Int
    public var revoked: Bool

    public init(
        id: String, name: String, role: AccessRole, subjectPrefixes: [String], keyHash: String, createdAt: Int,
        revoked: Bool = false
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.subjectPrefixes = subjectPrefixes
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// Where API keys live: the same database as the schemas, so every instance sharing a store
/// shares its keys, and `schema-registry keys ...` manages them without a running server.
public protocol APIKeyStore: Sendable {
    func createAPIKey(_ record: APIKeyRecord) async throws
    /// Every key, newest first; revoked ones only when asked.
    func apiKeys(includeRevoked: Bool) async throws -> [APIKeyRecord]
    /// Marks a key revoked; false when no live key has that id.
    func revokeAPIKey(id: String) async throws -> Bool
}

extension APIKeyRecord {
    /// Prefixes as stored: one per line (subjects cannot contain a newline in practice; a
    /// prefix that does is refused when the key is created).
    public var storedPrefixes: String { subjectPrefixes.joined(separator: "\n") }

    public static func prefixes(fromStored text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
