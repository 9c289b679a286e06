import NIOCore
import NIOHTTP1
import SchemaRegistryCore

/// One HTTP request as the REST API sees it: route, query, the headers it reads, the body.
struct RESTRequest: Sendable {
    var route: RESTRoute
    var method: HTTPMethod
    /// Query parameters, percent-decoded (`+` as space); a repeated name keeps its first value.
    var query: [String: String]
    /// Every query parameter in order, repeats included (`key=a&key=b`).
    var queryPairs: [(String, String)]
    var headers: HTTPHeaders
    var body: ByteBuffer
    /// The event loop looked the schema id up in L1 and missed (the miss is counted already).
    var l1Missed = false

    init(route: RESTRoute, method: HTTPMethod, target: String, headers: HTTPHeaders, body: ByteBuffer) {
        self.route = route
        self.method = method
        self.headers = headers
        self.body = body
        self.queryPairs = Self.parseQuery(target)
        var query: [String: String] = [:]
        for (name, value) in queryPairs where query[name] == nil { query[name] = value }
        self.query = query
    }

    /// Every value of a repeated parameter, in order.
    func values(_ name: String) -> [String] { queryPairs.filter { $0.0 == name }.map(\.1) }

    /// The request target's path (before `?`).
    static func path(of target: String) -> Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    static func parseQuery(_ target: String) -> [(String, String)] {
        guard let mark = target.firstIndex(of: "?") else { return [] }
        var query: [(String, String)] = []
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let spaced = { (text: Substring) in Substring(String(text.map { $0 == "+" ? " " : $0 })) }
            guard let name = RESTRouter.percentDecoded(spaced(parts[0])) else { continue }
            let value = parts.count > 1 ? RESTRouter.percentDecoded(spaced(parts[1])) ?? "" : ""
            query.append((name, value))
        }
        return query
    }

    /// A boolean parameter as Confluent's server (JAX-RS `Boolean.valueOf`) reads it: `true` in
    /// any case is true, anything else false; absent is `default`.
    func flag(_ name: String, default value: Bool = false) -> Bool {
        guard let text = query[name] else { return value }
        return text.lowercased() == "true"
    }

    /// An integer parameter; absent is `default`, present and not an integer is 400 (42209 for
    /// the extension's own parameters would hide a typo as "invalid request").
    func integer(_ name: String, default value: Int) throws -> Int {
        guard let text = query[name], !text.isEmpty else { return value }
        guard let number = Int(text) else {
            throw RESTError(status: .badRequest, code: 400, "Query parameter \(name)='\(text)' is not an integer.")
        }
        return number
    }

    /// Confluent's paging of whole lists (`offset`, `limit`; `limit` -1 or 0 means all).
    func page<T>(_ items: [T]) throws -> [T] {
        let offset = max(0, try integer("offset", default: 0))
        let limit = try integer("limit", default: -1)
        guard offset < items.count else { return [] }
        let rest = items[offset...]
        return limit > 0 ? Array(rest.prefix(limit)) : Array(rest)
    }
}

/// An answer of the REST API that is not a registry error: its own status and error code.
struct RESTError: Error, Sendable {
    var status: HTTPResponseStatus
    var code: Int
    var message: String
    var headers: [(String, String)] = []

    init(status: HTTPResponseStatus, code: Int, _ message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }
}
