/// A strict JSON parser (RFC 8259) producing ``JSONValue``, with errors that say what and
/// where (line and column), a nesting limit, and duplicate keys refused.
public struct JSONParser {
    /// A parse failure at a position in the input.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var line: Int
        public var column: Int
        public var description: String { "\(message) at line \(line), column \(column)" }
    }

    /// Deepest nesting of arrays and objects accepted.
    public var maximumDepth: Int

    public init(maximumDepth: Int = 256) {
        self.maximumDepth = maximumDepth
    }

    public func parse(_ text: String) throws(Error) -> JSONValue {
        var utf8 = Array(text.utf8)
        return try parse(bytes: &utf8)
    }

    public func parse(bytes: inout [UInt8]) throws(Error) -> JSONValue {
        var reader = Reader(bytes: bytes, maximumDepth: maximumDepth)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.error("unexpected text after the JSON value") }
        return value
    }
}

private struct Reader {
    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { position >= bytes.count }
    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func error(_ message: String) -> JSONParser.Error {
        var line = 1
        var column = 1
        for byte in bytes[..<min(position, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParser.Error(message: message, line: line, column: column)
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    mutating func value(depth: Int) throws(JSONParser.Error) -> JSONValue {
        guard let byte = current else { throw error("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default:
            throw error("unexpected character '\(Character(Unicode.Scalar(byte)))', expected a value")
        }
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(JSONParser.Error) -> JSONValue {
        for expected in word.utf8 {
            guard current == expected else { throw error("invalid literal, expected '\(word)'") }
            position += 1
        }
        return value
    }

    mutating func object(depth: Int) throws(JSONParser.Error) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        object.reserveCapacity(4)
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = position
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':' after key '\(key)'") }
            position += 1
            skipWhitespace()
            // The value is read before the key is checked: one lookup per member, not two.
            guard object.appendNew(key: key, value: try value(depth: depth)) else {
                position = keyStart
                throw error("duplicate key '\(key)'")
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(object)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONParser.Error) -> JSONValue {
        guard depth <= maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
        position += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(values)
        }
        // Room for a few from the start: growing one element at a time is an allocation each.
        values.reserveCapacity(4)
        while true {
            skipWhitespace()
            values.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return .array(values)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    mutating func number() throws(JSONParser.Error) -> JSONNumber {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw error("invalid number: expected a digit")
        }
        if first == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() > 0 else { throw error("invalid number: expected digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw error("invalid number: expected digits in the exponent") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let exact = Self.smallInteger(bytes[start..<position]) { return JSONNumber(text: text, double: exact) }
        guard let double = Double(text) else { throw error("invalid number '\(text)'") }
        return JSONNumber(text: text, double: double)
    }

    /// The value of an integer literal of at most 15 digits, exactly (below 2^53), without
    /// `strtod`: most numbers in payloads are such integers. Nil for anything else.
    static func smallInteger(_ literal: ArraySlice<UInt8>) -> Double? {
        let negative = literal.first == UInt8(ascii: "-")
        let digits = negative ? literal.dropFirst() : literal
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var magnitude: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        // -0 stays -0.0, as strtod reads it.
        return negative ? -Double(magnitude) : Double(magnitude)
    }

    @discardableResult
    mutating func skipDigits() -> Int {
        let start = position
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        return position - start
    }

    mutating func string() throws(JSONParser.Error) -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flush(_ reader: Reader, _ scalars: inout String.UnicodeScalarView, upTo end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: reader.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        var escaped = false
        while true {
            guard let byte = current else { throw error("unterminated string") }
            if byte == UInt8(ascii: "\""), !escaped {
                // Most strings have no escape: one decode of their bytes, not a scalar view
                // built up and converted (the same String: both decode the same bytes).
                defer { position += 1 }
                return String(decoding: bytes[runStart..<position], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\"") {
                flush(self, &scalars, upTo: position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control character in string (escape it)") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flush(self, &scalars, upTo: position)
            escaped = true
            position += 1
            guard let escape = current else { throw error("unterminated escape") }
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    // A high surrogate must be followed by a low one.
                    guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw error("unpaired UTF-16 surrogate in \\u escape") }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("invalid UTF-16 surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw error("unpaired UTF-16 surrogate in \\u escape")
                }
                scalars.append(Unicode.Scalar(code)!)
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
            }
            runStart = position
        }
    }

    mutating func hex4() throws(JSONParser.Error) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexDigit(byte) else {
                throw error("invalid \\u escape: expected 4 hex digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
