import ArgumentParser
import Foundation
import SchemaRegistryClient

/// Where a server is and how to reach it: host and port (or SCHEMA_REGISTRY_URL), API key, TLS.
/// Shared by the client commands (inside ``ConnectionOptions``), `keys` and `load`.
struct EndpointOptions: ParsableArguments {
    static let defaultHost = "127.0.0.1"
    static let defaultPort = 7911

    @Option(help: "Server host (default 127.0.0.1, or the host of SCHEMA_REGISTRY_URL).")
    var host: String?

    @Option(help: "Server port (default 7911, or the port of SCHEMA_REGISTRY_URL).")
    var port: Int?

    @Option(
        name: .customLong("api-key"),
        help:
            "API key for servers that require one (default: SCHEMA_REGISTRY_API_KEY). Prefer the variable: flags show in ps."
    )
    var apiKey: String?

    /// The key to present: the flag, else SCHEMA_REGISTRY_API_KEY, else none.
    func resolvedAPIKey(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        apiKey ?? environment["SCHEMA_REGISTRY_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Flag(help: "Connect over TLS, trusting the system's CAs (or --tls-ca). Implied by the other --tls options.")
    var tls = false

    @Option(name: .customLong("tls-ca"), help: "PEM bundle of the CAs that may sign the server's certificate.")
    var tlsCA: String?

    @Option(name: .customLong("tls-cert"), help: "PEM client certificate chain, for servers that require one (mTLS).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(
        name: .customLong("tls-server-name"),
        help: "Name the server's certificate must carry (and SNI); default the host.")
    var tlsServerName: String?

    /// The TLS settings, or nil for plain TCP.
    var tlsConfiguration: ClientTLSConfiguration? {
        guard tls || tlsCA != nil || tlsCertificate != nil || tlsKey != nil || tlsServerName != nil else { return nil }
        return ClientTLSConfiguration(
            trustRoots: tlsCA.map { .file($0) } ?? .system, certificateChainPath: tlsCertificate,
            privateKeyPath: tlsKey, serverName: tlsServerName)
    }

    /// The host and port to use: flags win, then SCHEMA_REGISTRY_URL, then the defaults.
    func endpoint(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (
        host: String, port: Int
    ) {
        var resolved = (host: Self.defaultHost, port: Self.defaultPort)
        if let url = environment["SCHEMA_REGISTRY_URL"], !url.isEmpty {
            guard let parsed = Self.parseURL(url) else {
                throw CLIError.usage("SCHEMA_REGISTRY_URL='\(url)' is not host:port")
            }
            resolved = parsed
        }
        if let host { resolved.host = host }
        if let port { resolved.port = port }
        guard (1...65535).contains(resolved.port) else { throw CLIError.usage("port \(resolved.port) is out of range") }
        return resolved
    }

    /// Parses `host:port`, `host`, `[::1]:port` or any of them behind a `scheme://`.
    static func parseURL(_ text: String) -> (host: String, port: Int)? {
        var rest = Substring(text)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        var host = rest
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    func validate() throws {
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }
}

/// Where and how the client commands connect, and how they print.
@dynamicMemberLookup
struct ConnectionOptions: ParsableArguments {
    @OptionGroup var endpointOptions: EndpointOptions

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Option(name: .customLong("timeout-ms"), help: "Give up on the server after this many milliseconds.")
    var timeoutMilliseconds: Int = 30_000

    subscript<Value>(dynamicMember path: KeyPath<EndpointOptions, Value>) -> Value { endpointOptions[keyPath: path] }

    func resolvedAPIKey() -> String? { endpointOptions.resolvedAPIKey() }

    func endpoint() throws -> (host: String, port: Int) { try endpointOptions.endpoint() }

    var timeout: Duration { .milliseconds(max(1, timeoutMilliseconds)) }

    var callOptions: CallOptions { CallOptions(timeout: timeout) }

    func validate() throws {
        guard timeoutMilliseconds > 0 else { throw ValidationError("--timeout-ms must be positive") }
    }
}
