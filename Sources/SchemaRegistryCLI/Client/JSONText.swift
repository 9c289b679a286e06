import Foundation

/// Renders dictionaries, arrays, strings, integers, booleans and `NSNull` as JSON: keys
/// sorted, two-space indents, nothing escaped that need not be, so output is stable and diffable.
enum JSONText {
    static func render(_ value: Any) -> String {
        var out = ""
        write(value, indent: "", to: &out)
        return out
    }

    private static func write(_ value: Any, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case is NSNull: out += "null"
        case let bool as Bool: out += bool ? "true" : "false"
        case let string as String: writeString(string, to: &out)
        case let integer as any BinaryInteger: out += String(describing: integer)
        case let number as Double: out += number.isFinite ? String(describing: number) : "null"
        case let object as [String: Any]:
            guard !object.isEmpty else { return out += "{}" }
            out += "{\n"
            for (index, key) in object.keys.sorted().enumerated() {
                out += inner
                writeString(key, to: &out)
                out += ": "
                write(object[key]!, indent: inner, to: &out)
                out += index == object.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        case let array as [Any]:
            guard !array.isEmpty else { return out += "[]" }
            out += "[\n"
            for (index, element) in array.enumerated() {
                out += inner
                write(element, indent: inner, to: &out)
                out += index == array.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        default: writeString(String(describing: value), to: &out)
        }
    }

    private static func writeString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
