/// How deeply JSON text nests objects and arrays, found in one pass over the bytes without
/// parsing: the registry refuses too-deep schemas and payloads before any recursive parser
/// (or the stack it uses) sees them.
public enum JSONNesting {
    /// True when `bytes` open more than `limit` objects/arrays inside each other. Brackets
    /// inside strings do not count; malformed text is left for the parser to report.
    public static func exceeds<Bytes: Sequence<UInt8>>(_ limit: Int, in bytes: Bytes) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return false
    }
}
