/// `format` checks for dates, times, durations, host names, addresses and URIs
/// (RFC 3339, ISO 8601 durations, RFC 1123, RFC 4291, RFC 5321, RFC 3986), kept simple.
extension FormatChecks {
    private static func digits(_ text: Substring, _ count: Int) -> Int? {
        guard text.count == count, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    static func dateTime(_ text: String) -> Bool {
        guard let t = text.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return date(String(text[..<t])) && time(String(text[text.index(after: t)...]))
    }

    static func time(_ text: String) -> Bool {
        var rest = Substring(text)
        guard rest.count >= 9 else { return false }
        guard let hour = digits(rest.prefix(2), 2), rest.dropFirst(2).first == ":",
            let minute = digits(rest.dropFirst(3).prefix(2), 2), rest.dropFirst(5).first == ":",
            let second = digits(rest.dropFirst(6).prefix(2), 2)
        else { return false }
        rest = rest.dropFirst(8)
        if rest.first == "." {
            rest = rest.dropFirst()
            let fraction = rest.prefix { $0.isASCII && $0.isNumber }
            guard !fraction.isEmpty else { return false }
            rest = rest.dropFirst(fraction.count)
        }
        var offsetMinutes = 0
        if rest == "Z" || rest == "z" {
            offsetMinutes = 0
        } else if let sign = rest.first, sign == "+" || sign == "-", rest.count == 6,
            let h = digits(rest.dropFirst().prefix(2), 2), rest.dropFirst(3).first == ":",
            let m = digits(rest.dropFirst(4), 2), h < 24, m < 60
        {
            offsetMinutes = (h * 60 + m) * (sign == "+" ? 1 : -1)
        } else {
            return false
        }
        guard hour < 24, minute < 60, second <= 60 else { return false }
        if second == 60 {
            // A leap second is only at 23:59:60 UTC.
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func duration(_ text: String) -> Bool {
        guard text.hasPrefix("P"), text.count > 1 else { return false }
        let body = text.dropFirst()
        let parts = body.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        func units(_ part: Substring, _ order: [Character]) -> Int? {
            var remaining = order[...]
            var found = 0
            var number = ""
            for character in part {
                if character.isASCII && character.isNumber {
                    number.append(character)
                    continue
                }
                guard !number.isEmpty, let index = remaining.firstIndex(of: character) else { return nil }
                remaining = remaining[(index + 1)...]
                number = ""
                found += 1
            }
            return number.isEmpty ? found : nil
        }
        if body.contains("W") { return units(body, ["W"]) == 1 && parts.count == 1 }
        guard let dateUnits = units(parts[0], ["Y", "M", "D"]) else { return false }
        if parts.count == 2 {
            guard let timeUnits = units(parts[1], ["H", "M", "S"]), timeUnits > 0 else { return false }
            return true
        }
        return dateUnits > 0
    }

    static func hostname(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                && !(label.count >= 4 && label.dropFirst(2).hasPrefix("--") && !label.lowercased().hasPrefix("xn--"))
        }
    }

    static func ipv6(_ text: String) -> Bool {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else {
            return false
        }
        var groups = text.components(separatedByString: ":")
        var limit = 8
        if let last = groups.last, last.contains(".") {
            guard ipv4(last) else { return false }
            groups.removeLast()
            limit = 6
            groups.append("0")
            limit += 1
        }
        let compressed = text.components(separatedByString: "::").count - 1
        guard compressed <= 1 else { return false }
        if compressed == 0 {
            return groups.count == limit && groups.allSatisfy { !$0.isEmpty && $0.count <= 4 }
        }
        let nonEmpty = groups.filter { !$0.isEmpty }
        guard nonEmpty.allSatisfy({ $0.count <= 4 }), nonEmpty.count < limit else { return false }
        // Empty groups are only allowed as part of the single "::".
        if text.hasPrefix(":") && !text.hasPrefix("::") { return false }
        if text.hasSuffix(":") && !text.hasSuffix("::") { return false }
        return true
    }

    static func email(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = String(text[text.index(after: at)...])
        guard !local.isEmpty, !domain.isEmpty else { return false }
        if domain.hasPrefix("[") {
            guard domain.hasSuffix("]") else { return false }
            let literal = String(domain.dropFirst().dropLast())
            return literal.hasPrefix("IPv6:") ? ipv6(String(literal.dropFirst(5))) : ipv4(literal)
        }
        guard hostname(domain) else { return false }
        if local.hasPrefix("\"") { return local.hasSuffix("\"") && local.count >= 2 }
        let allowed = "!#$%&'*+-/=?^_`{|}~."
        return !local.hasPrefix(".") && !local.hasSuffix(".") && !local.contains("..")
            && local.allSatisfy { $0.isLetter || $0.isNumber || allowed.contains($0) }
    }

    static func uri(_ text: String, absolute: Bool) -> Bool {
        let allowed = "-._~:/?#[]@!$&'()*+,;=%"
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || allowed.contains($0)) }) else {
            return false
        }
        // Percent signs must start %XX escapes.
        let scalars = Array(text.unicodeScalars)
        for (offset, scalar) in scalars.enumerated() where scalar == "%" {
            guard offset + 2 < scalars.count, Character(scalars[offset + 1]).isHexDigit,
                Character(scalars[offset + 2]).isHexDigit
            else { return false }
        }
        let reference = URIReference(text)
        if absolute && reference.scheme == nil { return false }
        if !absolute && reference.scheme == nil, let colon = text.firstIndex(of: ":"),
            !text[..<colon].contains(where: { $0 == "/" || $0 == "?" || $0 == "#" })
        {
            return false
        }
        if let authority = reference.authority, authority.contains("[") != authority.contains("]") { return false }
        if let fragment = reference.fragment, fragment.contains("#") { return false }
        return true
    }
}

extension String {
    /// Splits on every occurrence of `separator` (Foundation-free `components(separatedBy:)`).
    func components(separatedByString separator: String) -> [String] {
        var parts: [String] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
