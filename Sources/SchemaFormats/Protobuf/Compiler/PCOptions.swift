import SwiftProtobuf

/// Built-in options, read into the typed fields of the options messages as protoc sets them;
/// custom options (`(my.option).field = ...`) are kept on the parser, by element, for
/// ``PCCustomOptions`` to interpret once names resolve.
enum PCOptions {
    /// An option's value as written.
    enum Constant {
        case identifier(String)
        /// Magnitude and sign: `-9223372036854775808` and `18446744073709551615` both fit.
        case integer(UInt64, negative: Bool)
        case float(String)
        case string([UInt8])
        /// `{ ... }`: text format, the tokens between the braces.
        case aggregate([PCToken])
    }

    /// What `name = value` was.
    enum Assignment {
        case builtin(String, Constant, PCToken)
        case custom
    }

    /// `name = constant`, after `option` (the caller expects the `;` or `,` that follows). A
    /// custom option is appended to `parser.customOptions[key]`.
    private static func assignment(_ parser: inout PCParser, key: String) throws(ProtoSourceError) -> Assignment {
        let at = parser.token
        var parts: [PCCustomOption.Part] = []
        repeat {
            if parser.take("(") {
                let name = try parser.dottedName("the option's name", leadingDot: true)
                try parser.expect(")", "after the extension's name")
                parts.append(PCCustomOption.Part(name: name, isExtension: true))
            } else {
                parts.append(PCCustomOption.Part(name: try parser.identifier("the option's name"), isExtension: false))
            }
        } while parser.take(".")
        try parser.expect("=", "after the option's name")
        let valueToken = parser.token
        let value = try constant(&parser)
        if parts.count == 1, !parts[0].isExtension {
            if case .aggregate = value { throw parser.error("option \(parts[0].name) takes a single value", at: at) }
            return .builtin(parts[0].name, value, at)
        }
        guard parts[0].isExtension else { throw unknown(parts.map(\.name).joined(separator: "."), parser, at) }
        parser.customOptions[key, default: []].append(
            PCCustomOption(parts: parts, value: value, at: at, valueAt: valueToken))
        return .custom
    }

    static func constant(_ parser: inout PCParser) throws(ProtoSourceError) -> Constant {
        let token = parser.token
        switch token.kind {
        case .string: return .string(try parser.stringLiteral("the option's value"))
        case .identifier:
            parser.advance()
            return .identifier(token.text)
        case .integer:
            parser.advance()
            guard let value = PCParser.unsignedValue(token.text) else {
                throw parser.error("integer \(token.text) is out of range", at: token)
            }
            return .integer(value, negative: false)
        case .float:
            parser.advance()
            return .float(token.text)
        case .symbol where token.text == "-" || token.text == "+":
            parser.advance()
            let next = parser.token
            let negative = token.text == "-"
            if next.kind == .integer {
                parser.advance()
                guard let value = PCParser.unsignedValue(next.text) else {
                    throw parser.error("integer \(next.text) is out of range", at: next)
                }
                return .integer(value, negative: negative)
            }
            guard next.kind == .float || (next.kind == .identifier && ["inf", "nan"].contains(next.text)) else {
                throw parser.error("expected a number after '\(token.text)', found \(next.describe)", at: next)
            }
            parser.advance()
            if next.kind == .identifier { return .identifier(negative ? "-" + next.text : next.text) }
            return .float(negative ? "-" + next.text : next.text)
        case .symbol where token.text == "{":
            parser.advance()
            var tokens: [PCToken] = []
            var depth = 1
            while true {
                let inner = parser.token
                guard inner.kind != .end else { throw parser.error("the option's { ... } value is not closed") }
                parser.advance()
                if inner.kind == .symbol, inner.text == "{" || inner.text == "<" { depth += 1 }
                if inner.kind == .symbol, inner.text == "}" || inner.text == ">" {
                    depth -= 1
                    if depth == 0 { break }
                }
                guard depth <= PCParser.maxDepth else {
                    throw parser.error("the option's value nests deeper than \(PCParser.maxDepth) levels", at: inner)
                }
                tokens.append(inner)
            }
            return .aggregate(tokens)
        default:
            throw parser.error("expected the option's value, found \(token.describe)")
        }
    }

