import Foundation
import NIOHTTP1

/// The `Authorization` header -> the API key it carries, as Confluent's clients send it:
///
/// - `Basic base64(user:password)` (`basic.auth.user.info`): the password is the whole key
///   (`sr_<id>_<secret>`), whatever the user; or, Confluent Cloud's style, the user is the key's
///   id and the password its secret;
/// - `Bearer <key>` (`bearer.auth.token`).
///
/// The key is then checked by ``APIKeyRing`` exactly as SRP's HELLO checks it.
enum RESTAuthentication {
    /// The key text presented; "" when none (or none readable) was.
    static func presentedKey(_ headers: HTTPHeaders) -> String {
        guard let header = headers.first(name: "authorization") else { return "" }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return "" }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer":
            return credentials
        case "basic":
            guard let data = Data(base64Encoded: credentials), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { return "" }
            let user = text[..<colon]
            let password = String(text[text.index(after: colon)...])
            if APIKeyText.id(of: password) != nil || user.isEmpty { return password }
            return "sr_\(user)_\(password)"
        default:
            return ""
        }
    }

    /// What a 401 tells the client it may send.
    static let challenge = #"Basic realm="schema-registry", Bearer realm="schema-registry""#
}
