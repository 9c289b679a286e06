import SwiftProtobuf

/// The text format of an aggregate option value (`{ min: 1 tags: ["a", "b"] nested { x: 2 } }`)
/// read against its message type and encoded as protoc encodes it: fields by number, repeated
/// values in order.
struct PCTextFormatReader {
    let tokens: [PCToken]
    let end: PCToken
    let options: PCCustomOptions
    var position = 0

    init(tokens: [PCToken], end: PCToken, options: PCCustomOptions) {
        self.tokens = tokens
        self.end = end
        self.options = options
    }

    private var token: PCToken { position < tokens.count ? tokens[position] : end }
    private var atEnd: Bool { position >= tokens.count }

    private func error(_ message: String) -> ProtoSourceError { options.errorSource.error(at: token, message) }

    private mutating func take(_ symbol: String) -> Bool {
        guard !atEnd, token.kind == .symbol, token.text == symbol else { return false }
        position += 1
        return true
    }

    /// Fields up to `}` / `>` (or the end), encoded in field-number order.
    mutating func message(_ type: Google_Protobuf_DescriptorProto, depth: Int, close: String? = nil)
        throws(ProtoSourceError) -> [UInt8]
    {
        guard depth < PCParser.maxDepth else { throw error("the option's value nests too deeply") }
        var encoded: [Int32: [UInt8]] = [:]
        while true {
            if let close, take(close) { break }
            if close == nil, atEnd { break }
            guard !atEnd else { throw error("the option's value is not closed") }
            guard token.kind == .identifier else { throw error("expected a field name, found \(token.describe)") }
            let name = token.text
            let nameToken = token
            position += 1
            guard
                let field = type.field.first(where: {
                    $0.name == name || ($0.type == .group && $0.typeName.hasSuffix("." + name))
                })
            else {
                throw options.errorSource.error(at: nameToken, "message \(type.name) has no field named \(name)")
            }
            let hasColon = take(":")
            if take("[") {
                guard field.label == .repeated else { throw error("\(name) is not repeated") }
                if !take("]") {
                    repeat {
                        encoded[field.number, default: []] += try value(field, hasColon: true, depth: depth)
                    } while take(",")
                    guard take("]") else { throw error("expected ']' after the list") }
                }
            } else {
                if field.label != .repeated, encoded[field.number] != nil {
                    throw options.errorSource.error(at: nameToken, "non-repeated field \(name) is set twice")
                }
                encoded[field.number, default: []] += try value(field, hasColon: hasColon, depth: depth)
            }
            _ = take(",") || take(";")
        }
        return encoded.keys.sorted().flatMap { encoded[$0]! }
    }

    private mutating func value(_ field: Google_Protobuf_FieldDescriptorProto, hasColon: Bool, depth: Int)
        throws(ProtoSourceError) -> [UInt8]
    {
        if field.type == .message || field.type == .group {
            let close: String
            if take("{") { close = "}" } else if take("<") { close = ">" } else { throw error("expected '{'") }
            guard let type = options.resolver.messages[field.typeName] else { throw error("unknown message type") }
            let payload = try message(type, depth: depth + 1, close: close)
            if field.type == .group {
                return PCWireWriter.tag(field.number, 3) + payload + PCWireWriter.tag(field.number, 4)
            }
            return PCWireWriter.lengthDelimited(field.number, payload)
        }
        guard hasColon else { throw error("expected ':' after \(field.name)") }
        let at = token
        var constant: PCOptions.Constant
        switch token.kind {
        case .string:
            var bytes: [UInt8] = []
            while !atEnd, token.kind == .string {
                bytes += token.bytes
                position += 1
            }
            constant = .string(bytes)
        case .identifier:
            constant = .identifier(token.text)
            position += 1
        case .integer, .float:
            constant = try number(negative: false)
        case .symbol where token.text == "-":
            position += 1
            if !atEnd, token.kind == .identifier {
                constant = .identifier("-" + token.text)
                position += 1
            } else {
                constant = try number(negative: true)
            }
        default:
            throw error("expected a value for \(field.name), found \(token.describe)")
        }
        if field.type == .bool, case .integer(let magnitude, false) = constant, magnitude <= 1 {
            constant = .identifier(magnitude == 1 ? "true" : "false")
        }
        if field.type == .bool, case .identifier(let word) = constant, word == "True" || word == "t" {
            constant = .identifier("true")
        }
        return try options.value(constant, field: field, at: at, display: field.name)
    }

    private mutating func number(negative: Bool) throws(ProtoSourceError) -> PCOptions.Constant {
        let literal = token
        position += 1
        if literal.kind == .float { return .float(negative ? "-" + literal.text : literal.text) }
        guard literal.kind == .integer, let value = PCParser.unsignedValue(literal.text) else {
            throw options.errorSource.error(at: literal, "expected a number")
        }
        return .integer(value, negative: negative)
    }
}