    private static func bool(_ value: Constant, _ name: String, _ parser: PCParser, _ at: PCToken)
        throws(ProtoSourceError)
        -> Bool
    {
        guard case .identifier(let word) = value, word == "true" || word == "false" else {
            throw parser.error("option \(name) takes true or false", at: at)
        }
        return word == "true"
    }

    private static func string(_ value: Constant, _ name: String, _ parser: PCParser, _ at: PCToken)
        throws(ProtoSourceError)
        -> String
    {
        guard case .string(let bytes) = value, let text = String(validating: bytes, as: UTF8.self) else {
            throw parser.error("option \(name) takes a string", at: at)
        }
        return text
    }

    private static func unknown(_ name: String, _ parser: PCParser, _ at: PCToken) -> ProtoSourceError {
        parser.error("option \"\(name)\" unknown", at: at)
    }

    static func file(_ options: inout Google_Protobuf_FileOptions, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else {
            return try parser.expect(";", "after the option")
        }
        switch name {
        case "java_package": options.javaPackage = try string(value, name, parser, at)
        case "java_outer_classname": options.javaOuterClassname = try string(value, name, parser, at)
        case "java_multiple_files": options.javaMultipleFiles = try bool(value, name, parser, at)
        case "java_generate_equals_and_hash": options.javaGenerateEqualsAndHash = try bool(value, name, parser, at)
        case "java_string_check_utf8": options.javaStringCheckUtf8 = try bool(value, name, parser, at)
        case "go_package": options.goPackage = try string(value, name, parser, at)
        case "cc_generic_services": options.ccGenericServices = try bool(value, name, parser, at)
        case "java_generic_services": options.javaGenericServices = try bool(value, name, parser, at)
        case "py_generic_services": options.pyGenericServices = try bool(value, name, parser, at)
        case "deprecated": options.deprecated = try bool(value, name, parser, at)
        case "cc_enable_arenas": options.ccEnableArenas = try bool(value, name, parser, at)
        case "objc_class_prefix": options.objcClassPrefix = try string(value, name, parser, at)
        case "csharp_namespace": options.csharpNamespace = try string(value, name, parser, at)
        case "swift_prefix": options.swiftPrefix = try string(value, name, parser, at)
        case "php_class_prefix": options.phpClassPrefix = try string(value, name, parser, at)
        case "php_namespace": options.phpNamespace = try string(value, name, parser, at)
        case "php_metadata_namespace": options.phpMetadataNamespace = try string(value, name, parser, at)
        case "ruby_package": options.rubyPackage = try string(value, name, parser, at)
        case "optimize_for":
            guard case .identifier(let mode) = value else {
                throw parser.error("optimize_for takes SPEED, CODE_SIZE or LITE_RUNTIME", at: at)
            }
            switch mode {
            case "SPEED": options.optimizeFor = .speed
            case "CODE_SIZE": options.optimizeFor = .codeSize
            case "LITE_RUNTIME": options.optimizeFor = .liteRuntime
            default: throw parser.error("optimize_for takes SPEED, CODE_SIZE or LITE_RUNTIME", at: at)
            }
        default: throw unknown(name, parser, at)
        }
        try parser.expect(";", "after the option")
    }

    static func message(_ options: inout Google_Protobuf_MessageOptions, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else {
            return try parser.expect(";", "after the option")
        }
        switch name {
        case "message_set_wire_format": options.messageSetWireFormat = try bool(value, name, parser, at)
        case "no_standard_descriptor_accessor": options.noStandardDescriptorAccessor = try bool(value, name, parser, at)
        case "deprecated": options.deprecated = try bool(value, name, parser, at)
        case "map_entry":
            options.mapEntry = try bool(value, name, parser, at)
        default: throw unknown(name, parser, at)
        }
        try parser.expect(";", "after the option")
    }

