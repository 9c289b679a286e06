import SchemaRegistryCore
import Synchronization

/// Who a connection authenticated as: one API key's role and subject prefixes.
///
/// Shared by every connection that presented the key, so revoking the key (seen at the next
/// refresh of the ``APIKeyRing``) reaches connections that are already open.
public final class Principal: Sendable {
    public let keyID: String
    public let name: String
    public let role: AccessRole
    /// Empty: every subject.
    public let subjectPrefixes: [String]
    private let revokedFlag = Atomic<Bool>(false)

    public init(keyID: String, name: String, role: AccessRole, subjectPrefixes: [String]) {
        self.keyID = keyID
        self.name = name
        self.role = role
        self.subjectPrefixes = subjectPrefixes
    }

    convenience init(_ record: APIKeyRecord) {
        self.init(keyID: record.id, name: record.name, role: record.role, subjectPrefixes: record.subjectPrefixes)
    }

    /// Not limited to some subjects.
    public var isUnrestricted: Bool { subjectPrefixes.isEmpty }

    public func mayAccess(subject: String) -> Bool {
        isUnrestricted || subjectPrefixes.contains { subject.hasPrefix($0) }
    }

    public var isRevoked: Bool { revokedFlag.load(ordering: .relaxed) }

    func revoke() { revokedFlag.store(true, ordering: .relaxed) }
}
