import SwiftProtobuf

/// The field numbers and scalar type names of the language.
extension PCParser {
    static let maxFieldNumber: Int64 = 536_870_911

    static let scalarTypes: [String: Google_Protobuf_FieldDescriptorProto.TypeEnum] = [
        "double": .double, "float": .float, "int64": .int64, "uint64": .uint64, "int32": .int32,
        "fixed64": .fixed64, "fixed32": .fixed32, "bool": .bool, "string": .string, "bytes": .bytes,
        "uint32": .uint32, "sfixed32": .sfixed32, "sfixed64": .sfixed64, "sint32": .sint32, "sint64": .sint64,
    ]
}
