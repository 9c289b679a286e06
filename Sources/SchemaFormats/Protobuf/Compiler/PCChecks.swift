import SwiftProtobuf

/// The rules protoc checks after names resolve: unique names and numbers, reserved numbers and
/// names, ranges that overlap, proto3's rules for enums and JSON names, enum aliases.
enum PCChecks {
    static func check(_ file: Google_Protobuf_FileDescriptorProto, source: PCSourceMap) throws(ProtoSourceError) {
        let proto3 = file.syntax == "proto3"
        var seen: [String: String] = [:]
        func unique(_ name: String, _ key: String) throws(ProtoSourceError) {
            if seen[name] != nil { throw source.error(key, "\"\(name)\" is already defined") }
            seen[name] = key
        }
        // Element keys (locations) are built only for an error: most files have none.
        for message in file.messageType { try unique(message.name, "message:" + message.name) }
        for enumeration in file.enumType {
            try unique(enumeration.name, "enum:" + enumeration.name)
        }
        for enumeration in file.enumType {
            for value in enumeration.value { try unique(value.name, "value:\(enumeration.name).\(value.name)") }
        }
        for service in file.service { try unique(service.name, "service:" + service.name) }
        for field in file.extension { try unique(field.name, "field:" + field.name) }
        for message in file.messageType { try check(message, path: "", proto3: proto3, source: source) }
        for enumeration in file.enumType { try check(enumeration, path: "", proto3: proto3, source: source) }
        for service in file.service {
            var methods = Set<String>()
            for method in service.method where !methods.insert(method.name).inserted {
                throw source.error(
                    "method:\(service.name).\(method.name)",
                    "\"\(method.name)\" is already defined in \"\(service.name)\"")
            }
        }
    }

    private static func check(
        _ message: Google_Protobuf_DescriptorProto, path: String, proto3: Bool, source: PCSourceMap
    ) throws(ProtoSourceError) {
        let name = path.isEmpty ? message.name : path + "." + message.name
        var seen = Set<String>()
        func unique(_ member: String, _ key: @autoclosure () -> String) throws(ProtoSourceError) {
            guard seen.insert(member).inserted else {
                throw source.error(key(), "\"\(member)\" is already defined in \"\(name)\"")
            }
        }
        let fields = message.field
        // Fields by index, not `for field in`: copying a descriptor retains all its strings.
        for index in fields.indices { try unique(fields[index].name, "field:\(name).\(fields[index].name)") }
        for nested in message.nestedType { try unique(nested.name, "message:\(name).\(nested.name)") }
        for enumeration in message.enumType { try unique(enumeration.name, "enum:\(name).\(enumeration.name)") }
        for oneof in message.oneofDecl { try unique(oneof.name, "oneof:\(name).\(oneof.name)") }
        for field in message.extension { try unique(field.name, "field:\(name).\(field.name)") }
        for enumeration in message.enumType {
            for value in enumeration.value { try unique(value.name, "value:\(name).\(enumeration.name).\(value.name)") }
        }
        try checkRanges(message, name: name, source: source)
        // Read once, not per field: each read of a descriptor's list retains and releases it.
        let reservedRanges = message.reservedRange
        let reservedNames = message.reservedName
        let extensionRanges = message.extensionRange
        var numbers: [Int32: Int] = [:]
        var jsonNames: [String: Int] = [:]
        numbers.reserveCapacity(fields.count)
        if proto3 { jsonNames.reserveCapacity(fields.count) }
        for position in fields.indices {
            func key() -> String { "field:\(name).\(fields[position].name)" }
            let number = fields[position].number
            if let other = numbers.updateValue(position, forKey: number) {
                throw source.error(
                    key(),
                    "field number \(number) has already been used in \"\(name)\" by field \"\(fields[other].name)\"")
            }
            for range in reservedRanges where number >= range.start && number < range.end {
                throw source.error(key(), "field \"\(fields[position].name)\" uses reserved number \(number)")
            }
            if !reservedNames.isEmpty, reservedNames.contains(fields[position].name) {
                throw source.error(key(), "field name \"\(fields[position].name)\" is reserved")
            }
            for range in extensionRanges where number >= range.start && number < range.end {
                throw source.error(
                    key(),
                    "extension range \(range.start) to \(range.end - 1) includes field \"\(fields[position].name)\"")
            }
            if fields[position].label == .repeated, fields[position].hasOptions, fields[position].options.packed,
                [.string, .bytes, .message, .group].contains(fields[position].type)
            {
                throw source.error(key(), "[packed = true] can only be specified for repeated primitive fields")
            }
            if proto3 {
                let json = Self.lowercasedJSONName(fields[position].name)
                if let other = jsonNames.updateValue(position, forKey: json) {
                    throw source.error(
                        key(),
                        "the JSON camel-case name of field \"\(fields[position].name)\" conflicts with field \"\(fields[other].name)\""
                    )
                }
            }
        }
        for nested in message.nestedType { try check(nested, path: name, proto3: proto3, source: source) }
        for enumeration in message.enumType { try check(enumeration, path: name, proto3: proto3, source: source) }
    }

