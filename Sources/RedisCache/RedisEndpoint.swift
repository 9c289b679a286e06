/// Where a Redis server is: parsed from `redis://host[:port][/db]`.
struct RedisEndpoint: Sendable, Hashable {
    var host: String
    var port: Int
    var database: Int

    init(host: String, port: Int, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://host[:port][/db]`; the port defaults to 6379 and the database to 0.
    /// Passwords are not supported yet (the deployments this serves run Redis on a private network).
    init(url: String) throws {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else { throw RedisError(.invalidURL, "expected redis://host:port, got \(url)") }
        var rest = Substring(url.dropFirst(scheme.count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else {
                    throw RedisError(.invalidURL, "bad database number in \(url)")
                }
                database = number
            }
            rest = rest[..<slash]
        }
        var port = 6379
        if let colon = rest.lastIndex(of: ":") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw RedisError(.invalidURL, "bad port in \(url)")
            }
            port = number
            rest = rest[..<colon]
        }
        guard !rest.isEmpty, !rest.contains("@") else {
            throw RedisError(.invalidURL, "expected redis://host:port, got \(url)")
        }
        self.host = String(rest)
        self.port = port
        self.database = database
    }
}
