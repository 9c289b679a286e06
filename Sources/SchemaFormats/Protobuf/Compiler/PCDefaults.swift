import Foundation
import SwiftProtobuf

/// `[default = ...]` checked against the field's type and written in protoc's text
/// (`default_value`): numbers normalised (`0x1F` -> `31`, `1e5` -> `100000`), strings raw,
/// bytes C-escaped, enums by value name.
enum PCDefaults {
    typealias Field = Google_Protobuf_FieldDescriptorProto

    static func apply(
        _ file: inout Google_Protobuf_FileDescriptorProto, _ defaults: [String: (PCOptions.Constant, PCToken)],
        resolver: PCResolver, source: PCSourceMap
    ) throws(ProtoSourceError) {
        guard !defaults.isEmpty else { return }
        var messages = file.messageType
        for index in messages.indices {
            try apply(&messages[index], path: "", defaults, resolver: resolver, source: source)
        }
        file.messageType = messages
        var extensions = file.extension
        for index in extensions.indices {
            try apply(&extensions[index], key: "field:" + extensions[index].name, defaults, resolver, source)
        }
        file.extension = extensions
    }

    private static func apply(
        _ message: inout Google_Protobuf_DescriptorProto, path: String,
        _ defaults: [String: (PCOptions.Constant, PCToken)], resolver: PCResolver, source: PCSourceMap
    ) throws(ProtoSourceError) {
        let inner = path.isEmpty ? message.name : path + "." + message.name
        var fields = message.field
        for index in fields.indices {
            try apply(&fields[index], key: "field:\(inner).\(fields[index].name)", defaults, resolver, source)
        }
        message.field = fields
        var extensions = message.extension
        for index in extensions.indices {
            try apply(&extensions[index], key: "field:\(inner).\(extensions[index].name)", defaults, resolver, source)
        }
        message.extension = extensions
        var nested = message.nestedType
        for index in nested.indices {
            try apply(&nested[index], path: inner, defaults, resolver: resolver, source: source)
        }
        message.nestedType = nested
    }

    private static func apply(
        _ field: inout Field, key: String, _ defaults: [String: (PCOptions.Constant, PCToken)],
        _ resolver: PCResolver, _ source: PCSourceMap
    ) throws(ProtoSourceError) {
        guard let (value, at) = defaults[key] else { return }
        let position = PCToken(kind: .end, text: "", line: at.line, column: at.column)
        guard let text = text(value, for: field, resolver: resolver) else {
            throw source.error(at: position, message(for: field))
        }
        field.defaultValue = text
    }

    private static func message(for field: Field) -> String {
        switch field.type {
        case .message, .group: "messages can't have default values"
        case .enum: "default value for enum field \(field.name) is not a value of \(field.typeName.dropFirst())"
        case .string, .bytes: "expected a string for the default value of \(field.name)"
        case .bool: "expected true or false for the default value of \(field.name)"
        case .float, .double: "expected a number for the default value of \(field.name)"
        default: "expected an integer in range for the default value of \(field.name)"
        }
    }

    /// protoc's text for `value` as the default of `field`, or nil when it does not fit.
    static func text(_ value: PCOptions.Constant, for field: Field, resolver: PCResolver) -> String? {
        switch (field.type, value) {
        case (.enum, .identifier(let name)):
            return resolver.enums[field.typeName]?.value.contains { $0.name == name } == true ? name : nil
        case (.string, .string(let bytes)): return String(validating: bytes, as: UTF8.self)
        case (.bytes, .string(let bytes)): return cEscape(bytes)
        case (.bool, .identifier(let word)) where word == "true" || word == "false": return word
        case (.float, _), (.double, _):
            guard let number = floatingValue(value) else { return nil }
            return field.type == .float ? simpleFtoa(Float(number)) : simpleDtoa(number)
        case (_, .integer(let magnitude, let negative)):
            guard let range = integerRange(field.type) else { return nil }
            if negative {
                guard magnitude <= UInt64(-(range.lowerBound + 1)) + 1 else { return nil }
                return magnitude == 0 ? "0" : "-\(magnitude)"
            }
            return magnitude <= range.upperBound ? String(magnitude) : nil
        default: return nil
        }
    }

    /// The values an integer type holds, as (lowest as Int64, highest as UInt64).
    private static func integerRange(_ type: Field.TypeEnum) -> (lowerBound: Int64, upperBound: UInt64)? {
        switch type {
        case .int32, .sint32, .sfixed32: (Int64(Int32.min), UInt64(Int32.max))
        case .int64, .sint64, .sfixed64: (Int64.min, UInt64(Int64.max))
        case .uint32, .fixed32: (0, UInt64(UInt32.max))
        case .uint64, .fixed64: (0, UInt64.max)
        default: nil
        }
    }

    static func floatingValue(_ value: PCOptions.Constant) -> Double? {
        switch value {
        case .integer(let magnitude, let negative): return negative ? -Double(magnitude) : Double(magnitude)
        case .float(let text): return Double(text)
        case .identifier(let word):
            switch word {
            case "inf": return .infinity
            case "-inf": return -.infinity
            case "nan", "-nan": return .nan
            default: return nil
            }
        default: return nil
        }
    }

    /// protoc's `SimpleDtoa`: `%.15g`, or `%.17g` when that does not read back the same.
    static func simpleDtoa(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let short = String(format: "%.15g", value)
        return Double(short) == value ? short : String(format: "%.17g", value)
    }

    /// protoc's `SimpleFtoa`: `%.6g`, or `%.9g` when that does not read back the same.
    static func simpleFtoa(_ value: Float) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let short = String(format: "%.6g", Double(value))
        return Float(short) == value ? short : String(format: "%.9g", Double(value))
    }

    /// protoc's `CEscape`: quotes, backslash and control characters escaped, other bytes
    /// outside printable ASCII in three-digit octal.
    static func cEscape(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x22: text += "\\\""
            case 0x27: text += "\\'"
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
            default:
                let octal = String(byte, radix: 8)
                text += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return text
    }
}
