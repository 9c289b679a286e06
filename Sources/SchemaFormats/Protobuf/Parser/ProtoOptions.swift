import SwiftProtobuf

/// Built-in options, read into the typed fields of the options messages as protoc sets them.
/// Custom options (`(my.option) = ...`) are refused: they need the option's extension
/// definition interpreted, which this compiler does not do yet.
enum ProtoOptions {
    /// An option's value as written.
    enum Constant {
        case identifier(String)
        case integer(Int64)
        case float(String)
        case string([UInt8])
    }

    /// `name = constant`, after `option` (the caller expects the `;` or `,` that follows).
    private static func assignment(_ parser: inout ProtoParser) throws(ProtoSourceError) -> (
        String, Constant, ProtoToken
    ) {
        let at = parser.token
        if parser.isSymbol("(") {
            throw parser.error("custom options are not supported yet (only the built-in options)")
        }
        let name = try parser.dottedName("the option's name")
        try parser.expect("=", "after the option's name")
        return (name, try constant(&parser), at)
    }

    static func constant(_ parser: inout ProtoParser) throws(ProtoSourceError) -> Constant {
        let token = parser.token
        switch token.kind {
        case .string: return .string(try parser.stringLiteral("the option's value"))
        case .identifier:
            parser.advance()
            return .identifier(token.text)
        case .integer:
            return .integer(try parser.integer("the option's value", in: Int64.min...Int64.max))
        case .float:
            parser.advance()
            return .float(token.text)
        case .symbol where token.text == "-" || token.text == "+":
            parser.advance()
            let next = parser.token
            if next.kind == .integer, let value = ProtoParser.integerValue(next.text) {
                parser.advance()
                return .integer(token.text == "-" ? -value : value)
            }
            parser.advance()
            return .float(token.text == "-" ? "-" + next.text : next.text)
        default:
            throw parser.error("expected the option's value, found \(token.describe)")
        }
    }

    private static func bool(_ value: Constant, _ name: String, _ parser: ProtoParser, _ at: ProtoToken)
        throws(ProtoSourceError)
        -> Bool
    {
        guard case .identifier(let word) = value, word == "true" || word == "false" else {
            throw parser.error("option \(name) takes true or false", at: at)
        }
        return word == "true"
    }

    private static func string(_ value: Constant, _ name: String, _ parser: ProtoParser, _ at: ProtoToken)
        throws(ProtoSourceError)
        -> String
    {
        guard case .string(let bytes) = value, let text = String(validating: bytes, as: UTF8.self) else {
            throw parser.error("option \(name) takes a string", at: at)
        }
        return text
    }

    private static func unknown(_ name: String, _ parser: ProtoParser, _ at: ProtoToken) -> ProtoSourceError {
        parser.error("option \"\(name)\" unknown", at: at)
    }

    static func file(_ options: inout Google_Protobuf_FileOptions, _ parser: inout ProtoParser) throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
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

    static func message(_ options: inout Google_Protobuf_MessageOptions, _ parser: inout ProtoParser)
        throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
        switch name {
        case "message_set_wire_format": options.messageSetWireFormat = try bool(value, name, parser, at)
        case "no_standard_descriptor_accessor": options.noStandardDescriptorAccessor = try bool(value, name, parser, at)
        case "deprecated": options.deprecated = try bool(value, name, parser, at)
        case "map_entry":
            throw parser.error("map_entry should not be set explicitly; use map<KeyType, ValueType> instead", at: at)
        default: throw unknown(name, parser, at)
        }
        try parser.expect(";", "after the option")
    }

    static func enumeration(_ options: inout Google_Protobuf_EnumOptions, _ parser: inout ProtoParser)
        throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
        switch name {
        case "allow_alias": options.allowAlias = try bool(value, name, parser, at)
        case "deprecated": options.deprecated = try bool(value, name, parser, at)
        default: throw unknown(name, parser, at)
        }
        try parser.expect(";", "after the option")
    }

    /// Inside `[...]`: no `;`.
    static func enumValue(_ options: inout Google_Protobuf_EnumValueOptions, _ parser: inout ProtoParser)
        throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
        guard name == "deprecated" else { throw unknown(name, parser, at) }
        options.deprecated = try bool(value, name, parser, at)
    }

    static func service(_ options: inout Google_Protobuf_ServiceOptions, _ parser: inout ProtoParser)
        throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
        guard name == "deprecated" else { throw unknown(name, parser, at) }
        options.deprecated = try bool(value, name, parser, at)
        try parser.expect(";", "after the option")
    }

    static func method(_ options: inout Google_Protobuf_MethodOptions, _ parser: inout ProtoParser)
        throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
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
    static func field(_ field: inout Google_Protobuf_FieldDescriptorProto, _ parser: inout ProtoParser)
        throws(ProtoSourceError)
    {
        let (name, value, at) = try assignment(&parser)
        switch name {
        case "default":
            guard !parser.proto3 else {
                throw parser.error("explicit default values are not allowed in proto3", at: at)
            }
            guard field.label != .repeated else {
                throw parser.error("repeated fields can't have default values", at: at)
            }
            field.defaultValue = try defaultText(value, parser, at)
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

    /// protoc's textual form of a default (`default_value`): checked against the type later.
    private static func defaultText(_ value: Constant, _ parser: ProtoParser, _ at: ProtoToken) throws(ProtoSourceError)
        -> String
    {
        switch value {
        case .identifier(let word): return word
        case .integer(let number): return String(number)
        case .float(let text): return text
        case .string(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
