extension JSONValue {
    /// Compact JSON text. With `sortedKeys`, object members are sorted by key (code points),
    /// which gives the normal form used for identity: whitespace and member order never
    /// change it.
    ///
    /// Written as UTF-8 bytes into one buffer and made a `String` once: every REST answer and
    /// every canonical form goes through here, and appending to a `String` piece by piece (a
    /// scalar, an escape, a punctuation mark at a time) was a third of a search answer's CPU.
    public func serialized(sortedKeys: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output, sortedKeys: sortedKeys)
        return String(decoding: output, as: UTF8.self)
    }

    func write(to output: inout [UInt8], sortedKeys: Bool) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let number): output.append(contentsOf: number.text.utf8)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(to: &output, sortedKeys: sortedKeys)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            let members =
                sortedKeys
                ? object.members.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
                : object.members
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output, sortedKeys: sortedKeys)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `value` as a JSON string, in UTF-8. Only ASCII bytes are escaped (`"`, `\`, and
    /// the controls below U+0020), so every other byte, of any scalar, is copied as it is.
    static func writeString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): appendEscape(byte, to: &output)
            case 0x0A: appendEscape(UInt8(ascii: "n"), to: &output)
            case 0x0D: appendEscape(UInt8(ascii: "r"), to: &output)
            case 0x09: appendEscape(UInt8(ascii: "t"), to: &output)
            case 0x08: appendEscape(UInt8(ascii: "b"), to: &output)
            case 0x0C: appendEscape(UInt8(ascii: "f"), to: &output)
            case ..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                appendEscape(UInt8(ascii: "u"), to: &output)
                output.append(contentsOf: [0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// A backslash and the letter after it.
    private static func appendEscape(_ letter: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        output.append(letter)
    }
}
