import NIOHTTP1

/// Every operation of the REST API: Confluent's v1 surface and our extensions under
/// `/x-registry/v1` (a prefix Confluent does not use). Path parameters are carried raw
/// (percent-decoded, not yet parsed): parsing an id or a version is the operation's job, so
/// that "abc" answers Confluent's 422 for versions and 404 for ids, not a router 404.
enum RESTRoute: Equatable, Sendable {
    case root
    case clusterID
    case openAPI
    case schemaTypes
    case schemas
    case schemaByID(String)
    case schemaTextByID(String)
    case subjectsByID(String)
    case versionsByID(String)
    case schemaByGUID(String)
    case subjects
    case lookup(subject: String)
    case deleteSubject(subject: String)
    case versions(subject: String)
    case register(subject: String)
    case version(subject: String, version: String)
    case deleteVersion(subject: String, version: String)
    case versionText(subject: String, version: String)
    case referencedBy(subject: String, version: String)
    case latestWithMetadata(subject: String)
    case compatibility(subject: String, version: String)
    case compatibilityAll(subject: String)
    /// `subject` nil: the global setting.
    case getConfig(subject: String?)
    case setConfig(subject: String?)
    case deleteConfig(subject: String?)
    case getMode(subject: String?)
    case setMode(subject: String?)
    case deleteMode(subject: String?)
    case contexts
    case info
    case search
    case validate

    /// The label of metrics and logs: the path template, never the caller's values.
    var name: String {
        switch self {
        case .root: "GET /"
        case .clusterID: "GET /v1/metadata/id"
        case .openAPI: "GET /openapi.json"
        case .schemaTypes: "GET /schemas/types"
        case .schemas: "GET /schemas"
        case .schemaByID: "GET /schemas/ids/{id}"
        case .schemaTextByID: "GET /schemas/ids/{id}/schema"
        case .subjectsByID: "GET /schemas/ids/{id}/subjects"
        case .versionsByID: "GET /schemas/ids/{id}/versions"
        case .schemaByGUID: "GET /schemas/guids/{guid}"
        case .subjects: "GET /subjects"
        case .lookup: "POST /subjects/{subject}"
        case .deleteSubject: "DELETE /subjects/{subject}"
        case .versions: "GET /subjects/{subject}/versions"
        case .register: "POST /subjects/{subject}/versions"
        case .version: "GET /subjects/{subject}/versions/{version}"
        case .deleteVersion: "DELETE /subjects/{subject}/versions/{version}"
        case .versionText: "GET /subjects/{subject}/versions/{version}/schema"
        case .referencedBy: "GET /subjects/{subject}/versions/{version}/referencedby"
        case .latestWithMetadata: "GET /subjects/{subject}/metadata"
        case .compatibility: "POST /compatibility/subjects/{subject}/versions/{version}"
        case .compatibilityAll: "POST /compatibility/subjects/{subject}/versions"
        case .getConfig(let subject): subject == nil ? "GET /config" : "GET /config/{subject}"
        case .setConfig(let subject): subject == nil ? "PUT /config" : "PUT /config/{subject}"
        case .deleteConfig(let subject): subject == nil ? "DELETE /config" : "DELETE /config/{subject}"
        case .getMode(let subject): subject == nil ? "GET /mode" : "GET /mode/{subject}"
        case .setMode(let subject): subject == nil ? "PUT /mode" : "PUT /mode/{subject}"
        case .deleteMode(let subject): subject == nil ? "DELETE /mode" : "DELETE /mode/{subject}"
        case .contexts: "GET /contexts"
        case .info: "GET /x-registry/v1/info"
        case .search: "POST /x-registry/v1/search"
        case .validate: "POST /x-registry/v1/validate"
        }
    }

    /// Whether the operation changes the registry (shed first under overload, as on SRP).
    var isWrite: Bool {
        switch self {
        case .register, .deleteSubject, .deleteVersion, .setConfig, .deleteConfig, .setMode, .deleteMode: true
        default: false
        }
    }

    /// Whether the request carries a JSON body the operation reads.
    var readsBody: Bool {
        switch self {
        case .register, .lookup, .compatibility, .compatibilityAll, .setConfig, .setMode, .search, .validate: true
        default: false
        }
    }
}

/// Method and path -> ``RESTRoute``: pure, so every path shape is tested without a socket.
enum RESTRouter {
    enum Failure: Error, Equatable {
        /// No route has this path (404).
        case notFound
        /// The path exists, not with this method (405); `allowed` is the `Allow` header.
        case methodNotAllowed(allowed: [HTTPMethod])
    }