    static func enumeration(_ options: inout Google_Protobuf_EnumOptions, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else {
            return try parser.expect(";", "after the option")
        }
        switch name {
        case "allow_alias": options.allowAlias = try bool(value, name, parser, at)
        case "deprecated": options.deprecated = try bool(value, name, parser, at)
        default: throw unknown(name, parser, at)
        }
        try parser.expect(";", "after the option")
    }

    /// Inside `[...]`: no `;`.
    static func enumValue(_ options: inout Google_Protobuf_EnumValueOptions, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else { return }
        guard name == "deprecated" else { throw unknown(name, parser, at) }
        options.deprecated = try bool(value, name, parser, at)
    }

    static func service(_ options: inout Google_Protobuf_ServiceOptions, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else {
            return try parser.expect(";", "after the option")
        }
        guard name == "deprecated" else { throw unknown(name, parser, at) }
        options.deprecated = try bool(value, name, parser, at)
        try parser.expect(";", "after the option")
    }

    static func method(_ options: inout Google_Protobuf_MethodOptions, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else {
            return try parser.expect(";", "after the option")
        }
        switch name {
        case "deprecated": options.deprecated = try bool(value, name, parser, at)
        case "idempotency_level":
            guard case .identifier(let level) = value else {
                throw parser.error("idempotency_level takes a level", at: at)
            }
            switch level {
            case "IDEMPOTENCY_UNKNOWN": options.idempotencyLevel = .idempotencyUnknown
            case "NO_SIDE_EFFECTS": options.idempotencyLevel = .noSideEffects
            case "IDEMPOTENT": options.idempotencyLevel = .idempotent
            default: throw parser.error("unknown idempotency_level \(level)", at: at)
            }
        default: throw unknown(name, parser, at)
        }
        try parser.expect(";", "after the option")
    }

    /// A field's `[...]` options, one at a time.
    static func field(_ field: inout Google_Protobuf_FieldDescriptorProto, _ parser: inout PCParser, key: String)
        throws(ProtoSourceError)
    {
        guard case .builtin(let name, let value, let at) = try assignment(&parser, key: key) else { return }
        switch name {
        case "default":
            guard !parser.proto3 else {
                throw parser.error("explicit default values are not allowed in proto3", at: at)
            }
            guard field.label != .repeated else {
                throw parser.error("repeated fields can't have default values", at: at)
            }
            parser.defaults[key] = (value, at)
            field.defaultValue = ""
        case "json_name":
            field.jsonName = try string(value, name, parser, at)
        case "packed": field.options.packed = try bool(value, name, parser, at)
        case "deprecated": field.options.deprecated = try bool(value, name, parser, at)
        case "lazy": field.options.lazy = try bool(value, name, parser, at)
        case "weak": field.options.weak = try bool(value, name, parser, at)
        case "ctype":
            guard case .identifier(let kind) = value else {
                throw parser.error("ctype takes STRING, CORD or STRING_PIECE", at: at)
            }
            switch kind {
            case "STRING": field.options.ctype = .string
            case "CORD": field.options.ctype = .cord
            case "STRING_PIECE": field.options.ctype = .stringPiece
            default: throw parser.error("ctype takes STRING, CORD or STRING_PIECE", at: at)
            }
        case "jstype":
            guard case .identifier(let kind) = value else {
                throw parser.error("jstype takes JS_NORMAL, JS_STRING or JS_NUMBER", at: at)
            }
            switch kind {
            case "JS_NORMAL": field.options.jstype = .jsNormal
            case "JS_STRING": field.options.jstype = .jsString
            case "JS_NUMBER": field.options.jstype = .jsNumber
            default: throw parser.error("jstype takes JS_NORMAL, JS_STRING or JS_NUMBER", at: at)
            }
        default: throw unknown(name, parser, at)
        }
    }

    /// Oneofs and extension ranges have custom options only.
    static func customOnly(_ parser: inout PCParser, key: String, what: String) throws(ProtoSourceError) {
        guard case .builtin(let name, _, let at) = try assignment(&parser, key: key) else { return }
        throw unknown(name, parser, at)
    }
}
