import NIOCore
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// TLS for a ``SchemaRegistryClient``: whom to trust, and optionally a client certificate (mTLS).
public struct ClientTLSConfiguration: Sendable, Equatable {
    /// Which CAs may sign the server's certificate.
    public enum TrustRoots: Sendable, Equatable {
        /// The system's CA bundle.
        case system
        /// A PEM bundle of CA certificates (e.g. a private CA).
        case file(String)
    }

    public var trustRoots: TrustRoots
    /// PEM certificate chain presented to a server that requires client certificates.
    public var certificateChainPath: String?
    /// PEM private key of ``certificateChainPath``.
    public var privateKeyPath: String?
    /// The name the server's certificate must carry, also sent as SNI. Default: the host
    /// connected to (an IP address is checked against the certificate's IP addresses, no SNI).
    /// As swift-nio-ssl checks names, a certificate that lists the IP address connected to is
    /// accepted whatever the name.
    public var serverName: String?

    public init(
        trustRoots: TrustRoots = .system, certificateChainPath: String? = nil, privateKeyPath: String? = nil,
        serverName: String? = nil
    ) {
        self.trustRoots = trustRoots
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.serverName = serverName
    }

    /// The ALPN protocol offered to the server.
    static let applicationProtocol = "srp/1"

    /// Loads the files and builds the context; every failure names its file.
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = [Self.applicationProtocol]
        switch trustRoots {
        case .system:
            configuration.trustRoots = .default
        case .file(let path):
            configuration.trustRoots = .certificates(try Self.certificates(path, what: "CA bundle"))
        }
        switch (certificateChainPath, privateKeyPath) {
        case (nil, nil):
            break
        case (let chainPath?, let keyPath?):
            let chain = try Self.certificates(chainPath, what: "client certificate chain")
            configuration.certificateChain = chain.map { .certificate($0) }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } catch {
                throw Self.setupError("cannot load a PEM private key from '\(keyPath)': \(Self.reason(keyPath, error))")
            }
        case (_?, nil):
            throw Self.setupError("a client certificate needs its private key too")
        case (nil, _?):
            throw Self.setupError("a client private key needs its certificate too")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Self.setupError("cannot set up TLS (does the client key match its certificate?): \(error)")
        }
    }

    private static func certificates(_ path: String, what: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw setupError("cannot load a PEM \(what) from '\(path)': \(reason(path, error))")
        }
        guard !certificates.isEmpty else { throw setupError("'\(path)' holds no PEM certificate") }
        return certificates
    }

    /// "no such file" says more than BoringSSL's error stack.
    private static func reason(_ path: String, _ error: any Error) -> String {
        if access(path, F_OK) != 0 { return "no such file" }
        if access(path, R_OK) != 0 { return "not readable" }
        return "\(error)"
    }

    private static func setupError(_ message: String) -> SchemaRegistryClientError {
        SchemaRegistryClientError(code: .connectionFailed, message: "TLS: " + message)
    }

    /// A TLS failure as a person can act on it: BoringSSL's reason and what it usually means.
    static func describe(_ error: any Error, handshakeFinished: Bool) -> String {
        let prefix = handshakeFinished ? "TLS error" : "TLS handshake failed"
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "\(prefix): the server's certificate is not for the name connected to (\(error))"
        }
        let text = "\(error)"
        // BoringSSL: "... error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at ..."
        guard let marker = text.range(of: "OPENSSL_internal:") else { return "\(prefix): \(text)" }
        let reason = String(text[marker.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" })
        let meanings = [
            "CERTIFICATE_VERIFY_FAILED":
                "the server's certificate did not verify (not signed by a trusted CA, or expired)",
            "TLSV1_ALERT_CERTIFICATE_REQUIRED": "the server requires a client certificate",
            "TLSV1_ALERT_UNKNOWN_CA": "the server does not trust the CA of the client certificate",
            "TLSV1_ALERT_BAD_CERTIFICATE": "the server refused the client certificate",
            "TLSV1_ALERT_PROTOCOL_VERSION": "no TLS version in common with the server",
            "WRONG_VERSION_NUMBER": "the other end does not speak TLS (is TLS on at the server?)",
        ]
        guard let meaning = meanings[reason] else { return "\(prefix): \(reason.isEmpty ? text : reason)" }
        return "\(prefix): \(reason): \(meaning)"
    }

    /// The name for SNI: the configured server name or the host, unless it is an IP address
    /// (SNI carries names only; an IP is verified against the certificate's IP addresses).
    func sniName(host: String) -> String? {
        let name = serverName ?? host
        if (try? SocketAddress(ipAddress: name, port: 0)) != nil { return nil }
        return name
    }
}

extension ClientTLSConfiguration {
    /// Adds the TLS client handler (SNI and ALPN as the client uses them) to a pipeline of the
    /// caller's own, so tools that speak SRP with their own handler (the load tool) share the
    /// client's TLS settings and messages.
    public func addHandler(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws {
        try pipeline.addHandler(NIOSSLClientHandler(context: makeContext(), serverHostname: sniName(host: host)))
    }
}
