/// Avro's name rules: `[A-Za-z_][A-Za-z0-9_]*` per component, fullnames as
/// `namespace.name`, and the null namespace written as "".
enum AvroNames {
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isStart(first) else { return false }
        return name.utf8.allSatisfy { isStart($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// A namespace is "" or dot-separated valid names.
    static func isValidNamespace(_ namespace: String) -> Bool {
        namespace.isEmpty
            || namespace.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                isValidName(String($0))
            }
    }

    // The last dot is found in the UTF-8 bytes: `String.lastIndex(of: Character)` walks
    // grapheme clusters backwards, and with both called for every named type parsed and
    // written it was 7% of a registration's instructions (issue 19, callgrind). "." is ASCII,
    // so its byte index is a valid String index.
    static func unqualified(_ fullname: String) -> String {
        guard let dot = fullname.utf8.lastIndex(of: UInt8(ascii: ".")) else { return fullname }
        return String(fullname[fullname.utf8.index(after: dot)...])
    }

    static func namespace(of fullname: String) -> String {
        guard let dot = fullname.utf8.lastIndex(of: UInt8(ascii: ".")) else { return "" }
        return String(fullname[..<dot])
    }

    /// The fullname of `name` written inside `namespace`: names with a dot are already full.
    static func fullname(_ name: String, in namespace: String) -> String {
        // Dots are looked for in the UTF-8 bytes: `String.contains(String)` resolves to
        // Foundation's (imported elsewhere in the module), which bridges to NSString, and this
        // runs for every name of every schema parsed (0.5% of a registration-heavy profile).
        let dot = UInt8(ascii: ".")
        // ".X" names X in the null namespace, as Avro Java reads it.
        if name.utf8.first == dot, !name.utf8.dropFirst().contains(dot) { return String(name.dropFirst()) }
        if name.utf8.contains(dot) || namespace.isEmpty { return name }
        return namespace + "." + name
    }

    private static func isStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }
}
