import Crypto
import Foundation

/// The text of API keys: how they are made and how they are hashed for storage.
///
/// A key is `sr_<id>_<secret>`: `id` (12 hex digits) names the key in listings and logs and
/// is not secret; `secret` is 256 random bits in base64url. Only SHA-256 of the whole text is
/// stored. A fast hash is right here (unlike passwords): with 256 random bits there is nothing
/// to guess, so a slow hash would only slow every handshake down.
public enum APIKeyText {
    /// A new key and its id, from the system's cryptographic random source.
    public static func generate() -> (id: String, key: String) {
        var generator = SystemRandomNumberGenerator()
        let idBytes = (0..<6).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let id = hex(idBytes)
        return (id, "sr_\(id)_\(base64URL(secretBytes))")
    }

    /// Lower-case hex SHA-256 of the key text: what the store keeps.
    public static func hash(_ key: String) -> String {
        hex(Array(SHA256.hash(data: Array(key.utf8))))
    }

    /// The id embedded in a key's text, for logs (never the secret), or nil if not of our shape.
    public static func id(of key: String) -> String? {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sr", parts[1].count == 12, parts[1].allSatisfy(\.isHexDigit) else {
            return nil
        }
        return String(parts[1])
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Foundation's base64 in the URL-safe alphabet without padding (RFC 4648 section 5).
    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
