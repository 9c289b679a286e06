import SwiftProtobuf

/// Every message and enum a compiled schema can name, its own file's and its imports', by fully
/// qualified name without the leading dot: what a field's resolved `type_name` points to.
struct ProtoTypeIndex {
    struct Message {
        var descriptor: Google_Protobuf_DescriptorProto
        /// `shop.Order.Line`
        var fullName: String
        /// The name inside its package (`Order.Line`): what Confluent compares named types by.
        var localName: String
        /// Defined in the schema's own file (not in an import).
        var isLocal: Bool
    }

    struct Enum {
        var descriptor: Google_Protobuf_EnumDescriptorProto
        var fullName: String
        var localName: String
        var isLocal: Bool
        /// A proto2 enum: a reader keeps a number it does not know out of the field (as an
        /// unknown field), so the field reads as its default.
        var isClosed: Bool
    }

    let file: Google_Protobuf_FileDescriptorProto
    private(set) var messages: [String: Message] = [:]
    private(set) var enums: [String: Enum] = [:]

    init(_ compiled: CompiledProtoFile) {
        file = compiled.file
        for dependency in compiled.dependencies.values { add(dependency, isLocal: false) }
        add(compiled.file, isLocal: true)
    }

    /// The message a field's `type_name` (`.shop.Order`) names.
    func message(named typeName: String) -> Message? { messages[Self.strip(typeName)] }

    func enumType(named typeName: String) -> Enum? { enums[Self.strip(typeName)] }

    /// Whether the field's type is a map entry (`map<K, V>` is a repeated synthesised entry).
    func mapEntry(of field: Google_Protobuf_FieldDescriptorProto) -> Google_Protobuf_DescriptorProto? {
        guard field.type == .message, field.label == .repeated, let entry = message(named: field.typeName),
            entry.descriptor.options.mapEntry
        else { return nil }
        return entry.descriptor
    }

    static func strip(_ typeName: String) -> String {
        typeName.hasPrefix(".") ? String(typeName.dropFirst()) : typeName
    }

    static func isProto3(_ file: Google_Protobuf_FileDescriptorProto) -> Bool { file.syntax == "proto3" }

    private mutating func add(_ file: Google_Protobuf_FileDescriptorProto, isLocal: Bool) {
        let closed = file.syntax.isEmpty || file.syntax == "proto2"
        func qualified(_ local: String) -> String { file.package.isEmpty ? local : file.package + "." + local }
        func addEnums(_ list: [Google_Protobuf_EnumDescriptorProto], scope: String) {
            for item in list {
                let local = scope.isEmpty ? item.name : scope + "." + item.name
                enums[qualified(local)] = Enum(
                    descriptor: item, fullName: qualified(local), localName: local, isLocal: isLocal, isClosed: closed)
            }
        }
        func addMessages(_ list: [Google_Protobuf_DescriptorProto], scope: String) {
            for item in list {
                let local = scope.isEmpty ? item.name : scope + "." + item.name
                messages[qualified(local)] = Message(
                    descriptor: item, fullName: qualified(local), localName: local, isLocal: isLocal)
                addMessages(item.nestedType, scope: local)
                addEnums(item.enumType, scope: local)
            }
        }
        addMessages(file.messageType, scope: "")
        addEnums(file.enumType, scope: "")
    }
}
