/// Compiles JSON Schema (ECMA-262) patterns with Swift Regex.
///
/// Known differences from ECMA-262 that remain: Swift's syntax accepts some constructs
/// ECMA rejects (possessive quantifiers, `\A`, `\z`, inline options), and `\s` and
/// Unicode property names follow Swift's tables. Matching is by Unicode scalar (as with
/// ECMA's `u` flag) and `\d`/`\w` are ASCII-only, as in ECMA.
enum ECMARegex {
    static func compile(_ source: String) throws -> Regex<AnyRegexOutput> {
        try Regex(translate(source))
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
    }

    /// Whether `source` is ECMA-262 syntax (for `format: regex`): Swift accepts a few
    /// constructs ECMA rejects, which are refused here.
    static func isValid(_ source: String) -> Bool {
        let foreign = ["(?P", "(?#", "\\a", "\\Z", "\\A", "\\z"]
        if foreign.contains(where: { source.contains($0) }) { return false }
        if source.contains(/\(\?[imsx]+\)/) { return false }
        return (try? compile(source)) != nil
    }

    /// Rewrites what Swift spells differently: `\cX` control escapes, and `\s`/`\S`
    /// outside classes (ECMA's white space includes U+FEFF, Swift's does not).
    private static func translate(_ source: String) -> String {
        guard source.contains("\\") else { return source }
        var result = ""
        var inClass = false
        var iterator = source.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "\\", let next = iterator.next() else {
                if scalar == "[" { inClass = true } else if scalar == "]" { inClass = false }
                result.unicodeScalars.append(scalar)
                continue
            }
            if next == "c", let letter = iterator.next(), letter.properties.isAlphabetic {
                result += "\\x{" + String(letter.value & 0x1F, radix: 16) + "}"
            } else if next == "s" {
                result += inClass ? "\\s\\x{FEFF}" : "[\\s\\x{FEFF}]"
            } else if next == "S", !inClass {
                result += "[^\\s\\x{FEFF}]"
            } else {
                result.unicodeScalars.append(scalar)
                result.unicodeScalars.append(next)
            }
        }
        return result
    }
}
