import SwiftProtobuf

/// Qualifies type names as protoc does: a name is looked up from the innermost scope outward
/// (the message it is used in, its parents, the package and its parents, the root); a leading
/// dot means fully qualified. Named field types get `TYPE_MESSAGE` or `TYPE_ENUM`.
struct ProtoResolver {
    enum Symbol { case message, enumeration, package }

    private var symbols: [String: Symbol] = [:]
    private let file: String

    init(file descriptor: Google_Protobuf_FileDescriptorProto, visible: [Google_Protobuf_FileDescriptorProto]) {
        file = descriptor.name
        for each in [descriptor] + visible { add(each) }
    }

    private mutating func add(_ file: Google_Protobuf_FileDescriptorProto) {
        var scope = ""
        for part in file.package.split(separator: ".") {
            scope += "." + part
            if symbols[scope] == nil { symbols[scope] = .package }
        }
        addTypes(file.messageType, file.enumType, scope: scope)
    }

    private mutating func addTypes(
        _ messages: [Google_Protobuf_DescriptorProto], _ enums: [Google_Protobuf_EnumDescriptorProto], scope: String
    ) {
        for enumeration in enums { symbols[scope + "." + enumeration.name] = .enumeration }
        for message in messages {
            symbols[scope + "." + message.name] = .message
            addTypes(message.nestedType, message.enumType, scope: scope + "." + message.name)
        }
    }

    private func error(_ message: String) -> ProtoSourceError {
        ProtoSourceError(file: file, line: 0, column: 0, message: message)
    }

    /// The fully qualified name `name` means in `scope` (e.g. `.pkg.Outer`).
    func lookup(_ name: String, in scope: String, used: String) throws(ProtoSourceError) -> (String, Symbol) {
        if name.hasPrefix(".") {
            guard let symbol = symbols[name], symbol != .package else {
                throw error("\"\(name)\" is not defined (\(used))")
            }
            return (name, symbol)
        }
        var candidate = scope
        while true {
            let full = candidate + "." + name
            if let symbol = symbols[full], symbol != .package { return (full, symbol) }
            guard let dot = candidate.lastIndex(of: ".") else { break }
            candidate = String(candidate[..<dot])
        }
        throw error("\"\(name)\" is not defined (\(used))")
    }

    mutating func resolve(_ file: inout Google_Protobuf_FileDescriptorProto) throws(ProtoSourceError) {
        let scope = file.package.isEmpty ? "" : "." + file.package
        var messages = file.messageType
        for index in messages.indices { try resolve(&messages[index], scope: scope) }
        file.messageType = messages
        var extensions = file.extension
        for index in extensions.indices { try resolveExtension(&extensions[index], scope: scope) }
        file.extension = extensions
        for service in file.service.indices {
            for method in file.service[service].method.indices {
                let name = file.service[service].name + "." + file.service[service].method[method].name
                let (input, inputKind) = try lookup(
                    file.service[service].method[method].inputType, in: scope, used: "request of \(name)")
                let (output, outputKind) = try lookup(
                    file.service[service].method[method].outputType, in: scope, used: "response of \(name)")
                guard inputKind == .message, outputKind == .message else {
                    throw error("\(name): request and response types must be messages")
                }
                file.service[service].method[method].inputType = input
                file.service[service].method[method].outputType = output
            }
        }
    }

    /// Arrays are copied out, changed and put back once: changing an element through a
    /// descriptor's storage-backed property would copy the whole array per element.
    private mutating func resolve(_ message: inout Google_Protobuf_DescriptorProto, scope: String)
        throws(ProtoSourceError)
    {
        let inner = scope + "." + message.name
        var fields = message.field
        for index in fields.indices { try resolveField(&fields[index], scope: inner, owner: message.name) }
        message.field = fields
        var extensions = message.extension
        for index in extensions.indices { try resolveExtension(&extensions[index], scope: inner) }
        message.extension = extensions
        var nested = message.nestedType
        for index in nested.indices { try resolve(&nested[index], scope: inner) }
        message.nestedType = nested
    }

    private func resolveField(_ field: inout Google_Protobuf_FieldDescriptorProto, scope: String, owner: String)
        throws(ProtoSourceError)
    {
        guard !field.hasType || field.type == .message, !field.typeName.isEmpty else { return }
        let (name, symbol) = try lookup(field.typeName, in: scope, used: "type of \(owner).\(field.name)")
        field.typeName = name
        field.type = symbol == .enumeration ? .enum : .message
        if field.type == .message, field.hasDefaultValue {
            throw error("\(owner).\(field.name): messages can't have default values")
        }
    }

    private func resolveExtension(_ field: inout Google_Protobuf_FieldDescriptorProto, scope: String)
        throws(ProtoSourceError)
    {
        let (extendee, symbol) = try lookup(field.extendee, in: scope, used: "extendee of \(field.name)")
        guard symbol == .message else { throw error("\"\(field.extendee)\" is not a message type") }
        field.extendee = extendee
        try resolveField(&field, scope: scope, owner: extendee)
    }
}
