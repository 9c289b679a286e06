import SchemaRegistryCore
import SwiftProtobuf

/// Validates a binary protobuf payload against a message of a compiled `.proto` file, as a
/// parser generated from the schema would read it: every tag well formed, each known field's
/// wire type one its type may be written with (repeated scalars packed or not), nested messages
/// and groups valid recursively, proto3 strings valid UTF-8, nothing truncated. Fields the
/// schema does not know are skipped, as protobuf readers keep them as unknown fields.
struct ProtoBinaryValidator {
    private let plan: ProtoWirePlan
    private let tables: ProtoWirePlan.Tables
    private var errors: [PayloadError] = []
    /// The fields (name indexes) leading to the message being read: its path, built only for an error.
    private var trail: [Int32] = []

    static func validate(payload: ArraySlice<UInt8>, file: CompiledProtoFile, messageIndexes: [Int])
        -> [PayloadError]
    {
        let plan = file.wirePlan.plan(for: file)
        guard let index = plan.index(at: messageIndexes) else {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: "",
                    message: "The schema has no message at index \(messageIndexes).")
            ]
        }
        return plan.withTables { tables in
            var validator = ProtoBinaryValidator(plan: plan, tables: tables)
            payload.withUnsafeBufferPointer { bytes in
                var reader = WireReader(bytes: bytes, position: 0, end: bytes.count)
                validator.readMessage(&reader, index, depth: 0, endGroup: nil)
            }
            return validator.errors
        }
    }

    private init(plan: ProtoWirePlan, tables: ProtoWirePlan.Tables) {
        self.plan = plan
        self.tables = tables
    }

    private mutating func fail(_ path: String, _ schema: String, _ message: String) {
        if errors.count < 100 {
            errors.append(PayloadError(instanceLocation: path, schemaLocation: schema, message: message))
        }
    }

    /// Where the reader is: `/field/field` (and `extra`, e.g. the field being read).
    private func path(_ extra: String = "") -> String {
        trail.map { "/" + plan.names[Int($0)] }.joined() + extra
    }

    private func messageName(_ index: Int) -> String {
        index < 0 ? "(unknown)" : plan.names[Int(plan.messages[index].name)]
    }

    /// Reads fields of message `index` (of the plan; -1: one the schema does not describe) until
    /// the end of `reader` (or the group's end tag); false when it stopped on an error. Paths are
    /// only built for errors and for the messages nested in this one.
    @discardableResult
    private mutating func readMessage(
        _ reader: inout WireReader, _ index: Int, depth: Int, endGroup: UInt64?
    ) -> Bool {
        guard depth < 100 else {
            fail(path(), messageName(index), "Nesting deeper than 100 messages.")
            return false
        }
        let isProto3 = index >= 0 && tables.messages[index].isProto3
        while !reader.isAtEnd {
            guard let tag = reader.varint(), tag >> 3 > 0, tag >> 3 <= 536_870_911 else {
                fail(path(), messageName(index), "Malformed tag at byte \(reader.position).")
                return false
            }
            let number = Int32(tag >> 3)
            let wireType = tag & 7
            if wireType == 4 {
                guard let endGroup, number == Int32(endGroup) else {
                    fail(path(), messageName(index), "Unexpected end-group tag for field \(number).")
                    return false
                }
                return true
            }
            guard index >= 0, let field = tables.field(index, number) else {
                guard reader.skip(wireType: wireType, fieldNumber: number) else {
                    fail(path("/\(number)"), messageName(index), "Malformed or truncated unknown field \(number).")
                    return false
                }
                continue
            }
            guard
                value(
                    &reader, field: field, wireType: wireType, message: index, depth: depth,
                    isProto3: isProto3)
            else { return false }
        }
        if let endGroup {
            fail(path(), messageName(index), "Group \(endGroup) is not closed.")
            return false
        }
        return true
    }

    private mutating func value(
        _ reader: inout WireReader, field: ProtoWirePlan.Field, wireType: UInt64, message: Int, depth: Int,
        isProto3: Bool
    ) -> Bool {
        var name: String { plan.names[Int(field.name)] }
        var path: String { self.path("/" + name) }
        var schema: String { messageName(message) + "/" + name }
        let expected = UInt64(field.wireType)
        if field.isRepeated, wireType == 2, expected != 2 {
            // Packed repeated scalars: a run of values of the scalar's own wire type.
            guard var packed = reader.lengthDelimited() else {
                fail(path, schema, "Truncated packed field '\(name)'.")
                return false
            }
            while !packed.isAtEnd {
                guard packed.skip(wireType: expected, fieldNumber: field.number) else {
                    fail(path, schema, "Malformed packed values in '\(name)'.")
                    return false
                }
            }
            return true
        }
        guard wireType == expected else {
            fail(
                path, schema,
                "Field '\(name)' (\(ProtoScalarJSON.name(field.type))) written with wire type \(wireType).")
            return false
        }
        switch field.kind {
        case .message:
            guard var nested = reader.lengthDelimited() else {
                fail(path, schema, "Truncated message field '\(name)'.")
                return false
            }
            trail.append(field.name)
            defer { trail.removeLast() }
            return readMessage(&nested, Int(field.message), depth: depth + 1, endGroup: nil)
        case .group:
            trail.append(field.name)
            defer { trail.removeLast() }
            return readMessage(&reader, Int(field.message), depth: depth + 1, endGroup: UInt64(field.number))
        case .string:
            guard let bytes = reader.lengthDelimited() else {
                fail(path, schema, "Truncated string field '\(name)'.")
                return false
            }
            if isProto3, !bytes.isValidUTF8 {
                fail(path, schema, "Field '\(name)' is not valid UTF-8 (proto3 strings must be).")
            }
            return true
        case .scalar:
            guard reader.skip(wireType: wireType, fieldNumber: field.number) else {
                fail(path, schema, "Truncated value of field '\(name)'.")
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
