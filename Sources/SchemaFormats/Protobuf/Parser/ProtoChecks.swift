import SwiftProtobuf

/// The rules protoc checks after names resolve: unique names and numbers, reserved numbers and
/// names, proto3's rules for enums, enum aliases.
enum ProtoChecks {
    static func check(_ file: Google_Protobuf_FileDescriptorProto) throws(ProtoSourceError) {
        let proto3 = file.syntax == "proto3"
        let scope = file.package.isEmpty ? "" : file.package + "."
        try uniqueNames(
            file.messageType.map(\.name) + file.enumType.map(\.name) + file.service.map(\.name)
                + file.extension.map(\.name), file.enumType, in: file.name, scope: scope)
        for message in file.messageType { try check(message, file: file.name, proto3: proto3, scope: scope) }
        for enumeration in file.enumType { try check(enumeration, file: file.name, proto3: proto3, scope: scope) }
        for service in file.service {
            var methods = Set<String>()
            for method in service.method where !methods.insert(method.name).inserted {
                throw failure(file.name, "\"\(scope)\(service.name).\(method.name)\" is already defined")
            }
        }
    }

    private static func failure(_ file: String, _ message: String) -> ProtoSourceError {
        ProtoSourceError(file: file, line: 0, column: 0, message: message)
    }

    /// Types, fields and (C++ scoping) the values of enums declared in one scope share its names.
    private static func uniqueNames(
        _ names: [String], _ enums: [Google_Protobuf_EnumDescriptorProto], in file: String, scope: String
    ) throws(ProtoSourceError) {
        var seen = Set<String>()
        for name in names + enums.flatMap({ $0.value.map(\.name) }) where !seen.insert(name).inserted {
            throw failure(file, "\"\(scope)\(name)\" is already defined")
        }
    }

    private static func check(
        _ message: Google_Protobuf_DescriptorProto, file: String, proto3: Bool, scope: String
    ) throws(ProtoSourceError) {
        let name = scope + message.name
        try uniqueNames(
            message.field.map(\.name) + message.nestedType.map(\.name) + message.enumType.map(\.name)
                + message.oneofDecl.map(\.name) + message.extension.map(\.name), message.enumType, in: file,
            scope: name + ".")
        var numbers: [Int32: String] = [:]
        for field in message.field {
            if let other = numbers[field.number] {
                throw failure(
                    file, "field number \(field.number) has already been used in \"\(name)\" by field \"\(other)\"")
            }
            numbers[field.number] = field.name
            for range in message.reservedRange where field.number >= range.start && field.number < range.end {
                throw failure(file, "field \"\(field.name)\" uses reserved number \(field.number) in \"\(name)\"")
            }
            if message.reservedName.contains(field.name) {
                throw failure(file, "field name \"\(field.name)\" is reserved in \"\(name)\"")
            }
            for range in message.extensionRange where field.number >= range.start && field.number < range.end {
                throw failure(file, "field \"\(field.name)\" uses extension range number \(field.number)")
            }
            if field.label == .repeated, field.options.packed,
                [.string, .bytes, .message, .group].contains(field.type)
            {
                throw failure(file, "[packed = true] can only be specified for repeated primitive fields")
            }
        }
        if proto3 {
            var jsonNames: [String: String] = [:]
            for field in message.field {
                let json = ProtoOptionText.defaultJSONName(field.name).lowercased()
                if let other = jsonNames[json] {
                    throw failure(
                        file, "the JSON camel-case name of field \"\(field.name)\" conflicts with field \"\(other)\"")
                }
                jsonNames[json] = field.name
            }
        }
        for nested in message.nestedType { try check(nested, file: file, proto3: proto3, scope: name + ".") }
        for enumeration in message.enumType { try check(enumeration, file: file, proto3: proto3, scope: name + ".") }
    }

    private static func check(
        _ enumeration: Google_Protobuf_EnumDescriptorProto, file: String, proto3: Bool, scope: String
    ) throws(ProtoSourceError) {
        let name = scope + enumeration.name
        guard let first = enumeration.value.first else {
            throw failure(file, "enum \"\(name)\" must contain at least one value")
        }
        if proto3, first.number != 0 {
            throw failure(file, "the first enum value of \"\(name)\" must be zero in proto3")
        }
        var numbers: [Int32: String] = [:]
        var aliased = false
        for value in enumeration.value {
            if let other = numbers[value.number] {
                guard enumeration.options.allowAlias else {
                    throw failure(
                        file,
                        "\"\(value.name)\" uses the same enum value as \"\(other)\" in \"\(name)\"; set option allow_alias = true"
                    )
                }
                aliased = true
            }
            numbers[value.number] = value.name
            for range in enumeration.reservedRange where value.number >= range.start && value.number <= range.end {
                throw failure(file, "enum value \"\(value.name)\" uses reserved number \(value.number)")
            }
            if enumeration.reservedName.contains(value.name) {
                throw failure(file, "enum value \"\(value.name)\" is reserved in \"\(name)\"")
            }
        }
        if enumeration.options.allowAlias, !aliased {
            throw failure(file, "\"\(name)\" declares allow_alias but has no aliases")
        }
    }
}
