/// Reads the two JSON shapes stores keep metadata and tags in, an object of strings and an
/// array of strings, without Foundation's JSONDecoder, which costs several microseconds per
/// value (a search page decodes both for every row it returns: most of a subject-prefix
/// listing's time). Strict: whatever it does not expect (numbers, nesting, duplicate keys,
/// invalid escapes) returns nil, and the caller hands the text to JSONDecoder, which stays the
/// judge of what is valid. So it can only make reading faster, never different.
enum FlatJSONStrings {
    /// `{"k":"v",...}`, or nil.
    static func object(_ text: String) -> [String: String]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            var result: [String: String] = [:]
            guard reader.take(UInt8(ascii: "{")) else { return nil }
            if reader.take(UInt8(ascii: "}")) { return reader.atEnd ? result : nil }
            repeat {
                guard let key = reader.string(), reader.take(UInt8(ascii: ":")), let value = reader.string(),
                    result.updateValue(value, forKey: key) == nil
                else { return nil }
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "}")), reader.atEnd else { return nil }
            return result
        }
    }

    /// `["a",...]`, or nil.
    static func array(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            var result: [String] = []
            guard reader.take(UInt8(ascii: "[")) else { return nil }
            if reader.take(UInt8(ascii: "]")) { return reader.atEnd ? result : nil }
            repeat {
                guard let element = reader.string() else { return nil }
                result.append(element)
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "]")), reader.atEnd else { return nil }
            return result
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool {
            mutating get {
                skipWhitespace()
                return index == bytes.count
            }
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// Consumes `byte` (after whitespace) if it is next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A JSON string (after whitespace), or nil.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            // Fast path: no escapes, the bytes are the string (the text is valid UTF-8 already).
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var scalars = String.UnicodeScalarView()
            scalars.append(
                contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    .unicodeScalars)
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    guard let scalar = escape() else { return nil }
                    scalars.append(scalar)
                case 0..<0x20:
                    return nil
                default:
                    // Copy a whole UTF-8 sequence up to the next quote, backslash or control byte.
                    let from = index - 1
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
                        bytes[index] >= 0x20
                    {
                        index += 1
                    }
                    scalars.append(
                        contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<index]), as: UTF8.self)
                            .unicodeScalars)
                }
            }
            return nil
        }

        /// The character after a backslash (already consumed), or nil.
        private mutating func escape() -> Unicode.Scalar? {
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(byte)
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate must be followed by an escaped low one.
                    guard take(UInt8(ascii: "\\")), index < bytes.count, bytes[index] == UInt8(ascii: "u") else {
                        return nil
                    }
                    index += 1
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                return Unicode.Scalar(unit)  // nil for a lone low surrogate
            default: return nil
            }
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
