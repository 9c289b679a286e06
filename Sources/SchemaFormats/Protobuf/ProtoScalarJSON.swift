import SwiftProtobuf

/// Scalars in the proto3 JSON mapping.
enum ProtoScalarJSON {
    /// Why `value` is not a JSON form of a `type` scalar; nil when it is.
    static func problem(_ value: JSONValue, _ type: Google_Protobuf_FieldDescriptorProto.TypeEnum) -> String? {
        switch type {
        case .int32, .sint32, .sfixed32: return integer(value, min: Double(Int32.min), max: Double(Int32.max), type)
        case .uint32, .fixed32: return integer(value, min: 0, max: Double(UInt32.max), type)
        case .int64, .sint64, .sfixed64:
            return integer(value, min: -9_223_372_036_854_775_808, max: 9_223_372_036_854_775_807, type)
        case .uint64, .fixed64: return integer(value, min: 0, max: 18_446_744_073_709_551_615, type)
        case .float, .double:
            switch value {
            case .number: return nil
            case .string(let text) where ["NaN", "Infinity", "-Infinity"].contains(text) || Double(text) != nil:
                return nil
            default: return "Expected a number for \(name(type)), found \(value.typeName)."
            }
        case .bool:
            if case .bool = value { return nil }
            return "Expected true or false for bool, found \(value.typeName)."
        case .string:
            if case .string = value { return nil }
            return "Expected a string, found \(value.typeName)."
        case .bytes:
            guard case .string(let text) = value else {
                return "Expected base64 text for bytes, found \(value.typeName)."
            }
            return Base64.decode(text) == nil ? "'\(text.prefix(40))' is not base64." : nil
        case .message, .group, .enum:
            return nil
        }
    }

    /// An integer as a JSON number or a decimal string, within `min...max`.
    private static func integer(
        _ value: JSONValue, min: Double, max: Double, _ type: Google_Protobuf_FieldDescriptorProto.TypeEnum
    ) -> String? {
        let number: Double
        switch value {
        case .number(let given):
            guard given.isInteger else { return "\(given.text) is not an integer (\(name(type)))." }
            number = given.double
        case .string(let text):
            guard let parsed = Double(text), parsed.rounded(.towardZero) == parsed,
                text.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "e" || $0 == "E" || $0 == "." || $0 == "+" })
            else { return "'\(text.prefix(40))' is not an integer (\(name(type)))." }
            number = parsed
        default:
            return "Expected an integer for \(name(type)), found \(value.typeName)."
        }
        guard number >= min, number <= max else { return "\(number) is out of range for \(name(type))." }
        return nil
    }

    static func name(_ type: Google_Protobuf_FieldDescriptorProto.TypeEnum) -> String {
        String(describing: type)
    }
}

/// The well-known types whose JSON form is not an object of their fields.
enum WellKnownJSON {
    enum Kind {
        case timestamp, duration, fieldMask, any, value, structure, list, wrapper(
            Google_Protobuf_FieldDescriptorProto.TypeEnum), empty
    }

    static func kind(of name: String) -> Kind? {
        switch name {
        case ".google.protobuf.Timestamp": .timestamp
        case ".google.protobuf.Duration": .duration
        case ".google.protobuf.FieldMask": .fieldMask
        case ".google.protobuf.Any": .any
        case ".google.protobuf.Value": .value
        case ".google.protobuf.Struct": .structure
        case ".google.protobuf.ListValue": .list
        case ".google.protobuf.Empty": .empty
        case ".google.protobuf.DoubleValue": .wrapper(.double)
        case ".google.protobuf.FloatValue": .wrapper(.float)
        case ".google.protobuf.Int64Value": .wrapper(.int64)
        case ".google.protobuf.UInt64Value": .wrapper(.uint64)
        case ".google.protobuf.Int32Value": .wrapper(.int32)
        case ".google.protobuf.UInt32Value": .wrapper(.uint32)
        case ".google.protobuf.BoolValue": .wrapper(.bool)
        case ".google.protobuf.StringValue": .wrapper(.string)
        case ".google.protobuf.BytesValue": .wrapper(.bytes)
        default: nil
        }
    }

    static func problem(_ value: JSONValue, kind: Kind) -> String? {
        switch kind {
        case .timestamp:
            guard case .string(let text) = value, isTimestamp(text) else {
                return "Expected an RFC 3339 timestamp string (e.g. 1972-01-01T10:00:20.021Z)."
            }
            return nil
        case .duration:
            guard case .string(let text) = value, text.hasSuffix("s"), Double(text.dropLast()) != nil else {
                return "Expected a duration string in seconds (e.g. \"1.5s\")."
            }
            return nil
        case .fieldMask:
            if case .string = value { return nil }
            return "Expected a field mask string (e.g. \"a.b,c\")."
        case .any:
            guard case .object(let object) = value, case .string? = object["@type"] else {
                return "Expected an object with an \"@type\" member for google.protobuf.Any."
            }
            return nil
        case .value: return nil
        case .structure:
            if case .object = value { return nil }
            return "Expected an object for google.protobuf.Struct."
        case .list:
            if case .array = value { return nil }
            return "Expected an array for google.protobuf.ListValue."
        case .empty:
            if case .object(let object) = value, object.isEmpty { return nil }
            return "Expected {} for google.protobuf.Empty."
        case .wrapper(let type):
            return ProtoScalarJSON.problem(value, type)
        }
    }

    /// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`.
    private static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return false }
        let digit = { (i: Int) in bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        let shape = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18].allSatisfy(digit)
        guard shape, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x74, bytes[13] == 0x3A,
            bytes[16] == 0x3A
        else { return false }
        var index = 19
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            let start = index
            while index < bytes.count, digit(index) { index += 1 }
            guard index > start, index - start <= 9 else { return false }
        }
        guard index < bytes.count else { return false }
        if bytes[index] == 0x5A || bytes[index] == 0x7A { return index == bytes.count - 1 }
        return bytes.count - index == 6 && (bytes[index] == 0x2B || bytes[index] == 0x2D)
    }
}
