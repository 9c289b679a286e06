import Foundation
import SchemaRegistryCore

/// Prints results to stdout (text or one JSON document) and errors to stderr.
struct Output {
    let json: Bool

    /// Prints `document` as JSON when `--json` was given, else the text `text()` builds.
    func emit(_ document: Any, text: () -> String) {
        if json {
            printJSON(document)
        } else {
            let rendered = text()
            if !rendered.isEmpty { print(rendered) }
        }
    }

    func printJSON(_ document: Any) {
        print(JSONText.render(document))
    }

    /// An error on stderr: `error: ...` lines, or with `--json` one document
    /// `{"error": {"message", "exitCode", "code" (the registry's or SRP status, when the server
    /// answered), "details", "hint"}}` so scripts never parse text.
    func error(
        _ message: String, details: [String] = [], exitCode: Int32? = nil, code: Int? = nil, hint: String? = nil
    ) {
        let message = EchoedText.message(message)
        if json {
            var error: [String: Any] = ["message": message]
            if let exitCode { error["exitCode"] = Int(exitCode) }
            if let code { error["code"] = code }
            if !details.isEmpty { error["details"] = details.map { EchoedText.message($0) } }
            if let hint { error["hint"] = hint }
            Self.writeStderr(JSONText.render(["error": error]) + "\n")
            return
        }
        var text = "error: \(message)\n"
        for detail in details { text += "  - \(EchoedText.message(detail))\n" }
        if let hint { text += "hint: \(hint)\n" }
        Self.writeStderr(text)
    }

    /// A note that is not the result (e.g. "more pages"), kept off stdout so pipes stay clean.
    func note(_ message: String) { Self.writeStderr(message + "\n") }

    static func writeStderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
