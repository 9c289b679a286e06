import SwiftProtobuf

/// A `FileDescriptorProto` back to `.proto` text, in one fixed layout: the registry's canonical
/// form of a Protobuf schema. Texts that differ only in whitespace, comments or declaration
/// formatting compile to the same descriptor and so print the same.
///
/// `normalize` (Confluent's `normalize=true`) also sorts what order does not change: imports and
/// options. Types are printed fully qualified (`.pkg.Msg`), so the text means the same wherever
/// it is read. Custom options live in a descriptor as extension fields this printer cannot name;
/// ``ProtobufFormat`` checks that the printed text compiles back to the same descriptor and keeps
/// the author's text when it does not.
struct ProtoPrinter {
    var normalize = false
    private var out = ""
    private var indent = 0

    init(normalize: Bool = false) {
        self.normalize = normalize
    }

    static func print(_ file: Google_Protobuf_FileDescriptorProto, normalize: Bool = false) -> String {
        var printer = ProtoPrinter(normalize: normalize)
        printer.file(file)
        return printer.out
    }

    private mutating func line(_ text: String) {
        for _ in 0..<indent { out += "  " }
        out += text
        out += "\n"
    }

    private mutating func file(_ file: Google_Protobuf_FileDescriptorProto) {
        let syntax = file.syntax.isEmpty ? "proto2" : file.syntax
        line("syntax = \(quoted(syntax));")
        if file.hasPackage { line("package \(file.package);") }
        var imports: [(String, String)] = file.dependency.enumerated().map { index, path in
            let kind =
                file.publicDependency.contains(Int32(index))
                ? "public " : file.weakDependency.contains(Int32(index)) ? "weak " : ""
            return (path, kind)
        }
        if normalize { imports.sort { $0.0 < $1.0 } }
        for (path, kind) in imports { line("import \(kind)\(quoted(path));") }
        options(ProtoOptionText.file(file.options))
        for message in file.messageType { self.message(message, proto3: syntax == "proto3") }
        for enumeration in file.enumType { self.enumeration(enumeration) }
        extensions(file.extension, proto3: syntax == "proto3")
        for service in file.service { self.service(service) }
    }

    private mutating func options(_ pairs: [(String, String)]) {
        let sorted = normalize ? pairs.sorted { $0.0 < $1.0 } : pairs
        for (name, value) in sorted { line("option \(name) = \(value);") }
    }

    private mutating func message(_ message: Google_Protobuf_DescriptorProto, proto3: Bool) {
        line("message \(message.name) {")
        indent += 1
        body(message, proto3: proto3)
        indent -= 1
        line("}")
    }

