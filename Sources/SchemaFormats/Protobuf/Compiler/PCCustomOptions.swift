import Foundation
import SwiftProtobuf

/// Custom options interpreted as protoc does for a descriptor set: each `option (ext)... = v`
/// becomes one field, in source order, in the options message's unknown fields (an aggregate
/// `{ ... }` value is one message, its fields by number).
struct PCCustomOptions {
    typealias Field = Google_Protobuf_FieldDescriptorProto
    let resolver: PCResolver
    let source: PCSourceMap
    let pending: [String: [PCCustomOption]]
    private var package = ""

    init(resolver: PCResolver, source: PCSourceMap, pending: [String: [PCCustomOption]]) {
        self.resolver = resolver
        self.source = source
        self.pending = pending
    }

    mutating func interpret(_ file: inout Google_Protobuf_FileDescriptorProto) throws(ProtoSourceError) {
        guard !pending.isEmpty else { return }
        package = file.package.isEmpty ? "" : "." + file.package
        try apply("file", scope: package, &file, \.options)
        var messages = file.messageType
        for index in messages.indices { try walk(&messages[index], path: "") }
        file.messageType = messages
        var extensions = file.extension
        for index in extensions.indices {
            try apply("field:" + extensions[index].name, scope: package, &extensions[index], \.options)
        }
        file.extension = extensions
        var enums = file.enumType
        for index in enums.indices { try walk(&enums[index], path: "") }
        file.enumType = enums
        var services = file.service
        for index in services.indices {
            let name = services[index].name
            try apply("service:" + name, scope: package, &services[index], \.options)
            var methods = services[index].method
            for method in methods.indices {
                try apply(
                    "method:\(name).\(methods[method].name)", scope: package + "." + name,
                    &methods[method], \.options)
            }
            services[index].method = methods
        }
        file.service = services
    }

    private func walk(_ message: inout Google_Protobuf_DescriptorProto, path: String) throws(ProtoSourceError) {
        let inner = path.isEmpty ? message.name : path + "." + message.name
        let scope = package + "." + inner
        try apply("message:" + inner, scope: String(scope[..<scope.lastIndex(of: ".")!]), &message, \.options)
        var fields = message.field + message.extension
        for index in fields.indices {
            try apply("field:\(inner).\(fields[index].name)", scope: scope, &fields[index], \.options)
        }
        message.field = Array(fields[..<message.field.count])
        message.extension = Array(fields[message.field.count...])
        var oneofs = message.oneofDecl
        for index in oneofs.indices {
            try apply("oneof:\(inner).\(oneofs[index].name)", scope: scope, &oneofs[index], \.options)
        }
        message.oneofDecl = oneofs
        var ranges = message.extensionRange
        for index in ranges.indices {
            try apply("range:message:\(inner)#\(index)", scope: scope, &ranges[index], \.options)
        }
        message.extensionRange = ranges
        var enums = message.enumType
        for index in enums.indices { try walk(&enums[index], path: inner) }
        message.enumType = enums
        var nested = message.nestedType
        for index in nested.indices { try walk(&nested[index], path: inner) }
        message.nestedType = nested
    }

    private func walk(_ enumeration: inout Google_Protobuf_EnumDescriptorProto, path: String) throws(ProtoSourceError) {
        let inner = path.isEmpty ? enumeration.name : path + "." + enumeration.name
        let scope = package + (path.isEmpty ? "" : "." + path)
        try apply("enum:" + inner, scope: scope, &enumeration, \.options)
        var values = enumeration.value
        for index in values.indices {
            try apply("value:\(inner).\(values[index].name)", scope: scope, &values[index], \.options)
        }
        enumeration.value = values
    }

    /// Appends the element's custom options to `options` (whose type names the extendee).
    private func apply<Element, Options: SwiftProtobuf.Message & _ProtoNameProviding>(
        _ key: String, scope: String, _ element: inout Element, _ path: WritableKeyPath<Element, Options>
    ) throws(ProtoSourceError) {
        // Untouched unless there is something to add: reading a descriptor's options through
        // the key path would not set them, but writing them back would.
        guard let list = pending[key] else { return }
        var options = element[keyPath: path]
        defer { element[keyPath: path] = options }
        let extendee = "." + Options.protoMessageName
        for option in list {
            let bytes = try encode(option, scope: scope, extendee: extendee)
            do {
                try options.merge(serializedBytes: bytes)
            } catch {
                throw source.error(at: option.at, "option could not be encoded")
            }
        }
    }

    private func encode(_ option: PCCustomOption, scope: String, extendee: String) throws(ProtoSourceError) -> [UInt8] {
        let display = option.parts.map { $0.isExtension ? "(\($0.name))" : $0.name }.joined(separator: ".")
        var fields: [Field] = []
        var owner = extendee
        for part in option.parts {
            if part.isExtension {
                guard let (full, _) = resolver.find(part.name, in: scope, accepting: { $0 == .extension }),
                    let field = resolver.extensions[full]
                else {
                    throw source.error(
                        at: option.at,
                        "option \"\(display)\" unknown: import the file that defines (\(part.name))")
                }
                guard field.extendee == owner else {
                    throw source.error(
                        at: option.at,
                        "option \"\(display)\": (\(part.name)) extends \(field.extendee.dropFirst()), not \(owner.dropFirst())"
                    )
                }
                fields.append(field)
            } else {
                guard let field = resolver.messages[owner]?.field.first(where: { $0.name == part.name }) else {
                    throw source.error(
                        at: option.at, "option \"\(display)\": \(owner.dropFirst()) has no field \(part.name)")
                }
                fields.append(field)
            }
            owner = fields.last!.typeName
            if part.name != option.parts.last!.name || fields.count < option.parts.count {
                guard fields.last!.type == .message || fields.last!.type == .group else {
                    throw source.error(at: option.at, "option \"\(display)\": \(part.name) is not a message")
                }
            }
        }
        let last = fields.removeLast()
        var bytes = try value(option.value, field: last, at: option.valueAt, display: display)
        for field in fields.reversed() { bytes = PCWireWriter.lengthDelimited(field.number, bytes) }
        return bytes
    }

    /// A value for `field`: a scalar, or a `{ ... }` message in text format.
    func value(_ value: PCOptions.Constant, field: Field, at: PCToken, display: String) throws(ProtoSourceError)
        -> [UInt8]
    {
        if field.type == .message || field.type == .group {
            guard case .aggregate(let tokens) = value, let message = resolver.messages[field.typeName] else {
                throw source.error(at: at, "option \"\(display)\" is a message: give its value as { ... }")
            }
            var reader = PCTextFormatReader(tokens: tokens, end: at, options: self)
            let payload = try reader.message(message, depth: 0)
            return PCWireWriter.lengthDelimited(field.number, payload)
        }
        let values = resolver.enums[field.typeName]
        guard
            let bytes = PCWireWriter.encode(
                value, field: field, enumValue: { name in values?.value.first { $0.name == name }?.number })
        else {
            throw source.error(at: at, "value of option \"\(display)\" does not fit its type (\(field.type))")
        }
        return bytes
    }

    var errorSource: PCSourceMap { source }
}
