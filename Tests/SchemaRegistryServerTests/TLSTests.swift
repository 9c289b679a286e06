import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// SRP over TLS on real sockets, with the certificates of ``TLSFixtures``.
@Suite("TLS and mTLS")
struct TLSTests {
    static func file(_ name: String) -> String { TLSFixtures.file(name) }

    /// The server side: certificate and key, and for mTLS the CA that signs client certificates.
    static func tls(mTLS: Bool = false) -> (inout ServerConfiguration) -> Void { TLSFixtures.tls(mTLS: mTLS) }

    /// A client trusting the test CA, optionally presenting a certificate. The connect timeout
    /// is a bound for broken builds only: a debug build's TLS handshake on a loaded 2-core
    /// machine took over 5 s in CI.
    static func trusting(certificate: String? = nil) -> (inout ClientConfiguration) -> Void {
        { configuration in
            configuration.connectTimeout = .seconds(60)
            configuration.tls = ClientTLSConfiguration(
                trustRoots: .file(file("ca.pem")), certificateChainPath: certificate.map { file("\($0).pem") },
                privateKeyPath: certificate.map { file("\($0)-key.pem") })
        }
    }

    /// Registers a schema and reads it back.
    static func roundTrip(_ client: SchemaRegistryClient, subject: String = "tls-value") async throws {
        let registered = try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = avroRecord("Secure")
            })
        let fetched = try await client.getSchemaById(.with { $0.id = registered.id })
        #expect(fetched.schema.id == registered.id && fetched.schema.schema.contains("Secure"))
    }

    /// The error of a connection that must fail.
    static func connectionError(_ client: SchemaRegistryClient) async throws -> SchemaRegistryClientError {
        defer { Task { await client.close() } }
        return try await #require(throws: SchemaRegistryClientError.self) {
            // Over TLS 1.3 a refused client certificate shows only after the client's side of
            // the handshake: on HELLO at the latest.
            _ = try await client.handshake()
            _ = try await client.getSchemaById(.with { $0.id = 1 })
        }
    }

    @Test func clientTrustingTheCARoundTrips() async throws {
        try await withServer(Self.tls()) { server in
            let client = server.client(Self.trusting())
            defer { Task { await client.close() } }
            try await Self.roundTrip(client)
            #expect(try await client.handshake().serverID == "schema-registry-1")

            // By name: SNI and the certificate's DNS name (localhost) instead of its IP address.
            let byName = server.client {
                Self.trusting()(&$0)
                $0.host = "localhost"
            }
            defer { Task { await byName.close() } }
            let fetched = try await byName.listSubjects(.init())
            #expect(fetched.subjects == ["tls-value"])
        }
    }

    @Test func plainClientGetsAClearErrorAndTheServerKeepsServing() async throws {
        try await withServer(Self.tls()) { server in
            let error = try await Self.connectionError(server.client())
            #expect(error.status == .badPreface)
            #expect(error.message.contains("requires TLS"), "\(error)")

            // Neither SRP nor TLS: closed without a word.
            let raw = try RawConnection(port: server.port)
            raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try await raw.readUntilClosed() == nil)

            let client = server.client(Self.trusting())
            defer { Task { await client.close() } }
            try await Self.roundTrip(client)
        }
    }

    @Test func tlsClientAgainstAPlainServerSaysSo() async throws {
        try await withServer { server in
            let error = try await Self.connectionError(server.client(Self.trusting()))
            #expect(error.message.hasPrefix("TLS handshake failed"), "\(error)")
        }
    }

    @Test func clientNotTrustingTheCAFailsVerification() async throws {
        try await withServer(Self.tls()) { server in
            // The system's CAs did not sign the test server's certificate.
            let error = try await Self.connectionError(
                server.client {
                    $0.connectTimeout = .seconds(60)
                    $0.tls = ClientTLSConfiguration()
                })
            #expect(error.message.hasPrefix("TLS handshake failed"), "\(error)")
            #expect(error.message.contains("CERTIFICATE_VERIFY_FAILED"), "\(error)")

            // Nor does a CA bundle holding some other certificate.
            let other = try await Self.connectionError(
                server.client {
                    $0.connectTimeout = .seconds(60)
                    $0.tls = ClientTLSConfiguration(trustRoots: .file(Self.file("untrusted.pem")))
                })
            #expect(other.message.contains("CERTIFICATE_VERIFY_FAILED"), "\(other)")

            let client = server.client(Self.trusting())
            defer { Task { await client.close() } }
            try await Self.roundTrip(client)
        }
    }

    @Test func mutualTLSRequiresACertificateTheCASigned() async throws {
        try await withServer(Self.tls(mTLS: true)) { server in
            // Refused in TLS (usually "TLSV1_ALERT_CERTIFICATE_REQUIRED" / "TLSV1_ALERT_UNKNOWN_CA"; a
            // reset can beat the alert), never answered in SRP.
            let without = try await Self.connectionError(server.client(Self.trusting()))
            #expect(without.status == nil, "\(without)")

            let untrusted = try await Self.connectionError(server.client(Self.trusting(certificate: "untrusted")))
            #expect(untrusted.status == nil, "\(untrusted)")

            let client = server.client(Self.trusting(certificate: "client"))
            defer { Task { await client.close() } }
            try await Self.roundTrip(client)
        }
    }

    @Test func tcpClientThatNeverSendsAClientHelloIsClosedByTheHandshakeTimeout() async throws {
        try await withServer({
            Self.tls()(&$0)
            // Short enough to wait for, long enough for the real TLS client below to finish its
            // handshake on a loaded machine.
            $0.handshakeTimeout = .seconds(10)
        }) { server in
            // Opens TCP and says nothing: the server closes it (or the read gives up after 60 s).
            let silent = try RawConnection(port: server.port)
            #expect(try await silent.readUntilClosed() == nil)

            let client = server.client(Self.trusting())
            defer { Task { await client.close() } }
            try await Self.roundTrip(client)
        }
    }

    @Test func shutdownClosesConnectionsStillInTheTLSHandshake() async throws {
        let server = try await TestServer.start {
            Self.tls()(&$0)
            $0.handshakeTimeout = .seconds(600)
        }
        let silent = try RawConnection(port: server.port, receiveTimeoutSeconds: 60)
        let client = server.client(Self.trusting())
        try await Self.roundTrip(client)
        await client.close()
        // The drain does not wait for the handshake timeout (600 s; the read gives up after 60 s).
        async let closed = silent.readUntilClosed()
        await server.stop()
        #expect(try await closed == nil)
    }

    @Test func badFilesAreNamed() async throws {
        var missing = ServerTLSConfiguration()
        missing.certificateChainPath = "/nonexistent/server.pem"
        missing.privateKeyPath = Self.file("server-key.pem")
        #expect(throws: (any Error).self) { try missing.validate() }
        do {
            try missing.validate()
        } catch {
            #expect("\(error)".contains("tls-cert") && "\(error)".contains("/nonexistent/server.pem"), "\(error)")
            #expect("\(error)".contains("no such file"), "\(error)")
        }

        var notAKey = ServerTLSConfiguration()
        notAKey.certificateChainPath = Self.file("server.pem")
        notAKey.privateKeyPath = Self.file("generate.sh")
        #expect(throws: (any Error).self) { try notAKey.validate() }
        do { try notAKey.validate() } catch { #expect("\(error)".contains("tls-key"), "\(error)") }

        var halfSet = ServerTLSConfiguration()
        halfSet.certificateChainPath = Self.file("server.pem")
        do { try halfSet.validate() } catch { #expect("\(error)".contains("tls-key is not"), "\(error)") }

        var settings = ServerConfiguration()
        try ServerSettings.apply(
            ["tls-cert": "a.pem", "tls-key": "b.pem", "tls-client-ca": "c.pem", "tls-min-version": "1.3"],
            to: &settings)
        #expect(settings.tls.certificateChainPath == "a.pem" && settings.tls.clientCAPath == "c.pem")
        #expect(settings.tls.minimumVersion == .v1_3)
        #expect(throws: ServerSettings.InvalidSetting.self) {
            try ServerSettings.apply(["tls-min-version": "1.1"], to: &settings)
        }

        // The client names its missing files too.
        let client = SchemaRegistryClient(
            configuration: {
                var configuration = ClientConfiguration(host: "127.0.0.1", port: 1)
                configuration.tls = ClientTLSConfiguration(trustRoots: .file("/nonexistent/ca.pem"))
                return configuration
            }())
        let error = try await #require(throws: SchemaRegistryClientError.self) { _ = try await client.handshake() }
        #expect(error.message.contains("/nonexistent/ca.pem") && error.message.contains("no such file"), "\(error)")
    }
}
