import SwiftProtobuf

/// The built-in options a descriptor has set, as `name = value` pairs of `.proto` syntax, in
/// the order of their field numbers. (Custom options are extension fields and not printed here;
/// see ``ProtoPrinter``.)
enum ProtoOptionText {
    static func brackets(_ pairs: [(String, String)]) -> String {
        pairs.isEmpty ? "" : " [" + pairs.map { "\($0.0) = \($0.1)" }.joined(separator: ", ") + "]"
    }

    static func file(_ o: Google_Protobuf_FileOptions) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if o.hasJavaPackage { pairs.append(("java_package", quoted(o.javaPackage))) }
        if o.hasJavaOuterClassname { pairs.append(("java_outer_classname", quoted(o.javaOuterClassname))) }
        if o.hasOptimizeFor { pairs.append(("optimize_for", optimizeMode(o.optimizeFor))) }
        if o.hasJavaMultipleFiles { pairs.append(("java_multiple_files", "\(o.javaMultipleFiles)")) }
        if o.hasGoPackage { pairs.append(("go_package", quoted(o.goPackage))) }
        if o.hasCcGenericServices { pairs.append(("cc_generic_services", "\(o.ccGenericServices)")) }
        if o.hasJavaGenericServices { pairs.append(("java_generic_services", "\(o.javaGenericServices)")) }
        if o.hasPyGenericServices { pairs.append(("py_generic_services", "\(o.pyGenericServices)")) }
        if o.hasJavaGenerateEqualsAndHash {
            pairs.append(("java_generate_equals_and_hash", "\(o.javaGenerateEqualsAndHash)"))
        }
        if o.hasDeprecated { pairs.append(("deprecated", "\(o.deprecated)")) }
        if o.hasJavaStringCheckUtf8 { pairs.append(("java_string_check_utf8", "\(o.javaStringCheckUtf8)")) }
        if o.hasCcEnableArenas { pairs.append(("cc_enable_arenas", "\(o.ccEnableArenas)")) }
        if o.hasObjcClassPrefix { pairs.append(("objc_class_prefix", quoted(o.objcClassPrefix))) }
        if o.hasCsharpNamespace { pairs.append(("csharp_namespace", quoted(o.csharpNamespace))) }
        if o.hasSwiftPrefix { pairs.append(("swift_prefix", quoted(o.swiftPrefix))) }
        if o.hasPhpClassPrefix { pairs.append(("php_class_prefix", quoted(o.phpClassPrefix))) }
        if o.hasPhpNamespace { pairs.append(("php_namespace", quoted(o.phpNamespace))) }
        if o.hasPhpMetadataNamespace { pairs.append(("php_metadata_namespace", quoted(o.phpMetadataNamespace))) }
        if o.hasRubyPackage { pairs.append(("ruby_package", quoted(o.rubyPackage))) }
        return pairs
    }

    private static func optimizeMode(_ mode: Google_Protobuf_FileOptions.OptimizeMode) -> String {
        switch mode {
        case .speed: "SPEED"
        case .codeSize: "CODE_SIZE"
        case .liteRuntime: "LITE_RUNTIME"
        }
    }

    static func message(_ o: Google_Protobuf_MessageOptions) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if o.hasMessageSetWireFormat { pairs.append(("message_set_wire_format", "\(o.messageSetWireFormat)")) }
        if o.hasNoStandardDescriptorAccessor {
            pairs.append(("no_standard_descriptor_accessor", "\(o.noStandardDescriptorAccessor)"))
        }
        if o.hasDeprecated { pairs.append(("deprecated", "\(o.deprecated)")) }
        // map_entry is implied by `map<K, V>` and not written by hand.
        return pairs
    }

    static func field(_ field: Google_Protobuf_FieldDescriptorProto, proto3: Bool) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if field.hasDefaultValue { pairs.append(("default", defaultText(field))) }
        if field.hasJsonName, field.jsonName != defaultJSONName(field.name) {
            pairs.append(("json_name", quoted(field.jsonName)))
        }
        guard field.hasOptions else { return pairs }
        let o = field.options
        if o.hasCtype {
            pairs.append(("ctype", o.ctype == .cord ? "CORD" : o.ctype == .stringPiece ? "STRING_PIECE" : "STRING"))
        }
        if o.hasPacked { pairs.append(("packed", "\(o.packed)")) }
        if o.hasJstype {
            pairs.append(
                ("jstype", o.jstype == .jsString ? "JS_STRING" : o.jstype == .jsNumber ? "JS_NUMBER" : "JS_NORMAL"))
        }
        if o.hasLazy { pairs.append(("lazy", "\(o.lazy)")) }
        if o.hasDeprecated { pairs.append(("deprecated", "\(o.deprecated)")) }
        if o.hasWeak { pairs.append(("weak", "\(o.weak)")) }
        return pairs
    }

    static func oneof(_ o: Google_Protobuf_OneofOptions) -> [(String, String)] { [] }

    static func extensionRange(_ o: Google_Protobuf_ExtensionRangeOptions) -> [(String, String)] { [] }

    static func enumeration(_ o: Google_Protobuf_EnumOptions) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if o.hasAllowAlias { pairs.append(("allow_alias", "\(o.allowAlias)")) }
        if o.hasDeprecated { pairs.append(("deprecated", "\(o.deprecated)")) }
        return pairs
    }

    static func enumValue(_ o: Google_Protobuf_EnumValueOptions) -> [(String, String)] {
        o.hasDeprecated ? [("deprecated", "\(o.deprecated)")] : []
    }

    static func service(_ o: Google_Protobuf_ServiceOptions) -> [(String, String)] {
        o.hasDeprecated ? [("deprecated", "\(o.deprecated)")] : []
    }

    static func method(_ o: Google_Protobuf_MethodOptions) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if o.hasDeprecated { pairs.append(("deprecated", "\(o.deprecated)")) }
        if o.hasIdempotencyLevel {
            let level =
                switch o.idempotencyLevel {
                case .idempotencyUnknown: "IDEMPOTENCY_UNKNOWN"
                case .noSideEffects: "NO_SIDE_EFFECTS"
                case .idempotent: "IDEMPOTENT"
                }
            pairs.append(("idempotency_level", level))
        }
        return pairs
    }

    /// protoc's default JSON name: lowerCamelCase of the field name (underscores dropped, the
    /// letter after each upper-cased).
    static func defaultJSONName(_ name: String) -> String {
        // protoc's ToJsonName works on bytes and upper-cases ASCII letters only.
        let underscore = UInt8(ascii: "_")
        guard name.utf8.contains(underscore) else { return name }
        var result: [UInt8] = []
        result.reserveCapacity(name.utf8.count)
        var upperNext = false
        for byte in name.utf8 {
            if byte == underscore {
                upperNext = true
            } else if upperNext {
                result.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
                upperNext = false
            } else {
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `default_value` holds protoc's text: strings raw, bytes C-escaped, enums by name.
    private static func defaultText(_ field: Google_Protobuf_FieldDescriptorProto) -> String {
        switch field.type {
        case .string: quoted(field.defaultValue)
        case .bytes: "\"" + field.defaultValue + "\""
        default: field.defaultValue
        }
    }
}
