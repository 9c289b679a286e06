import Foundation
import SchemaRegistryServer

/// The test certificates of Fixtures/tls (see generate.sh there), read from disk via #filePath.
public enum TLSFixtures {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls")

    /// The path of one fixture file ("ca.pem", "server-key.pem", ...).
    public static func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The server side: certificate and key, and for mTLS the CA that signs client certificates.
    public static func tls(mTLS: Bool = false) -> (inout ServerConfiguration) -> Void {
        { configuration in
            configuration.tls.certificateChainPath = file("server.pem")
            configuration.tls.privateKeyPath = file("server-key.pem")
            if mTLS { configuration.tls.clientCAPath = file("ca.pem") }
        }
    }
}
