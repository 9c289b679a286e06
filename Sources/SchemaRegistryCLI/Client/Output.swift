import Foundation

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

    func error(_ message: String, details: [String] = []) {
        var text = "error: \(message)\n"
        for detail in details { text += "  - \(detail)\n" }
        Self.writeStderr(text)
    }

    func hint(_ message: String) { Self.writeStderr("hint: \(message)\n") }

    /// A note that is not the result (e.g. "more pages"), kept off stdout so pipes stay clean.
    func note(_ message: String) { Self.writeStderr(message + "\n") }

    static func writeStderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
