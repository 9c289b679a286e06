import SchemaRegistryCore
import SwiftProtobuf

/// Validates a binary protobuf payload against a message of a compiled `.proto` file, as a
/// parser generated from the schema would read it: every tag well formed, each known field's
/// wire type one its type may be written with (repeated scalars packed or not), nested messages
/// and groups valid recursively, proto3 strings valid UTF-8, nothing truncated. Fields the
/// schema does not know are skipped, as protobuf readers keep them as unknown fields.
struct ProtoBinaryValidator {
    private let types: [String: Google_Protobuf_DescriptorProto]
    private let proto3Files: Set<String>
    private var errors: [PayloadError] = []

    static func validate(payload: [UInt8], file: CompiledProtoFile, messageIndexes: [Int]) -> [PayloadError] {
        guard let (name, _) = ProtoJSONValidator.message(at: messageIndexes, in: file.file) else {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: "",
                    message: "The schema has no message at index \(messageIndexes).")
            ]
        }
        var validator = ProtoBinaryValidator(file: file)
        var reader = WireReader(bytes: payload[...])
        validator.message(&reader, name: name, path: "", depth: 0, endGroup: nil)
        return validator.errors
    }

    private init(file: CompiledProtoFile) {
        var types: [String: Google_Protobuf_DescriptorProto] = [:]
        var proto3: Set<String> = []
        func collect(_ messages: [Google_Protobuf_DescriptorProto], scope: String, isProto3: Bool) {
            for message in messages {
                let name = scope + "." + message.name
                types[name] = message
                if isProto3 { proto3.insert(name) }
                collect(message.nestedType, scope: name, isProto3: isProto3)
            }
        }
        for descriptor in [file.file] + Array(file.dependencies.values) {
            collect(
                descriptor.messageType, scope: descriptor.package.isEmpty ? "" : "." + descriptor.package,
                isProto3: descriptor.syntax == "proto3")
        }
        self.types = types
        self.proto3Files = proto3
    }

    private mutating func fail(_ path: String, _ schema: String, _ message: String) {
        if errors.count < 100 {
            errors.append(PayloadError(instanceLocation: path, schemaLocation: schema, message: message))
        }
    }

    /// Reads fields until the end of `reader` (or the group's end tag); false when it stopped on an error.
    @discardableResult
    private mutating func message(_ reader: inout WireReader, name: String, path: String, depth: Int, endGroup: UInt64?)
        -> Bool
    {
        guard depth < 100 else {
            fail(path, name, "Nesting deeper than 100 messages.")
            return false
        }
        let descriptor = types[name]
        while !reader.isAtEnd {
            guard let tag = reader.varint(), tag >> 3 > 0, tag >> 3 <= 536_870_911 else {
                fail(path, name, "Malformed tag at byte \(reader.offset).")
                return false
            }
            let number = Int32(tag >> 3)
            let wireType = tag & 7
            if wireType == 4 {
                guard let endGroup, number == Int32(endGroup) else {
                    fail(path, name, "Unexpected end-group tag for field \(number).")
                    return false
                }
                return true
            }
            guard let field = descriptor?.field.first(where: { $0.number == number }) else {
                guard reader.skip(wireType: wireType, fieldNumber: number) else {
                    fail(path + "/\(number)", name, "Malformed or truncated unknown field \(number).")
                    return false
                }
                continue
            }
            let here = path + "/" + field.name
            let schema = name + "/" + field.name
            guard value(&reader, field: field, wireType: wireType, path: here, schema: schema, depth: depth, in: name)
            else { return false }
        }
        if let endGroup {
            fail(path, name, "Group \(endGroup) is not closed.")
            return false
        }
        return true
    }

    private mutating func value(
        _ reader: inout WireReader, field: Google_Protobuf_FieldDescriptorProto, wireType: UInt64, path: String,
        schema: String, depth: Int, in messageName: String
    ) -> Bool {
        let expected = Self.wireType(field.type)
        if field.label == .repeated, wireType == 2, expected != 2 {
            // Packed repeated scalars: a run of values of the scalar's own wire type.
            guard let bytes = reader.lengthDelimited() else {
                fail(path, schema, "Truncated packed field '\(field.name)'.")
                return false
            }
            var packed = WireReader(bytes: bytes)
            while !packed.isAtEnd {
                guard packed.skip(wireType: expected, fieldNumber: field.number) else {
                    fail(path, schema, "Malformed packed values in '\(field.name)'.")
                    return false
                }
            }
            return true
        }
        guard wireType == expected else {
            fail(
                path, schema,
                "Field '\(field.name)' (\(ProtoScalarJSON.name(field.type))) written with wire type \(wireType).")
            return false
        }
        switch field.type {
        case .message:
            guard let bytes = reader.lengthDelimited() else {
                fail(path, schema, "Truncated message field '\(field.name)'.")
                return false
            }
            var nested = WireReader(bytes: bytes)
            return message(&nested, name: field.typeName, path: path, depth: depth + 1, endGroup: nil)
        case .group:
            return message(&reader, name: field.typeName, path: path, depth: depth + 1, endGroup: UInt64(field.number))
        case .string:
            guard let bytes = reader.lengthDelimited() else {
                fail(path, schema, "Truncated string field '\(field.name)'.")
                return false
            }
            if proto3Files.contains(messageName), String(validating: bytes, as: UTF8.self) == nil {
                fail(path, schema, "Field '\(field.name)' is not valid UTF-8 (proto3 strings must be).")
            }
            return true
        default:
            guard reader.skip(wireType: wireType, fieldNumber: field.number) else {
                fail(path, schema, "Truncated value of field '\(field.name)'.")
                return false
            }
            return true
        }
    }

    static func wireType(_ type: Google_Protobuf_FieldDescriptorProto.TypeEnum) -> UInt64 {
        switch type {
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64, .bool, .enum: 0
        case .fixed64, .sfixed64, .double: 1
        case .string, .bytes, .message: 2
        case .group: 3
        case .fixed32, .sfixed32, .float: 5
        }
    }
}

/// Reads the protobuf wire format from a byte slice; nil/false when truncated or malformed.
struct WireReader {
    var bytes: ArraySlice<UInt8>

    var isAtEnd: Bool { bytes.isEmpty }
    var offset: Int { bytes.startIndex }

    mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            guard shift < 64 else { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    mutating func lengthDelimited() -> ArraySlice<UInt8>? {
        guard let length = varint(), length <= UInt64(bytes.count) else { return nil }
        let value = bytes.prefix(Int(length))
        bytes = bytes.dropFirst(Int(length))
        return value
    }

    mutating func skip(wireType: UInt64, fieldNumber: Int32) -> Bool {
        switch wireType {
        case 0: return varint() != nil
        case 1, 5:
            let size = wireType == 1 ? 8 : 4
            guard bytes.count >= size else { return false }
            bytes = bytes.dropFirst(size)
            return true
        case 2: return lengthDelimited() != nil
        case 3:
            // An unknown group: skip fields until its end tag.
            var depth = 0
            while let tag = varint() {
                let type = tag & 7
                if type == 4 {
                    if depth == 0 { return Int32(truncatingIfNeeded: tag >> 3) == fieldNumber }
                    depth -= 1
                } else if type == 3 {
                    depth += 1
                    guard depth < 100 else { return false }
                } else if !skip(wireType: type, fieldNumber: 0) {
                    return false
                }
            }
            return false
        default: return false
        }
    }
}