    /// - Parameter path: the request target's path, without the query; segments are
    ///   percent-decoded here (a subject may hold `/` as `%2F`).
    static func route(_ method: HTTPMethod, path: String) -> Result<RESTRoute, Failure> {
        guard let segments = segments(of: path) else { return .failure(.notFound) }
        guard let table = candidates(segments) else { return .failure(.notFound) }
        if let route = table.first(where: { $0.0 == method })?.1 { return .success(route) }
        // HEAD of a GET route: NIO does not turn HEAD into GET; answer it as GET without a body.
        if method == .HEAD, let route = table.first(where: { $0.0 == .GET })?.1 { return .success(route) }
        return .failure(.methodNotAllowed(allowed: table.map(\.0)))
    }

    /// The routes a path has, by method; nil: the path is unknown.
    private static func candidates(_ s: [String]) -> [(HTTPMethod, RESTRoute)]? {
        switch s.count {
        case 0: return [(.GET, .root)]
        case 1:
            switch s[0] {
            case "schemas": return [(.GET, .schemas)]
            case "subjects": return [(.GET, .subjects)]
            case "config":
                return [
                    (.GET, .getConfig(subject: nil)), (.PUT, .setConfig(subject: nil)),
                    (.DELETE, .deleteConfig(subject: nil)),
                ]
            case "mode":
                return [
                    (.GET, .getMode(subject: nil)), (.PUT, .setMode(subject: nil)),
                    (.DELETE, .deleteMode(subject: nil)),
                ]
            case "contexts": return [(.GET, .contexts)]
            case "openapi.json": return [(.GET, .openAPI)]
            default: return nil
            }
        case 2:
            switch (s[0], s[1]) {
            case ("schemas", "types"): return [(.GET, .schemaTypes)]
            case ("subjects", let subject):
                return [(.POST, .lookup(subject: subject)), (.DELETE, .deleteSubject(subject: subject))]
            case ("config", let subject):
                return [
                    (.GET, .getConfig(subject: subject)), (.PUT, .setConfig(subject: subject)),
                    (.DELETE, .deleteConfig(subject: subject)),
                ]
            case ("mode", let subject):
                return [
                    (.GET, .getMode(subject: subject)), (.PUT, .setMode(subject: subject)),
                    (.DELETE, .deleteMode(subject: subject)),
                ]
            default: return nil
            }
        case 3:
            switch (s[0], s[1], s[2]) {
            case ("schemas", "ids", let id): return [(.GET, .schemaByID(id))]
            case ("schemas", "guids", let guid): return [(.GET, .schemaByGUID(guid))]
            case ("subjects", let subject, "versions"):
                return [(.GET, .versions(subject: subject)), (.POST, .register(subject: subject))]
            case ("subjects", let subject, "metadata"): return [(.GET, .latestWithMetadata(subject: subject))]
            case ("v1", "metadata", "id"): return [(.GET, .clusterID)]
            case ("x-registry", "v1", "info"): return [(.GET, .info)]
            case ("x-registry", "v1", "search"): return [(.POST, .search)]
            case ("x-registry", "v1", "validate"): return [(.POST, .validate)]
            default: return nil
            }
        case 4:
            switch (s[0], s[1], s[2], s[3]) {
            case ("schemas", "ids", let id, "schema"): return [(.GET, .schemaTextByID(id))]
            case ("schemas", "ids", let id, "subjects"): return [(.GET, .subjectsByID(id))]
            case ("schemas", "ids", let id, "versions"): return [(.GET, .versionsByID(id))]
            case ("subjects", let subject, "versions", let version):
                return [
                    (.GET, .version(subject: subject, version: version)),
                    (.DELETE, .deleteVersion(subject: subject, version: version)),
                ]
            case ("compatibility", "subjects", let subject, "versions"):
                return [(.POST, .compatibilityAll(subject: subject))]
            default: return nil
            }
        case 5:
            switch (s[0], s[1], s[2], s[3], s[4]) {
            case ("subjects", let subject, "versions", let version, "schema"):
                return [(.GET, .versionText(subject: subject, version: version))]
            case ("subjects", let subject, "versions", let version, "referencedby"):
                return [(.GET, .referencedBy(subject: subject, version: version))]
            case ("compatibility", "subjects", let subject, "versions", let version):
                return [(.POST, .compatibility(subject: subject, version: version))]
            default: return nil
            }
        default: return nil
        }
    }

    /// Non-empty segments, percent-decoded; nil when a segment is not valid percent-encoding
    /// or UTF-8 (that path names nothing).
    static func segments(of path: String) -> [String]? {
        var result: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = percentDecoded(raw) else { return nil }
            result.append(decoded)
        }
        return result
    }

    /// `%XX` decoded (`+` is a plus in paths; in queries the caller turns it into a space first).
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
