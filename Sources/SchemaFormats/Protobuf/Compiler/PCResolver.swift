import SwiftProtobuf

/// Qualifies type names as protoc does: a name is looked up from the innermost scope outward
/// (the message it is used in, its parents, the package and its parents, the root); a leading
/// dot means fully qualified. Named field types get `TYPE_MESSAGE` or `TYPE_ENUM`. Also the
/// table of every visible definition the later passes (defaults, custom options) look into.
struct PCResolver {
    enum Symbol { case message, enumeration, package, `extension`, other }

    private(set) var symbols: [String: Symbol] = [:]
    private(set) var messages: [String: Google_Protobuf_DescriptorProto] = [:]
    private(set) var enums: [String: Google_Protobuf_EnumDescriptorProto] = [:]
    private(set) var extensions: [String: Google_Protobuf_FieldDescriptorProto] = [:]
    /// Enums declared in proto2 files (closed enums, which proto3 messages cannot use).
    private(set) var closedEnums: Set<String> = []
    private var source: PCSourceMap
    private let proto3: Bool

    /// The same symbols, reporting errors in another text (see ``ProtoFileCompiler/recompile``).
    func reporting(to source: PCSourceMap) -> PCResolver {
        var copy = self
        copy.source = source
        return copy
    }

    init(
        file descriptor: Google_Protobuf_FileDescriptorProto, visible: [Google_Protobuf_FileDescriptorProto],
        source: PCSourceMap
    ) {
        self.source = source
        proto3 = descriptor.syntax == "proto3"
        for each in [descriptor] + visible { add(each) }
    }

    /// Adds a file's definitions; `again` (after resolution): the same file's resolved
    /// definitions replace the ones added before, whose symbols are known already.
    mutating func add(_ file: Google_Protobuf_FileDescriptorProto, again: Bool = false) {
        var scope = ""
        for part in file.package.split(separator: ".") {
            scope += "." + part
            if symbols[scope] == nil { symbols[scope] = .package }
        }
        addTypes(
            file.messageType, file.enumType, file.extension, scope: scope, closed: file.syntax != "proto3",
            members: !again)
        for service in file.service {
            symbols[scope + "." + service.name] = .other
        }
    }

    /// Adds `symbol` unless `name` has one, with a single lookup (this runs for every field).
    private mutating func insertIfAbsent(_ name: String, _ symbol: Symbol) {
        func keep(_ existing: inout Symbol) {}
        keep(&symbols[name, default: symbol])
    }

    /// `members`: also the symbols of fields and enum values (which only shadow names).
    private mutating func addTypes(
        _ messageTypes: [Google_Protobuf_DescriptorProto], _ enumTypes: [Google_Protobuf_EnumDescriptorProto],
        _ extensionFields: [Google_Protobuf_FieldDescriptorProto], scope: String, closed: Bool, members: Bool
    ) {
        for enumeration in enumTypes {
            let name = scope + "." + enumeration.name
            symbols[name] = .enumeration
            enums[name] = enumeration
            if closed { closedEnums.insert(name) }
            // C++ scoping: enum values are siblings of their enum.
            for value in enumeration.value where members { insertIfAbsent(scope + "." + value.name, .other) }
        }
        for field in extensionFields {
            symbols[scope + "." + field.name] = .extension
            extensions[scope + "." + field.name] = field
        }
        for message in messageTypes {
            let name = scope + "." + message.name
            symbols[name] = .message
            messages[name] = message
            if members {
                let prefix = name + "."
                let fields = message.field
                for index in fields.indices { insertIfAbsent(prefix + fields[index].name, .other) }
            }
            addTypes(
                message.nestedType, message.enumType, message.extension, scope: name, closed: closed, members: members)
        }
    }

    /// The fully qualified name `name` means in `scope` (e.g. `.pkg.Outer`), or nil.
    func find(_ name: String, in scope: String, accepting: (Symbol) -> Bool) -> (String, Symbol)? {
        if name.hasPrefix(".") {
            guard let symbol = symbols[name], accepting(symbol) else { return nil }
            return (name, symbol)
        }
        // protoc looks the first component up innermost-out, then the rest inside it.
        let first = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        var candidate = scope
        while true {
            if let firstSymbol = symbols[candidate + "." + first] {
                let full = candidate + "." + name
                if first == name {
                    if accepting(firstSymbol) { return (full, firstSymbol) }
                } else if firstSymbol != .other, firstSymbol != .extension {
                    guard let symbol = symbols[full], accepting(symbol) else { return nil }
                    return (full, symbol)
                }
            }
            guard let dot = candidate.lastIndex(of: ".") else { return nil }
            candidate = String(candidate[..<dot])
        }
    }

