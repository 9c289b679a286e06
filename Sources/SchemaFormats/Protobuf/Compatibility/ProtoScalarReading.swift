import SwiftProtobuf

/// How a reader's scalar type reads what a writer's scalar type wrote.
///
/// Confluent groups the scalars by wire encoding (`FieldSchemaDiff.ScalarKind`, after protobuf's
/// "Updating a message type"): a change between groups is `FIELD_SCALAR_KIND_CHANGED`, a change
/// inside one it accepts. Inside a group we accept only the changes that read back every value the
/// writer's type can hold unchanged; the others truncate or reinterpret values without any error,
/// and are `FIELD_SCALAR_KIND_CHANGED` here (see docs/PROTOBUF.md).
enum ProtoScalarReading {
    typealias ScalarType = Google_Protobuf_FieldDescriptorProto.TypeEnum

    /// Confluent's `ScalarKind`; enums are varints (`GENERAL_NUMBER`).
    enum Group: Equatable {
        case generalNumber, signedNumber, fixed32, fixed64, float, double, stringOrBytes
    }

    static func group(_ type: ScalarType) -> Group? {
        switch type {
        case .int32, .int64, .uint32, .uint64, .bool, .enum: return .generalNumber
        case .sint32, .sint64: return .signedNumber
        case .fixed32, .sfixed32: return .fixed32
        case .fixed64, .sfixed64: return .fixed64
        case .float: return .float
        case .double: return .double
        case .string, .bytes: return .stringOrBytes
        default: return nil
        }
    }

    /// The values a type holds: signed or not, and how many bits. An enum holds an `int32` (a
    /// proto3 reader keeps any number in an open enum field).
    private static func range(_ type: ScalarType) -> (signed: Bool, bits: Int)? {
        switch type {
        case .bool: return (false, 1)
        case .int32, .sint32, .sfixed32, .enum: return (true, 32)
        case .uint32, .fixed32: return (false, 32)
        case .int64, .sint64, .sfixed64: return (true, 64)
        case .uint64, .fixed64: return (false, 64)
        default: return nil
        }
    }

    /// Why a `reader` field does not read every value of a `writer` field of the same group
    /// unchanged, or nil when it does.
    static func loss(writer: ScalarType, reader: ScalarType) -> String? {
        if writer == reader { return nil }
        if writer == .string && reader == .bytes { return nil }
        if writer == .bytes && reader == .string {
            return "bytes that are not valid UTF-8 fail a string field's parse"
        }
        guard let from = range(writer), let to = range(reader) else {
            return "the two types encode values differently"
        }
        let fits: Bool
        switch (from.signed, to.signed) {
        case (true, false): fits = false
        case (false, true): fits = from.bits < to.bits
        default: fits = from.bits <= to.bits
        }
        if fits { return nil }
        if reader == .bool { return "every non-zero value reads as true" }
        if from.signed && !to.signed { return "negative values read as large positive ones" }
        if from.bits == to.bits { return "values above \(name(reader))'s maximum read as negative ones" }
        return "values outside \(name(reader))'s range are truncated"
    }

    static func name(_ type: ScalarType) -> String {
        switch type {
        case .double: return "double"
        case .float: return "float"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .int32: return "int32"
        case .fixed64: return "fixed64"
        case .fixed32: return "fixed32"
        case .bool: return "bool"
        case .string: return "string"
        case .group: return "group"
        case .message: return "message"
        case .bytes: return "bytes"
        case .uint32: return "uint32"
        case .enum: return "enum"
        case .sfixed32: return "sfixed32"
        case .sfixed64: return "sfixed64"
        case .sint32: return "sint32"
        case .sint64: return "sint64"
        default: return "type \(type.rawValue)"
        }
    }
}
