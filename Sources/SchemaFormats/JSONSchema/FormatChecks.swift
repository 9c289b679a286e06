/// `format` assertions (used only in format-assertion mode; by default `format` is an
/// annotation). Returns nil for formats this validator does not know (they pass).
enum FormatChecks {
    static func check(_ format: String, _ value: JSONValue) -> Bool? {
        guard case .string(let text) = value else { return true }
        switch format {
        case "ipv4": return ipv4(text)
        case "date": return date(text)
        case "uuid": return uuid(text)
        case "email", "idn-email": return email(text)
        case "date-time": return dateTime(text)
        case "time": return time(text)
        case "duration": return duration(text)
        case "hostname": return hostname(text)
        case "ipv6": return ipv6(text)
        case "uri": return uri(text, absolute: true)
        case "uri-reference": return uri(text, absolute: false)
        case "relative-json-pointer": return relativeJSONPointer(text)
        case "regex": return ECMARegex.isValid(text)
        case "json-pointer": return JSONPointer.tokens(text) != nil && !hasBadTilde(text)
        default: return nil
        }
    }

    private static func hasBadTilde(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        for (offset, scalar) in scalars.enumerated() where scalar == "~" {
            if offset + 1 >= scalars.count || (scalars[offset + 1] != "0" && scalars[offset + 1] != "1") { return true }
        }
        return false
    }

    static func ipv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let value = Int(part)
            else { return false }
            return value <= 255
        }
    }

    static func date(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day >= 1 && day <= days[month - 1]
    }

    static func uuid(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func relativeJSONPointer(_ text: String) -> Bool {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits == "0" || !digits.hasPrefix("0") else { return false }
        let rest = String(text.dropFirst(digits.count))
        return rest == "#" || (JSONPointer.tokens(rest) != nil && !hasBadTilde(rest))
    }
}
