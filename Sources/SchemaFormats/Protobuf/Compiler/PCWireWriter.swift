import SwiftProtobuf

/// The protobuf wire encoding of option values (what protoc writes into an options message's
/// unknown fields for a custom option).
enum PCWireWriter {
    typealias Field = Google_Protobuf_FieldDescriptorProto

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    static func tag(_ number: Int32, _ wireType: UInt64) -> [UInt8] { varint(UInt64(number) << 3 | wireType) }

    static func lengthDelimited(_ number: Int32, _ payload: [UInt8]) -> [UInt8] {
        tag(number, 2) + varint(UInt64(payload.count)) + payload
    }

    static func littleEndian(_ value: UInt64, bytes count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// `field = value` on the wire, or nil when the value does not fit the field's type.
    static func encode(_ value: PCOptions.Constant, field: Field, enumValue: (String) -> Int32?) -> [UInt8]? {
        let number = field.number
        switch field.type {
        case .string, .bytes:
            guard case .string(let bytes) = value else { return nil }
            if field.type == .string, String(validating: bytes, as: UTF8.self) == nil { return nil }
            return lengthDelimited(number, bytes)
        case .bool:
            guard case .identifier(let word) = value, word == "true" || word == "false" else { return nil }
            return tag(number, 0) + varint(word == "true" ? 1 : 0)
        case .enum:
            guard case .identifier(let word) = value, let raw = enumValue(word) else { return nil }
            return tag(number, 0) + varint(UInt64(bitPattern: Int64(raw)))
        case .float:
            guard let double = PCDefaults.floatingValue(value) else { return nil }
            return tag(number, 5) + littleEndian(UInt64(Float(double).bitPattern), bytes: 4)
        case .double:
            guard let double = PCDefaults.floatingValue(value) else { return nil }
            return tag(number, 1) + littleEndian(double.bitPattern, bytes: 8)
        default:
            guard case .integer(let magnitude, let negative) = value else { return nil }
            return integer(magnitude, negative: negative, field: field)
        }
    }

    private static func integer(_ magnitude: UInt64, negative: Bool, field: Field) -> [UInt8]? {
        let number = field.number
        let signed: Int64?
        if negative {
            signed = magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : (magnitude == 1 << 63 ? Int64.min : nil)
        } else {
            signed = magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
        }
        switch field.type {
        case .int32, .sint32, .sfixed32:
            guard let value = signed, let small = Int32(exactly: value) else { return nil }
            switch field.type {
            case .int32: return tag(number, 0) + varint(UInt64(bitPattern: Int64(small)))
            case .sint32: return tag(number, 0) + varint(UInt64(UInt32(bitPattern: (small << 1) ^ (small >> 31))))
            default: return tag(number, 5) + littleEndian(UInt64(UInt32(bitPattern: small)), bytes: 4)
            }
        case .int64, .sint64, .sfixed64:
            guard let value = signed else { return nil }
            switch field.type {
            case .int64: return tag(number, 0) + varint(UInt64(bitPattern: value))
            case .sint64: return tag(number, 0) + varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
            default: return tag(number, 1) + littleEndian(UInt64(bitPattern: value), bytes: 8)
            }
        case .uint32, .fixed32:
            guard !negative || magnitude == 0, magnitude <= UInt64(UInt32.max) else { return nil }
            return field.type == .uint32
                ? tag(number, 0) + varint(magnitude) : tag(number, 5) + littleEndian(magnitude, bytes: 4)
        case .uint64, .fixed64:
            guard !negative || magnitude == 0 else { return nil }
            return field.type == .uint64
                ? tag(number, 0) + varint(magnitude) : tag(number, 1) + littleEndian(magnitude, bytes: 8)
        default:
            return nil
        }
    }
}
