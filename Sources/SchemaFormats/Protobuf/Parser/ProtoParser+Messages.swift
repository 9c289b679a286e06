import SwiftProtobuf

/// Messages, fields, maps, oneofs and `extend` blocks.
extension ProtoParser {
    static let maxFieldNumber: Int64 = 536_870_911

    static let scalarTypes: [String: Google_Protobuf_FieldDescriptorProto.TypeEnum] = [
        "double": .double, "float": .float, "int64": .int64, "uint64": .uint64, "int32": .int32,
        "fixed64": .fixed64, "fixed32": .fixed32, "bool": .bool, "string": .string, "bytes": .bytes,
        "uint32": .uint32, "sfixed32": .sfixed32, "sfixed64": .sfixed64, "sint32": .sint32, "sint64": .sint64,
    ]

    mutating func message() throws(ProtoSourceError) -> Google_Protobuf_DescriptorProto {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("messages nest deeper than \(Self.maxDepth) levels") }
        var descriptor = Google_Protobuf_DescriptorProto()
        descriptor.name = try identifier("the message's name")
        try expect("{", "after the message's name")
        // Collected in locals and assigned once: a descriptor's repeated fields live in its heap
        // storage, where each `append` through the property would copy the whole array.
        var fields: [Google_Protobuf_FieldDescriptorProto] = []
        var nested: [Google_Protobuf_DescriptorProto] = []
        var enums: [Google_Protobuf_EnumDescriptorProto] = []
        var oneofs: [Google_Protobuf_OneofDescriptorProto] = []
        var reservedRanges: [Google_Protobuf_DescriptorProto.ReservedRange] = []
        var reservedNames: [String] = []
        var extensionRanges: [Google_Protobuf_DescriptorProto.ExtensionRange] = []
        var extensions: [Google_Protobuf_FieldDescriptorProto] = []
        while !take("}") {
            guard token.kind != .end else { throw error("message \(descriptor.name) is not closed") }
            if take(";") { continue }
            let keyword = token
            switch keyword.kind == .identifier ? keyword.text : "" {
            case "message":
                advance()
                nested.append(try message())
            case "enum":
                advance()
                enums.append(try enumeration())
            case "option":
                advance()
                try ProtoOptions.message(&descriptor.options, &self)
            case "reserved":
                advance()
                try reserved(
                    max: Self.maxFieldNumber, minimum: 1,
                    range: { start, end in
                        reservedRanges.append(
                            .with {
                                $0.start = Int32(start)
                                $0.end = Int32(end + 1)
                            })
                    },
                    name: { reservedNames.append($0) })
            case "extensions":
                advance()
                repeat {
                    let start = try integer("an extension number", in: 1...Self.maxFieldNumber)
                    var end = start
                    if isWord("to") {
                        advance()
                        if isWord("max") {
                            advance()
                            end = Self.maxFieldNumber
                        } else {
                            end = try integer("the end of the range", in: 1...Self.maxFieldNumber)
                        }
                    }
                    extensionRanges.append(
                        .with {
                            $0.start = Int32(start)
                            $0.end = Int32(end + 1)
                        })
                } while take(",")
                if take("[") { throw error("options on extension ranges are not supported") }
                try expect(";", "after the extension ranges")
            case "extend":
                advance()
                extensions += try extend()
            case "oneof":
                advance()
                let name = try identifier("the oneof's name")
                let index = Int32(oneofs.count)
                oneofs.append(.with { $0.name = name })
                try expect("{", "after the oneof's name")
                var count = 0
                while !take("}") {
                    guard token.kind != .end else { throw error("oneof \(name) is not closed") }
                    if take(";") { continue }
                    if isWord("option") {
                        advance()
                        throw error("options on oneofs are not supported")
                    }
                    var field = try self.field(label: nil, inOneof: true)
                    field.oneofIndex = index
                    fields.append(field)
                    count += 1
                }
                if count == 0 { throw error("oneof \(name) has no fields") }
            case "map":
                let (field, entry) = try mapField()
                fields.append(field)
                nested.append(entry)
            default:
                var label: Google_Protobuf_FieldDescriptorProto.Label?
                switch keyword.text {
                case "optional": label = .optional
                case "required": label = .required
                case "repeated": label = .repeated
                default: label = nil
                }
                if label != nil { advance() }
                if isWord("group") { throw error("groups are not supported; use a nested message") }
                var field = try self.field(label: label, inOneof: false)
                if proto3, label == .optional { field.proto3Optional = true }
                fields.append(field)
            }
        }
        // Proto3 `optional` fields each get a synthetic oneof `_name`, after the real ones.
        var next = Int32(oneofs.count)
        for index in fields.indices where fields[index].proto3Optional {
            var name = "_" + fields[index].name
            while oneofs.contains(where: { $0.name == name }) { name = "X" + name }
            oneofs.append(.with { $0.name = name })
            fields[index].oneofIndex = next
            next += 1
        }
        descriptor.field = fields
        descriptor.nestedType = nested
        descriptor.enumType = enums
        descriptor.oneofDecl = oneofs
        descriptor.reservedRange = reservedRanges
        descriptor.reservedName = reservedNames
        descriptor.extensionRange = extensionRanges
        descriptor.extension = extensions
        return descriptor
    }

    /// `[label] type name = number [options];`
    mutating func field(label: Google_Protobuf_FieldDescriptorProto.Label?, inOneof: Bool) throws(ProtoSourceError)
        -> Google_Protobuf_FieldDescriptorProto
    {
        let start = token
        var field = Google_Protobuf_FieldDescriptorProto()
        if inOneof, ["optional", "required", "repeated"].contains(token.text), token.kind == .identifier {
            throw error("fields in oneofs must not have labels")
        }
        if !inOneof, !proto3, label == nil {
            throw error("expected 'optional', 'required' or 'repeated' before a proto2 field", at: start)
        }
        if proto3, label == .required { throw error("required fields are not allowed in proto3", at: start) }
        field.label = label ?? .optional
        let typeName = try dottedName("the field's type", leadingDot: true)
        if let scalar = Self.scalarTypes[typeName] {
            field.type = scalar
        } else {
            field.typeName = typeName
        }
        field.name = try identifier("the field's name")
        try expect("=", "after the field's name")
        let numberToken = token
        field.number = Int32(try integer("the field number", in: 1...Self.maxFieldNumber))
        if (19000...19999).contains(field.number) {
            throw error(
                "field numbers 19000 through 19999 are reserved for the protobuf implementation", at: numberToken)
        }
        field.jsonName = ProtoOptionText.defaultJSONName(field.name)
        if take("[") {
            repeat { try ProtoOptions.field(&field, &self) } while take(",")
            try expect("]", "after the field's options")
        }
        try expect(";", "after the field \(field.name)")
        return field
    }

    /// `map<K, V> name = number;`: a repeated field of a synthesised `NameEntry` message.
    mutating func mapField() throws(ProtoSourceError)
        -> (Google_Protobuf_FieldDescriptorProto, Google_Protobuf_DescriptorProto)
    {
        advance()
        try expect("<", "after 'map'")
        let keyToken = token
        let keyName = try identifier("the map's key type")
        guard let keyType = Self.scalarTypes[keyName], ![.double, .float, .bytes].contains(keyType) else {
            throw error("map keys must be integral types, bool or string, not \(keyName)", at: keyToken)
        }
        try expect(",", "after the map's key type")
        let valueName = try dottedName("the map's value type", leadingDot: true)
        try expect(">", "after the map's value type")
        var field = Google_Protobuf_FieldDescriptorProto()
        field.name = try identifier("the field's name")
        try expect("=", "after the field's name")
        field.number = Int32(try integer("the field number", in: 1...Self.maxFieldNumber))
        field.label = .repeated
        field.type = .message
        field.jsonName = ProtoOptionText.defaultJSONName(field.name)
        if take("[") {
            repeat { try ProtoOptions.field(&field, &self) } while take(",")
            try expect("]", "after the field's options")
        }
        try expect(";", "after the field \(field.name)")
        var entryName = ""
        var upperNext = true
        for character in field.name {
            if character == "_" {
                upperNext = true
            } else {
                entryName += upperNext ? character.uppercased() : String(character)
                upperNext = false
            }
        }
        entryName += "Entry"
        field.typeName = entryName
        var entry = Google_Protobuf_DescriptorProto()
        entry.name = entryName
        entry.options.mapEntry = true
        var key = Google_Protobuf_FieldDescriptorProto()
        key.name = "key"
        key.number = 1
        key.label = .optional
        key.type = keyType
        key.jsonName = "key"
        var value = Google_Protobuf_FieldDescriptorProto()
        value.name = "value"
        value.number = 2
        value.label = .optional
        value.jsonName = "value"
        if let scalar = Self.scalarTypes[valueName] { value.type = scalar } else { value.typeName = valueName }
        entry.field = [key, value]
        return (field, entry)
    }

    /// `extend Type { fields }`.
    mutating func extend() throws(ProtoSourceError) -> [Google_Protobuf_FieldDescriptorProto] {
        let extendee = try dottedName("the extended type", leadingDot: true)
        try expect("{", "after the extended type")
        var fields: [Google_Protobuf_FieldDescriptorProto] = []
        while !take("}") {
            guard token.kind != .end else { throw error("extend \(extendee) is not closed") }
            if take(";") { continue }
            var label: Google_Protobuf_FieldDescriptorProto.Label?
            switch token.text {
            case "optional": label = .optional
            case "required": throw error("extensions cannot be required")
            case "repeated": label = .repeated
            default: label = nil
            }
            if label != nil { advance() }
            if proto3, label == nil { label = .optional }
            var field = try self.field(label: label, inOneof: false)
            field.extendee = extendee
            fields.append(field)
        }
        return fields
    }
}
