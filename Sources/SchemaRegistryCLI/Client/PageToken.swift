import Foundation

/// Page tokens as the CLI shows them: the server's opaque token in base64url, so it is safe
/// to paste into a shell (the server's own may hold any byte).
enum PageToken {
    static func display(_ token: String) -> String {
        guard !token.isEmpty else { return "" }
        return Data(token.utf8).base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    /// The server's token for one the CLI printed (or the text itself if it is not one).
    static func parse(_ text: String) -> String {
        guard !text.isEmpty else { return "" }
        var base64 = text.replacing("-", with: "+").replacing("_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let token = String(data: data, encoding: .utf8) else {
            return text
        }
        return token
    }
}