    private mutating func body(_ message: Google_Protobuf_DescriptorProto, proto3: Bool) {
        options(ProtoOptionText.message(message.options))
        // Map entries by name: a map field's type names one (looked up once per field, not by a scan).
        let mapEntries = Dictionary(
            message.nestedType.filter { $0.options.mapEntry }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = Set(message.field.filter { $0.type == .group }.map { $0.typeName.split(separator: ".").last! })
        var printedOneofs = Set<Int32>()
        for field in message.field {
            if field.hasOneofIndex, !field.proto3Optional {
                guard printedOneofs.insert(field.oneofIndex).inserted else { continue }
                let oneof = message.oneofDecl[Int(field.oneofIndex)]
                line("oneof \(oneof.name) {")
                indent += 1
                options(ProtoOptionText.oneof(oneof.options))
                for member in message.field where member.hasOneofIndex && member.oneofIndex == field.oneofIndex {
                    self.field(member, in: message, mapEntries: mapEntries, proto3: proto3, label: "")
                }
                indent -= 1
                line("}")
            } else {
                self.field(field, in: message, mapEntries: mapEntries, proto3: proto3, label: nil)
            }
        }
        for nested in message.nestedType
        where mapEntries[nested.name] == nil && !groups.contains(Substring(nested.name)) {
            self.message(nested, proto3: proto3)
        }
        for enumeration in message.enumType { self.enumeration(enumeration) }
        extensions(message.extension, proto3: proto3)
        for range in message.extensionRange {
            let options = ProtoOptionText.brackets(ProtoOptionText.extensionRange(range.options))
            line("extensions \(rangeText(range.start, range.end - 1, max: 536_870_911))\(options);")
        }
        for range in message.reservedRange {
            line("reserved \(rangeText(range.start, range.end - 1, max: 536_870_911));")
        }
        if !message.reservedName.isEmpty {
            line("reserved \(message.reservedName.map(quoted).joined(separator: ", "));")
        }
    }

    /// `label` nil: the field's own (none in proto3 unless repeated or optional); "" inside a oneof.
    private mutating func field(
        _ field: Google_Protobuf_FieldDescriptorProto, in message: Google_Protobuf_DescriptorProto? = nil,
        mapEntries: [String: Google_Protobuf_DescriptorProto] = [:], proto3: Bool, label: String?
    ) {
        let type = field.type
        if type == .group {
            let groupName = String(field.typeName.split(separator: ".").last!)
            let label = label ?? fieldLabel(field, proto3: proto3)
            line(
                "\(label)group \(groupName) = \(field.number)\(ProtoOptionText.brackets(ProtoOptionText.field(field, proto3: proto3))) {"
            )
            indent += 1
            if let nested = message?.nestedType.first(where: { $0.name == groupName }) { body(nested, proto3: proto3) }
            indent -= 1
            line("}")
            return
        }
        // The most common line of a schema: written straight into the output, no temporaries.
        for _ in 0..<indent { out += "  " }
        let typeName = type == .message || type == .enum ? field.typeName : ""
        if type == .message, field.label == .repeated, !mapEntries.isEmpty,
            let dot = typeName.utf8.lastIndex(of: UInt8(ascii: ".")),
            let entry = mapEntries[String(typeName[typeName.utf8.index(after: dot)...])],
            entry.field.count == 2
        {
            out += "map<"
            out += typeText(entry.field[0])
            out += ", "
            out += typeText(entry.field[1])
            out += "> "
        } else {
            out += label ?? fieldLabel(field, proto3: proto3)
            out += type == .message || type == .enum ? typeName : typeText(field)
            out += " "
        }
        out += field.name
        out += " = "
        out += String(field.number)
        if field.hasDefaultValue || field.hasJsonName || field.hasOptions {
            out += ProtoOptionText.brackets(ProtoOptionText.field(field, proto3: proto3))
        }
        out += ";\n"
    }

    private func fieldLabel(_ field: Google_Protobuf_FieldDescriptorProto, proto3: Bool) -> String {
        switch field.label {
        case .repeated: return "repeated "
        case .required: return "required "
        default: return !proto3 || field.proto3Optional ? "optional " : ""
        }
    }

    private func typeText(_ field: Google_Protobuf_FieldDescriptorProto) -> String {
        switch field.type {
        case .message, .enum, .group: field.typeName
        case .double: "double"
        case .float: "float"
        case .int64: "int64"
        case .uint64: "uint64"
        case .int32: "int32"
        case .fixed64: "fixed64"
        case .fixed32: "fixed32"
        case .bool: "bool"
        case .string: "string"
        case .bytes: "bytes"
        case .uint32: "uint32"
        case .sfixed32: "sfixed32"
        case .sfixed64: "sfixed64"
        case .sint32: "sint32"
        case .sint64: "sint64"
        }
    }

    private mutating func extensions(_ fields: [Google_Protobuf_FieldDescriptorProto], proto3: Bool) {
        var extendee: String?
        for field in fields {
            if field.extendee != extendee {
                if extendee != nil {
                    indent -= 1
                    line("}")
                }
                extendee = field.extendee
                line("extend \(field.extendee) {")
                indent += 1
            }
            self.field(field, in: nil, proto3: proto3, label: nil)
        }
        if extendee != nil {
            indent -= 1
            line("}")
        }
    }

    private mutating func enumeration(_ enumeration: Google_Protobuf_EnumDescriptorProto) {
        line("enum \(enumeration.name) {")
        indent += 1
        options(ProtoOptionText.enumeration(enumeration.options))
        for value in enumeration.value {
            line(
                "\(value.name) = \(value.number)\(ProtoOptionText.brackets(ProtoOptionText.enumValue(value.options)));")
        }
        for range in enumeration.reservedRange {
            line("reserved \(rangeText(range.start, range.end, max: Int32.max));")
        }
        if !enumeration.reservedName.isEmpty {
            line("reserved \(enumeration.reservedName.map(quoted).joined(separator: ", "));")
        }
        indent -= 1
        line("}")
    }

    private mutating func service(_ service: Google_Protobuf_ServiceDescriptorProto) {
        line("service \(service.name) {")
        indent += 1
        options(ProtoOptionText.service(service.options))
        for method in service.method {
            let input = (method.clientStreaming ? "stream " : "") + method.inputType
            let output = (method.serverStreaming ? "stream " : "") + method.outputType
            let methodOptions = ProtoOptionText.method(method.options)
            if methodOptions.isEmpty {
                line("rpc \(method.name)(\(input)) returns (\(output));")
            } else {
                line("rpc \(method.name)(\(input)) returns (\(output)) {")
                indent += 1
                options(methodOptions)
                indent -= 1
                line("}")
            }
        }
        indent -= 1
        line("}")
    }

    /// `a`, `a to b` or `a to max` (inclusive bounds).
    private func rangeText(_ start: Int32, _ end: Int32, max: Int32) -> String {
        start == end ? "\(start)" : end == max ? "\(start) to max" : "\(start) to \(end)"
    }
}

/// A string literal in `.proto` syntax.
func quoted(_ text: String) -> String {
    var result = "\""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""): result += "\\\""
        case UInt8(ascii: "\\"): result += "\\\\"
        case UInt8(ascii: "\n"): result += "\\n"
        case UInt8(ascii: "\r"): result += "\\r"
        case UInt8(ascii: "\t"): result += "\\t"
        case 0x20..<0x7F: result.unicodeScalars.append(Unicode.Scalar(byte))
        default: result += "\\" + String(byte, radix: 8).leftPadded(to: 3)
        }
    }
    return result + "\""
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
