/// Tokens of `.proto` text (the protobuf language specification's lexical elements), with their
/// line and column for error messages. Comments and whitespace are skipped.
struct PCToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case identifier
        case integer
        case float
        /// A string literal, escapes decoded, as bytes (a literal may hold any byte).
        case string
        case symbol
        case end
    }

    var kind: Kind
    var text: String
    var bytes: [UInt8] = []
    var line: Int
    var column: Int
    /// A symbol token's byte (0 for other kinds), for comparisons without string work.
    var symbol: UInt8 = 0

    var describe: String { kind == .end ? "end of file" : kind == .string ? "a string" : "'\(text)'" }
}

struct PCLexer {
    private let input: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String, file: String) {
        self.input = Array(text.utf8)
        self.file = file
    }

    static func tokens(_ text: String, file: String) throws(ProtoSourceError) -> [PCToken] {
        var lexer = PCLexer(text, file: file)
        var tokens: [PCToken] = []
        tokens.reserveCapacity(lexer.input.count / 4)  // a token per ~4 bytes of typical text
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func error(_ message: String) -> ProtoSourceError {
        ProtoSourceError(file: file, line: line, column: column, message: message)
    }

    private var current: UInt8? { index < input.count ? input[index] : nil }
    private func peek(_ offset: Int) -> UInt8? { index + offset < input.count ? input[index + offset] : nil }

    private mutating func advance() {
        if input[index] == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipTrivia() throws(ProtoSourceError) {
        while let byte = current {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B {
                advance()
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
                while let next = current, next != 0x0A { advance() }
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                let (startLine, startColumn) = (line, column)
                advance()
                advance()
                while true {
                    guard let next = current else {
                        throw ProtoSourceError(
                            file: file, line: startLine, column: startColumn, message: "comment is not closed")
                    }
                    if next == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance()
                        advance()
                        break
                    }
                    advance()
                }
            } else {
                return
            }
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    mutating func next() throws(ProtoSourceError) -> PCToken {
        try skipTrivia()
        let (startLine, startColumn, start) = (line, column, index)
        guard let byte = current else { return PCToken(kind: .end, text: "", line: line, column: column) }
        func token(_ kind: PCToken.Kind) -> PCToken {
            PCToken(
                kind: kind, text: String(decoding: input[start..<index], as: UTF8.self), line: startLine,
                column: startColumn)
        }
        if Self.isLetter(byte) {
            while let next = current, Self.isLetter(next) || Self.isDigit(next) { advance() }
            return token(.identifier)
        }
        if Self.isDigit(byte) || (byte == UInt8(ascii: ".") && peek(1).map(Self.isDigit) == true) {
            return try number(start: start, line: startLine, column: startColumn)
        }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            return try string(quote: byte, line: startLine, column: startColumn)
        }
        guard byte < 0x80 else { throw error("unexpected character (not ASCII) outside a string") }
        advance()
        var symbol = token(.symbol)
        symbol.symbol = byte
        return symbol
    }

    private mutating func number(start: Int, line: Int, column: Int) throws(ProtoSourceError) -> PCToken {
        var isFloat = false
        if current == UInt8(ascii: "0"), peek(1) == UInt8(ascii: "x") || peek(1) == UInt8(ascii: "X") {
            advance()
            advance()
            while let next = current, Self.isDigit(next) || (next | 0x20 >= 0x61 && next | 0x20 <= 0x66) { advance() }
        } else {
            while let next = current {
                if Self.isDigit(next) {
                    advance()
                } else if next == UInt8(ascii: ".") {
                    isFloat = true
                    advance()
                } else if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
                    isFloat = true
                    advance()
                    if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
                } else {
                    break
                }
            }
        }
        if let next = current, Self.isLetter(next) { throw error("need space between number and identifier") }
        return PCToken(
            kind: isFloat ? .float : .integer, text: String(decoding: input[start..<index], as: UTF8.self),
            line: line, column: column)
    }

    private mutating func string(quote: UInt8, line: Int, column: Int) throws(ProtoSourceError) -> PCToken {
        advance()
        var bytes: [UInt8] = []
        while true {
            guard let byte = current, byte != 0x0A else { throw error("string literal is not closed") }
            advance()
            if byte == quote { break }
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                continue
            }
            guard let escape = current else { throw error("string literal is not closed") }
            advance()
            switch escape {
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "a"): bytes.append(0x07)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "v"): bytes.append(0x0B)
            case UInt8(ascii: "x"), UInt8(ascii: "X"):
                var value: UInt32 = 0
                var count = 0
                while count < 2, let digit = current.flatMap(Self.hex) {
                    value = value << 4 | UInt32(digit)
                    advance()
                    count += 1
                }
                guard count > 0 else { throw error("\\x needs hex digits") }
                bytes.append(UInt8(value))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(escape - 0x30)
                var count = 1
                while count < 3, let next = current, next >= 0x30, next <= 0x37 {
                    value = value << 3 | UInt32(next - 0x30)
                    advance()
                    count += 1
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = escape == UInt8(ascii: "u") ? 4 : 8
                var value: UInt32 = 0
                for _ in 0..<digits {
                    guard let digit = current.flatMap(Self.hex) else { throw error("\\u needs \(digits) hex digits") }
                    value = value << 4 | UInt32(digit)
                    advance()
                }
                guard let scalar = Unicode.Scalar(value) else { throw error("\\u escape is not a Unicode scalar") }
                bytes += Array(String(scalar).utf8)
            default:
                bytes.append(escape)
            }
        }
        return PCToken(kind: .string, text: "", bytes: bytes, line: line, column: column)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
