import SRPWire
import SchemaRegistryCore

/// The admin rpcs for API keys: through the server, so `schema-registry keys` works with any
/// store and the server that checks the keys is the one that changes them (issue 14: `keys`
/// against a default `./data` silently made a store the real server never read).
extension RequestDispatcher {
    func createAPIKey(_ request: Srp_CreateApiKeyRequest) async throws -> Srp_CreateApiKeyResponse {
        let ring = try keyRing()
        guard let role = AccessRole(request.role) else {
            throw RegistryError(.invalidRequest, "CreateApiKey needs a role: read, write or admin.")
        }
        let (record, secret) = try await ring.create(
            role: role, name: request.name, subjectPrefixes: request.subjectPrefixes)
        return .with {
            $0.key = Srp_ApiKey(record)
            $0.secret = secret
        }
    }

    func listAPIKeys(_ request: Srp_ListApiKeysRequest) async throws -> Srp_ListApiKeysResponse {
        let records = try await keyRing().keys(includeRevoked: request.includeRevoked)
        return .with { $0.keys = records.map(Srp_ApiKey.init) }
    }

    func revokeAPIKey(_ request: Srp_RevokeApiKeyRequest) async throws -> Srp_RevokeApiKeyResponse {
        let record = try await keyRing().revoke(id: request.id)
        return .with { $0.key = Srp_ApiKey(record) }
    }

    private func keyRing() throws -> APIKeyRing {
        guard let keys else {
            throw RegistryError(
                .operationNotPermitted, "This server's store keeps no API keys, so they cannot be managed here.")
        }
        return keys
    }
}

/// API keys on the wire, shared by the server's admin rpcs and the `keys` command's direct
/// (store) mode, so both print the same thing.
extension AccessRole {
    /// nil for `ACCESS_ROLE_UNSPECIFIED` (or a value this build does not know).
    public init?(_ role: Srp_AccessRole) {
        switch role {
        case .read: self = .read
        case .write: self = .write
        case .admin: self = .admin
        default: return nil
        }
    }

    public var proto: Srp_AccessRole {
        switch self {
        case .read: .read
        case .write: .write
        case .admin: .admin
        }
    }
}

extension Srp_ApiKey {
    public init(_ record: APIKeyRecord) {
        self = .with {
            $0.id = record.id
            $0.name = record.name
            $0.role = record.role.proto
            $0.subjectPrefixes = record.subjectPrefixes
            $0.createdAt = Int64(record.createdAt)
            $0.revoked = record.revoked
        }
    }
}
