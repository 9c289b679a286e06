/// Caller input quoted back in error messages, made safe to print.
///
/// Why: an error that echoes input raw lets a 1 MiB subject make a 1 MiB error body, and lets
/// terminal escape sequences in a subject reach whoever prints the message (the CLI, a log
/// viewer). Echoed text is cut to a bound and every control character is written as an escape.
public enum EchoedText {
    /// `text` with control characters escaped (`\n`, `\u{1B}`, ...) and cut after `limit`
    /// characters, saying how much was cut.
    public static func quote(_ text: String, limit: Int = 200) -> String {
        var result = ""
        var count = 0
        var consumedBytes = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                return result + "… (\(text.utf8.count - consumedBytes) more bytes)"
            }
            result += escaped(scalar)
            consumedBytes += String(scalar).utf8.count
            count += 1
        }
        return result
    }

    /// A whole message: control characters escaped (line breaks included) and at most `limit`
    /// characters, so no message can grow with the input it quotes.
    public static func message(_ text: String, limit: Int = 4096) -> String {
        let isClean =
            text.utf8.count <= limit
            && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
        return isClean ? text : quote(text, limit: limit)
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        guard scalar.properties.generalCategory == .control else { return String(scalar) }
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        }
    }
}
