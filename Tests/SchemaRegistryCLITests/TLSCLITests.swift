import Foundation
import SchemaRegistryTesting
import TestSupport
import Testing

/// The CLI's TLS flags, as the real binary.
@Suite("TLS from the CLI")
struct TLSCLITests {
    @Test func clientCommandsConnectWithTheTLSFlags() async throws {
        try await withServer(TLSFixtures.tls(mTLS: true)) { server in
            let port = "\(server.port)"
            let tls = [
                "--tls-ca", TLSFixtures.file("ca.pem"), "--tls-cert", TLSFixtures.file("client.pem"), "--tls-key",
                TLSFixtures.file("client-key.pem"),
            ]
            let registered = try await CLI.run(
                ["register", "orders", "--port", port, "--json"] + tls, stdin: avroRecord("Order"))
            #expect(registered.status == 0, "\(registered)")
            let id = try #require(try CLI.json(registered.stdout)["id"] as? Int)
            let fetched = try await CLI.run(["get", "\(id)", "--port", port] + tls)
            #expect(fetched.status == 0 && fetched.stdout.contains(#""name":"Order""#), "\(fetched)")

            let plain = try await CLI.run(["get", "\(id)", "--port", port])
            #expect(plain.status != 0, "\(plain)")
            #expect(plain.stderr.contains("requires TLS") && plain.stderr.contains("--tls"), "\(plain)")

            let noCertificate = try await CLI.run([
                "get", "\(id)", "--port", port, "--tls-ca", TLSFixtures.file("ca.pem"),
            ])
            #expect(noCertificate.status == 6, "\(noCertificate)")
        }
    }

    @Test func serveStopsOnAMissingCertificateNamingIt() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-tls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await CLI.run([
            "serve", "--port", "0", "--data-dir", directory, "--set", "metrics-port=off", "--set", "rest-port=off",
            "--tls-cert",
            "/nonexistent/server.pem", "--tls-key", TLSFixtures.file("server-key.pem"),
        ])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("tls-cert") && result.stderr.contains("/nonexistent/server.pem"), "\(result)")
    }
}
