import Foundation

/// Standard base64 (RFC 4648 section 4), as Confluent's `format=serialized` and proto3 JSON's
/// `bytes` use it (the URL-safe alphabet is accepted on input too, as protobuf's JSON parsers do).
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func decode(_ text: String) -> [UInt8]? {
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}
