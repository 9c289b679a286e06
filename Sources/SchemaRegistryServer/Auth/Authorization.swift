import SRPWire
import SchemaRegistryCore

/// Which role each rpc needs, and the subject checks of keys limited to subject prefixes.
///
/// Exhaustive over ``SRPMethod``: a new rpc does not compile until it is classified here.
enum Authorization {
    static func requiredRole(_ method: SRPMethod) -> AccessRole {
        switch method {
        case .hello, .ping, .serverInfo, .getSchemaById, .getSchemasByIds, .getSubjectVersionsById,
            .getSchemaByVersion, .lookupSchema, .listSubjects, .listVersions, .searchSchemas, .checkCompatibility,
            .validatePayload, .getConfig, .getMode, .watch, .unwatch:
            .read
        case .registerSchema, .deleteSubject, .deleteVersion:
            .write
        case .setConfig, .deleteConfig, .setMode, .createApiKey, .listApiKeys, .revokeApiKey:
            .admin
        }
    }

    /// Throws 40301 unless `principal` may run `method` with `request`. A nil principal is a
    /// server without authentication: everything is allowed.
    static func check(_ method: SRPMethod, _ request: some Any, _ principal: Principal?) throws {
        guard let principal else { return }
        var needed = requiredRole(method)
        if let delete = request as? any PermanentDeleteRequest, delete.permanent { needed = .admin }
        guard principal.role >= needed else {
            throw RegistryError(
                .forbidden,
                "\(method.name)\(needed == .admin && method.isDelete ? " (permanent)" : "") needs the \(needed.rawValue) "
                    + "role; API key \(principal.keyID) has \(principal.role.rawValue).")
        }
        if method.managesAPIKeys, !principal.isUnrestricted {
            // A key limited to prefixes could otherwise mint itself an unrestricted one.
            throw RegistryError(
                .forbidden,
                "\(method.name) needs an admin key not limited to subject prefixes; API key \(principal.keyID) is "
                    + "limited to \(principal.subjectPrefixes).")
        }
        guard !principal.isUnrestricted, let scoped = request as? any SubjectScopedRequest else { return }
        for subject in scoped.subjectsNamed {
            if subject.isEmpty {
                // The global setting: readable by all, changed only by keys not limited to prefixes.
                guard needed < .admin else {
                    throw RegistryError(
                        .forbidden,
                        "\(method.name) of the global setting needs a key not limited to subject prefixes; API key "
                            + "\(principal.keyID) is limited to \(principal.subjectPrefixes).")
                }
            } else if !principal.mayAccess(subject: subject) {
                throw RegistryError(
                    .forbidden,
                    "API key \(principal.keyID) may not access subject '\(subject)' (allowed prefixes: "
                        + "\(principal.subjectPrefixes)).")
            }
        }
    }

    /// Drops from listings the subjects a restricted key may not see.
    static func filter<Response>(_ response: Response, _ principal: Principal?) -> Response {
        guard let principal, !principal.isUnrestricted,
            var listing = response as? any SubjectListingResponse
        else { return response }
        listing.keepSubjects(where: principal.mayAccess(subject:))
        return listing as! Response
    }
}

extension SRPMethod {
    fileprivate var isDelete: Bool { self == .deleteSubject || self == .deleteVersion }
}

/// A request that names subjects (empty = the global setting).
protocol SubjectScopedRequest {
    var subjectsNamed: [String] { get }
}

protocol SubjectOfRequest: SubjectScopedRequest {
    var subject: String { get }
}

extension SubjectOfRequest {
    var subjectsNamed: [String] { [subject] }
}

extension Srp_GetSchemaByVersionRequest: SubjectOfRequest {}
extension Srp_LookupSchemaRequest: SubjectOfRequest {}
extension Srp_ListVersionsRequest: SubjectOfRequest {}
extension Srp_RegisterSchemaRequest: SubjectOfRequest {}
extension Srp_DeleteSubjectRequest: SubjectOfRequest {}
extension Srp_DeleteVersionRequest: SubjectOfRequest {}
extension Srp_CheckCompatibilityRequest: SubjectOfRequest {}
extension Srp_GetConfigRequest: SubjectOfRequest {}
extension Srp_SetConfigRequest: SubjectOfRequest {}
extension Srp_DeleteConfigRequest: SubjectOfRequest {}
extension Srp_GetModeRequest: SubjectOfRequest {}
extension Srp_SetModeRequest: SubjectOfRequest {}

extension Srp_ValidatePayloadRequest: SubjectScopedRequest {
    var subjectsNamed: [String] {
        if case .subjectVersion(let pair) = target { return [pair.subject] }
        return []
    }
}

extension Srp_WatchRequest: SubjectScopedRequest {
    /// A prefix is allowed when every subject it selects is: when it starts with one of the key's
    /// prefixes. (An empty prefix selects everything; deliveries are filtered by the key anyway.)
    var subjectsNamed: [String] { subjects + subjectPrefixes.filter { !$0.isEmpty } }
}

/// Deletes that become admin-only when permanent.
protocol PermanentDeleteRequest {
    var permanent: Bool { get }
}

extension Srp_DeleteSubjectRequest: PermanentDeleteRequest {}
extension Srp_DeleteVersionRequest: PermanentDeleteRequest {}

/// Responses listing subjects, filtered for keys limited to prefixes.
protocol SubjectListingResponse {
    mutating func keepSubjects(where allowed: (String) -> Bool)
}

extension Srp_ListSubjectsResponse: SubjectListingResponse {
    mutating func keepSubjects(where allowed: (String) -> Bool) { subjects = subjects.filter(allowed) }
}

extension Srp_SearchSchemasResponse: SubjectListingResponse {
    mutating func keepSubjects(where allowed: (String) -> Bool) { results = results.filter { allowed($0.subject) } }
}

extension Srp_GetSubjectVersionsByIdResponse: SubjectListingResponse {
    mutating func keepSubjects(where allowed: (String) -> Bool) {
        subjectVersions = subjectVersions.filter { allowed($0.subject) }
    }
}

extension SRPMethod {
    /// The admin rpcs that create, list and revoke API keys.
    var managesAPIKeys: Bool {
        switch self {
        case .createApiKey, .listApiKeys, .revokeApiKey: true
        default: false
        }
    }
}