    /// The field's default JSON name, lower-cased (what protoc compares for conflicts); most
    /// names are lower-case without underscores already, and are their own.
    private static func lowercasedJSONName(_ name: String) -> String {
        let plain = name.utf8.allSatisfy { $0 != UInt8(ascii: "_") && !($0 >= 0x41 && $0 <= 0x5A) }
        return plain ? name : ProtoOptionText.defaultJSONName(name).lowercased()
    }

    /// Reserved and extension ranges must not overlap each other.
    private static func checkRanges(_ message: Google_Protobuf_DescriptorProto, name: String, source: PCSourceMap)
        throws(ProtoSourceError)
    {
        let key = "message:" + name
        let reserved = message.reservedRange.map { (Int64($0.start), Int64($0.end)) }
        let extensions = message.extensionRange.map { (Int64($0.start), Int64($0.end)) }
        for (index, range) in reserved.enumerated() {
            for other in reserved[..<index] where range.0 < other.1 && other.0 < range.1 {
                throw source.error(
                    key, "reserved range \(range.0) to \(range.1 - 1) overlaps with range \(other.0) to \(other.1 - 1)")
            }
        }
        for (index, range) in extensions.enumerated() {
            for other in extensions[..<index] where range.0 < other.1 && other.0 < range.1 {
                throw source.error(
                    key, "extension range \(range.0) to \(range.1 - 1) overlaps with range \(other.0) to \(other.1 - 1)"
                )
            }
            for other in reserved where range.0 < other.1 && other.0 < range.1 {
                throw source.error(
                    key, "extension range \(range.0) to \(range.1 - 1) overlaps with reserved range \(other.0)")
            }
        }
    }

    private static func check(
        _ enumeration: Google_Protobuf_EnumDescriptorProto, path: String, proto3: Bool, source: PCSourceMap
    ) throws(ProtoSourceError) {
        let name = path.isEmpty ? enumeration.name : path + "." + enumeration.name
        guard let first = enumeration.value.first else {
            throw source.error("enum:" + name, "enums must contain at least one value")
        }
        if proto3, first.number != 0 {
            throw source.error("value:\(name).\(first.name)", "the first enum value must be zero in proto3")
        }
        var numbers: [Int32: String] = [:]
        var aliased = false
        for value in enumeration.value {
            func key() -> String { "value:\(name).\(value.name)" }
            if let other = numbers[value.number] {
                guard enumeration.options.allowAlias else {
                    throw source.error(
                        key(),
                        "\"\(value.name)\" uses the same enum value as \"\(other)\"; set option allow_alias = true"
                    )
                }
                aliased = true
            }
            numbers[value.number] = value.name
            for range in enumeration.reservedRange where value.number >= range.start && value.number <= range.end {
                throw source.error(key(), "enum value \"\(value.name)\" uses reserved number \(value.number)")
            }
            if enumeration.reservedName.contains(value.name) {
                throw source.error(key(), "enum value \"\(value.name)\" is reserved")
            }
        }
        if enumeration.options.allowAlias, !aliased {
            throw source.error("enum:" + name, "\"\(name)\" declares allow_alias but no enum values share numbers")
        }
    }
}
