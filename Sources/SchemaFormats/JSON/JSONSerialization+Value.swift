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
        // Escaped in one pass into a scratch buffer sized for the worst case, then appended
        // with one copy: a schema text inside a REST answer is a kilobyte with a quote every few
        // bytes, and appending byte by byte was a tenth of a search's CPU. Long strings go
        // through in chunks, so the scratch stays within 6 x `escapeChunk` bytes.
        let written: Void? = value.utf8.withContiguousStorageIfAvailable { bytes in
            guard let input = bytes.baseAddress else { return }
            escapeTable.withUnsafeBufferPointer { table in
                let capacity = min(bytes.count, escapeChunk) * 6
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { scratch in
                    guard let out = scratch.baseAddress else { return }
                    var start = 0
                    while start < bytes.count {
                        let end = min(start + escapeChunk, bytes.count)
                        var at = 0
                        for offset in start..<end {
                            let byte = input[offset]
                            let letter = table[Int(byte)]
                            if letter == 0 {
                                out[at] = byte
                                at += 1
                                continue
                            }
                            out[at] = UInt8(ascii: "\\")
                            out[at + 1] = letter
                            at += 2
                            if letter == UInt8(ascii: "u") {
                                out[at] = UInt8(ascii: "0")
                                out[at + 1] = UInt8(ascii: "0")
                                out[at + 2] = hexDigit(byte >> 4)
                                out[at + 3] = hexDigit(byte & 0x0F)
                                at += 4
                            }
                        }
                        output.append(contentsOf: UnsafeBufferPointer(start: out, count: at))
                        start = end
                    }
                }
            }
        }
        if written == nil {
            for byte in value.utf8 {
                if escapeTable[Int(byte)] != 0 { appendEscaped(byte, to: &output) } else { output.append(byte) }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Input bytes escaped per pass of ``writeString(_:to:)``: at most six output bytes each.
    private static let escapeChunk = 4096

    /// The lowercase hex digit of a value below 16.
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Per byte: 0 when it is copied as it is, else the letter of its short escape (`\n`), or
    /// `u` for the controls written as `\u00XX`.
    private static let escapeTable: [UInt8] = (0...255).map { byte in
        switch byte {
        case 0x22, 0x5C: UInt8(byte)
        case 0x0A: UInt8(ascii: "n")
        case 0x0D: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        case 0x08: UInt8(ascii: "b")
        case 0x0C: UInt8(ascii: "f")
        case ..<0x20: UInt8(ascii: "u")
        default: 0
        }
    }

    /// One byte that needs an escape, escaped.
    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        let letter = escapeTable[Int(byte)]
        output.append(UInt8(ascii: "\\"))
        output.append(letter)
        if letter == UInt8(ascii: "u") {
            output.append(contentsOf: [0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0x0F)])
        }
    }
}
