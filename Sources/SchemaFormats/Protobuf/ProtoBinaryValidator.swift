import SchemaRegistryCore
import SwiftProtobuf

/// Validates a binary protobuf payload against a message of a compiled `.proto` file, as a
/// parser generated from the schema would read it: every tag well formed, each known field's
/// wire type one its type may be written with (repeated scalars packed or not), nested messages
/// and groups valid recursively, proto3 strings valid UTF-8, nothing truncated. Fields the
/// schema does not know are skipped, as protobuf readers keep them as unknown fields.
///
/// Why it is shaped this way: a Kafka deployment validates every record, so the valid path is
/// one loop over the bytes that reads the plan through pointers (``ProtoWirePlanStorage``) and
/// allocates nothing; names, paths and error texts are only built when something is wrong.
struct ProtoBinaryValidator {
    /// Messages nested deeper than this are refused (protobuf's own parsers stop at 100).
    static let maxDepth = 100

    private let storage: ProtoWirePlanStorage
    private let tables: ProtoWirePlanStorage.Tables
    private var errors: [PayloadError] = []
    /// `trail[d]`: the name index of the field holding the message read at depth `d + 1`, so the
    /// path of a message at depth `d` is `trail[0..<d]` (read only to build an error).
    private let trail: UnsafeMutablePointer<Int32>

    static func validate(payload: ArraySlice<UInt8>, file: CompiledProtoFile, messageIndexes: [Int])
        -> [PayloadError]
    {
        let storage = file.wirePlan.storage(for: file)
        guard let index = storage.plan.index(at: messageIndexes) else {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: "",
                    message: "The schema has no message at index \(messageIndexes).")
            ]
        }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: maxDepth + 1) { trail in
            var validator = ProtoBinaryValidator(storage: storage, trail: trail.baseAddress!)
            payload.withUnsafeBufferPointer { bytes in
                var reader = WireReader(bytes: bytes, position: 0, end: bytes.count)
                validator.readMessage(&reader, index, depth: 0, endGroup: 0)
            }
            return validator.errors
        }
    }

    private init(storage: ProtoWirePlanStorage, trail: UnsafeMutablePointer<Int32>) {
        self.storage = storage
        self.tables = storage.tables
        self.trail = trail
    }

    /// Reads fields of message `index` (of the plan; -1: one the schema does not describe) until
    /// the end of `reader`, or until the end tag of group `endGroup` (0: not a group); false when
    /// it stopped on an error.
    @discardableResult
    private mutating func readMessage(
        _ reader: inout WireReader, _ index: Int, depth: Int, endGroup: Int32
    ) -> Bool {
        guard depth < Self.maxDepth else {
            return fail(depth, index, nil, "Nesting deeper than \(Self.maxDepth) messages.")
        }
        let isProto3 = index >= 0 && tables.messages[index].isProto3
        while !reader.isAtEnd {
            guard let tag = reader.varint(), tag >> 3 > 0, tag >> 3 <= 536_870_911 else {
                return fail(depth, index, nil, "Malformed tag at byte \(reader.position).")
            }
            let number = Int32(truncatingIfNeeded: tag >> 3)
            let wireType = UInt8(truncatingIfNeeded: tag & 7)
            if wireType == 4 {
                guard endGroup != 0, number == endGroup else {
                    return fail(depth, index, nil, "Unexpected end-group tag for field \(number).")
                }
                return true
            }
            let at = index >= 0 ? storage.field(index, number) : -1
            guard at >= 0 else {
                guard reader.skip(wireType: UInt64(wireType), fieldNumber: number) else {
                    return fail(
                        depth, index, nil, "Malformed or truncated unknown field \(number).", extra: "/\(number)")
                }
                continue
            }
            let field = tables.fields[Int(at)]
            guard wireType == field.wireType else {
                guard field.isRepeated, wireType == 2 else {
                    return fail(
                        depth, index, field,
                        "Field '\(name(field))' (\(ProtoScalarJSON.name(field.type))) written with wire type \(wireType)."
                    )
                }
                // Packed repeated scalars: a run of values of the scalar's own wire type.
                guard var packed = reader.lengthDelimited() else {
                    return fail(depth, index, field, "Truncated packed field '\(name(field))'.")
                }
                while !packed.isAtEnd {
                    guard packed.skipScalar(wireType: field.wireType) else {
                        return fail(depth, index, field, "Malformed packed values in '\(name(field))'.")
                    }
                }
                continue
            }
            switch field.kind {
            case .scalar:
                guard reader.skipScalar(wireType: wireType) else {
                    return fail(depth, index, field, "Truncated value of field '\(name(field))'.")
                }
            case .string:
                guard let bytes = reader.lengthDelimited() else {
                    return fail(depth, index, field, "Truncated string field '\(name(field))'.")
                }
                if isProto3, !bytes.isValidUTF8 {
                    _ = fail(depth, index, field, "Field '\(name(field))' is not valid UTF-8 (proto3 strings must be).")
                }
            case .message:
                guard var nested = reader.lengthDelimited() else {
                    return fail(depth, index, field, "Truncated message field '\(name(field))'.")
                }
                trail[depth] = field.name
                guard readMessage(&nested, Int(field.message), depth: depth + 1, endGroup: 0) else { return false }
            case .group:
                trail[depth] = field.name
                guard readMessage(&reader, Int(field.message), depth: depth + 1, endGroup: field.number) else {
                    return false
                }
            }
        }
        guard endGroup == 0 else {
            return fail(depth, index, nil, "Group \(endGroup) is not closed.")
        }
        return true
    }

    // MARK: Errors (cold: only built when a payload is wrong)

    /// Records an error of the message at `depth` (and of `field`, when given); always false, so
    /// callers can `return fail(...)`.
    @inline(never)
    private mutating func fail(
        _ depth: Int, _ message: Int, _ field: ProtoWirePlan.Field?, _ text: String, extra: String = ""
    ) -> Bool {
        guard errors.count < 100 else { return false }
        let names = storage.plan.names
        var path = (0..<depth).map { "/" + names[Int(trail[$0])] }.joined()
        var schema = message < 0 ? "(unknown)" : names[Int(storage.plan.messages[message].name)]
        if let field {
            path += "/" + names[Int(field.name)]
            schema += "/" + names[Int(field.name)]
        }
        errors.append(PayloadError(instanceLocation: path + extra, schemaLocation: schema, message: text))
        return false
    }

    private func name(_ field: ProtoWirePlan.Field) -> String { storage.plan.names[Int(field.name)] }

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
