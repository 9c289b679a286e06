import SwiftProtobuf

/// Messages, fields, maps, oneofs and `extend` blocks.
extension PCParser {
    mutating func message() throws(ProtoSourceError) -> Google_Protobuf_DescriptorProto {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("messages nest deeper than \(Self.maxDepth) levels") }
        var descriptor = Google_Protobuf_DescriptorProto()
        let nameToken = token
        descriptor.name = try identifier("the message's name")
        let messageKey = key("message", descriptor.name)
        if recordsLocations { locations[messageKey] = nameToken }
        try expect("{", "after the message's name")
        return try messageBody(descriptor, key: messageKey)
    }

    /// After `{`: the fields, nested types, options... up to the closing `}`.
    mutating func messageBody(_ start: Google_Protobuf_DescriptorProto, key messageKey: String)
        throws(ProtoSourceError) -> Google_Protobuf_DescriptorProto
    {
        var descriptor = start
        scope.append(descriptor.name)
        defer { scope.removeLast() }
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
                try PCOptions.message(&descriptor.options, &self, key: messageKey)
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
                let firstRange = extensionRanges.count
                if recordsLocations { locations["range:\(messageKey)#\(firstRange)"] = token }
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
                if take("[") {
                    // The options apply to every range of the statement.
                    let rangeKey = "range:\(messageKey)#\(firstRange)"
                    repeat { try PCOptions.customOnly(&self, key: rangeKey, what: "extension range") } while take(",")
                    try expect("]", "after the extension range's options")
                    for index in (firstRange + 1)..<max(firstRange + 1, extensionRanges.count) {
                        customOptions["range:\(messageKey)#\(index)"] = customOptions[rangeKey]
                    }
                }
                try expect(";", "after the extension ranges")
            case "extend":
                advance()
                let (fields, groups) = try extend()
                extensions += fields
                nested += groups
            case "oneof":
                advance()
                let oneofToken = token
                let name = try identifier("the oneof's name")
                let oneofKey = key("oneof", name)
                if recordsLocations { locations[oneofKey] = oneofToken }
                let index = Int32(oneofs.count)
                oneofs.append(.with { $0.name = name })
                try expect("{", "after the oneof's name")
                var count = 0
                while !take("}") {
                    guard token.kind != .end else { throw error("oneof \(name) is not closed") }
                    if take(";") { continue }
                    if isWord("option") {
                        advance()
                        try PCOptions.customOnly(&self, key: oneofKey, what: "oneof")
                        try expect(";", "after the option")
                        continue
                    }
                    if isWord("group") {
                        var (field, group) = try self.group(label: .optional)
                        field.oneofIndex = index
                        fields.append(field)
                        nested.append(group)
                        count += 1
                        continue
                    }
                    var field = try self.field(label: nil, inOneof: true)
                    field.oneofIndex = index
                    fields.append(field)
                    count += 1
                }
                if count == 0 { throw error("oneof \(name) has no fields", at: oneofToken) }
            case "map" where tokens[position + 1].text == "<":
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
                if isWord("map"), label != nil {
                    throw error("field labels (required/optional/repeated) are not allowed on map fields", at: keyword)
                }
                if isWord("map") {
                    let (field, entry) = try mapField()
                    fields.append(field)
                    nested.append(entry)
                    continue
                }
                if isWord("group") {
                    if proto3 { throw error("groups are not supported in proto3 syntax") }
                    guard let label else { throw error("expected 'optional', 'required' or 'repeated' before a group") }
                    let (field, group) = try self.group(label: label)
                    fields.append(field)
                    nested.append(group)
                    continue
                }
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
        if descriptor.options.messageSetWireFormat {
            // `max` in a message set is the largest int32, not the largest field number.
            for index in extensionRanges.indices where extensionRanges[index].end == Int32(Self.maxFieldNumber + 1) {
                extensionRanges[index].end = Int32.max
            }
        }
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
        let typeToken = token
        let typeName = try dottedName("the field's type", leadingDot: true)
        if let scalar = Self.scalarTypes[typeName] {
            field.type = scalar
        } else {
            field.typeName = typeName
        }
        let nameToken = token
        field.name = try identifier("the field's name")
        func fieldKey() -> String { self.key("field", field.name) }
        if recordsLocations { locations[fieldKey()] = nameToken }
        if recordsLocations { locations["type:" + fieldKey()] = typeToken }
        try expect("=", "after the field's name")
        let numberToken = token
        field.number = try fieldNumber()
        if (19000...19999).contains(field.number) {
            throw error(
                "field numbers 19000 through 19999 are reserved for the protobuf implementation", at: numberToken)
        }
        field.jsonName = ProtoOptionText.defaultJSONName(field.name)
        if take("[") {
            let optionsKey = fieldKey()
            repeat { try PCOptions.field(&field, &self, key: optionsKey) } while take(",")
            try expect("]", "after the field's options")
        }
        try expect(";", "after the field \(field.name)")
        return field
    }

    /// A field number: 1 to 536,870,911, outside protoc's own 19,000 to 19,999.
    mutating func fieldNumber() throws(ProtoSourceError) -> Int32 {
        let numberToken = token
        if isSymbol("-") { throw error("expected a field number, found '-'") }
        guard token.kind == .integer, let value = Self.unsignedValue(token.text) else {
            throw error("expected a field number, found \(token.describe)")
        }
        advance()
        guard value >= 1 else { throw error("field numbers must be positive integers", at: numberToken) }
        guard value <= UInt64(Self.maxFieldNumber) else {
            throw error("field numbers cannot be greater than \(Self.maxFieldNumber)", at: numberToken)
        }
        if (19000...19999).contains(value) {
            throw error(
                "field numbers 19000 through 19999 are reserved for the protobuf implementation", at: numberToken)
        }
        return Int32(value)
    }

    /// `label group Name = number [options] { body }`: a field of type group named `name`
    /// (lower-cased) and the nested message `Name`.
    mutating func group(label: Google_Protobuf_FieldDescriptorProto.Label) throws(ProtoSourceError)
        -> (Google_Protobuf_FieldDescriptorProto, Google_Protobuf_DescriptorProto)
    {
        advance()
        let nameToken = token
        let name = try identifier("the group's name")
        guard let first = name.first, first.isUppercase, first.isASCII else {
            throw error("group names must start with a capital letter", at: nameToken)
        }
        var field = Google_Protobuf_FieldDescriptorProto()
        field.name = name.lowercased()
        field.label = label
        field.type = .group
        field.typeName = name
        func fieldKey() -> String { self.key("field", field.name) }
        if recordsLocations { locations[fieldKey()] = nameToken }
        if recordsLocations { locations["type:" + fieldKey()] = nameToken }
        try expect("=", "after the group's name")
        field.number = try fieldNumber()
        field.jsonName = ProtoOptionText.defaultJSONName(field.name)
        if take("[") {
            let optionsKey = fieldKey()
            repeat { try PCOptions.field(&field, &self, key: optionsKey) } while take(",")
            try expect("]", "after the group's options")
        }
        let groupKey = key("message", name)
        if recordsLocations { locations[groupKey] = nameToken }
        try expect("{", "after the group's number")
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("messages nest deeper than \(Self.maxDepth) levels") }
        var group = Google_Protobuf_DescriptorProto()
        group.name = name
        return (field, try messageBody(group, key: groupKey))
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
        let valueToken = token
        let valueName = try dottedName("the map's value type", leadingDot: true)
        try expect(">", "after the map's value type")
        var field = Google_Protobuf_FieldDescriptorProto()
        let nameToken = token
        field.name = try identifier("the field's name")
        func fieldKey() -> String { self.key("field", field.name) }
        if recordsLocations { locations[fieldKey()] = nameToken }
        try expect("=", "after the field's name")
        field.number = try fieldNumber()
        field.label = .repeated
        field.type = .message
        field.jsonName = ProtoOptionText.defaultJSONName(field.name)
        if take("[") {
            let optionsKey = fieldKey()
            repeat { try PCOptions.field(&field, &self, key: optionsKey) } while take(",")
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
        if recordsLocations { locations[key("message", entryName)] = nameToken }
        if recordsLocations {
            let valuePath = (scope + [entryName]).joined(separator: ".")
            locations["field:\(valuePath).value"] = nameToken
            locations["type:field:\(valuePath).value"] = valueToken
        }
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
    mutating func extend() throws(ProtoSourceError) -> (
        [Google_Protobuf_FieldDescriptorProto], [Google_Protobuf_DescriptorProto]
    ) {
        let extendeeToken = token
        let extendee = try dottedName("the extended type", leadingDot: true)
        try expect("{", "after the extended type")
        var fields: [Google_Protobuf_FieldDescriptorProto] = []
        var groups: [Google_Protobuf_DescriptorProto] = []
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
            if isWord("group") {
                if proto3 { throw error("groups are not supported in proto3 syntax") }
                guard let label else { throw error("expected 'optional' or 'repeated' before a group") }
                var (field, group) = try self.group(label: label)
                field.extendee = extendee
                if recordsLocations { locations["extendee:" + key("field", field.name)] = extendeeToken }
                fields.append(field)
                groups.append(group)
                continue
            }
            var field = try self.field(label: label, inOneof: false)
            field.extendee = extendee
            if recordsLocations { locations["extendee:" + key("field", field.name)] = extendeeToken }
            fields.append(field)
        }
        return (fields, groups)
    }
}