    func lookupType(_ name: String, in scope: String, key: String) throws(ProtoSourceError) -> (String, Symbol) {
        if let found = find(name, in: scope, accepting: { $0 == .message || $0 == .enumeration }) { return found }
        if find(name, in: scope, accepting: { _ in true }) != nil {
            throw source.error(key, "\"\(name)\" is not a type")
        }
        throw source.error(key, "\"\(name)\" is not defined")
    }

    mutating func resolve(_ file: inout Google_Protobuf_FileDescriptorProto) throws(ProtoSourceError) {
        let scope = file.package.isEmpty ? "" : "." + file.package
        var messages = file.messageType
        for index in messages.indices { try resolve(&messages[index], scope: scope, path: "") }
        file.messageType = messages
        var extensions = file.extension
        for index in extensions.indices { try resolveExtension(&extensions[index], scope: scope, path: "") }
        file.extension = extensions
        var services = file.service
        for service in services.indices {
            var methods = services[service].method
            for method in methods.indices {
                let key = "method:\(services[service].name).\(methods[method].name)"
                for input in [true, false] {
                    let name = input ? methods[method].inputType : methods[method].outputType
                    let where_ = (input ? "input:" : "output:") + key
                    if PCParser.scalarTypes[name] != nil { throw source.error(where_, "expected a message type") }
                    let (full, kind) = try lookupType(name, in: scope, key: where_)
                    guard kind == .message else { throw source.error(where_, "\"\(name)\" is not a message type") }
                    if input { methods[method].inputType = full } else { methods[method].outputType = full }
                }
            }
            services[service].method = methods
        }
        file.service = services
    }

    /// Arrays are copied out, changed and put back once: changing an element through a
    /// descriptor's storage-backed property would copy the whole array per element.
    private mutating func resolve(_ message: inout Google_Protobuf_DescriptorProto, scope: String, path: String)
        throws(ProtoSourceError)
    {
        let inner = scope + "." + message.name
        let innerPath = path.isEmpty ? message.name : path + "." + message.name
        var fields = message.field
        for index in fields.indices { try resolveField(&fields[index], scope: inner, path: innerPath) }
        message.field = fields
        var extensions = message.extension
        for index in extensions.indices { try resolveExtension(&extensions[index], scope: inner, path: innerPath) }
        message.extension = extensions
        var nested = message.nestedType
        for index in nested.indices { try resolve(&nested[index], scope: inner, path: innerPath) }
        message.nestedType = nested
    }

    private func resolveField(_ field: inout Google_Protobuf_FieldDescriptorProto, scope: String, path: String)
        throws(ProtoSourceError)
    {
        guard !field.typeName.isEmpty else { return }
        let key = "field:\(path).\(field.name)"
        let (name, symbol) = try lookupType(field.typeName, in: scope, key: "type:" + key)
        field.typeName = name
        if field.type == .group {
            guard symbol == .message else { throw source.error(key, "\"\(name)\" is not a message type") }
            return
        }
        field.type = symbol == .enumeration ? .enum : .message
        if proto3, field.type == .enum, closedEnums.contains(name), field.extendee.isEmpty {
            throw source.error(
                "type:" + key,
                "enum type \"\(name.dropFirst())\" is not a proto3 enum, but is used in a proto3 message")
        }
    }

    private func resolveExtension(_ field: inout Google_Protobuf_FieldDescriptorProto, scope: String, path: String)
        throws(ProtoSourceError)
    {
        let key = "field:" + (path.isEmpty ? field.name : path + "." + field.name)
        let (extendee, symbol) = try lookupType(field.extendee, in: scope, key: "extendee:" + key)
        guard symbol == .message else {
            throw source.error("extendee:" + key, "\"\(field.extendee)\" is not a message type")
        }
        field.extendee = extendee
        try resolveField(&field, scope: scope, path: path)
    }
}
