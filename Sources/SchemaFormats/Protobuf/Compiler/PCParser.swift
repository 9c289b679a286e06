import SwiftProtobuf

/// Recursive descent over ``PCToken``s into a `FileDescriptorProto` whose named field types
/// are still as written (``PCResolver`` qualifies them). Proto2 and proto3; editions, groups
/// and custom options are refused with a clear message.
struct PCParser {
    var tokens: [PCToken]
    var position = 0
    let file: String
    var proto3 = false
    var depth = 0
    static let maxDepth = 100
    /// The enclosing messages' names, outermost first (the keys below are relative to the file).
    var scope: [String] = [] {
        didSet { scopePath = scope.joined(separator: ".") }
    }
    /// `scope` joined with dots, kept with it: every element's key starts with it.
    private(set) var scopePath = ""
    /// Custom options by element key (see ``key(_:_:)``), in source order.
    var customOptions: [String: [PCCustomOption]] = [:]
    /// `[default = ...]` as written, by field key: checked and formatted once types resolve.
    var defaults: [String: (PCOptions.Constant, PCToken)] = [:]
    /// Where each element (and, under `type:` + key, each named field type) is written; only
    /// kept when `recordsLocations` (see ``PCSourceMap``).
    var locations: [String: PCToken] = [:]
    let recordsLocations: Bool

    init(tokens: [PCToken], file: String, recordsLocations: Bool = false) {
        self.tokens = tokens
        self.file = file
        self.recordsLocations = recordsLocations
    }

    /// The parsed file and what the later passes need from the source.
    struct Parsed {
        var file: Google_Protobuf_FileDescriptorProto
        var customOptions: [String: [PCCustomOption]]
        var defaults: [String: (PCOptions.Constant, PCToken)]
        var locations: [String: PCToken]
        var importLocations: [PCToken]
    }

    /// `recordsLocations`: also where every element is written (`Parsed.locations`), which only
    /// an error after parsing needs; ``PCSourceMap`` parses again to get them then.
    static func parse(_ text: String, file: String, recordsLocations: Bool = false) throws(ProtoSourceError) -> Parsed {
        var parser = PCParser(
            tokens: try PCLexer.tokens(text, file: file), file: file, recordsLocations: recordsLocations)
        let descriptor = try parser.parseFile()
        return Parsed(
            file: descriptor, customOptions: parser.customOptions, defaults: parser.defaults,
            locations: parser.locations, importLocations: parser.importLocations)
    }

    var importLocations: [PCToken] = []

    /// An element's key: `kind:` and its dotted path from the file's top level.
    func key(_ kind: String, _ name: String) -> String {
        scopePath.isEmpty ? kind + ":" + name : kind + ":" + scopePath + "." + name
    }

    // MARK: Tokens

    /// The current token, borrowed in place: a copy would retain and release its text and bytes
    /// on every look, and the parser looks several times per token.
    var token: PCToken {
        _read { yield tokens[position] }
    }

    func error(_ message: String, at token: PCToken? = nil) -> ProtoSourceError {
        let at = token ?? self.token
        return ProtoSourceError(file: file, line: at.line, column: at.column, message: message)
    }

    /// Symbols are one character (the lexer makes one token per symbol byte), compared as a byte.
    func isSymbol(_ symbol: Unicode.Scalar) -> Bool { token.kind == .symbol && token.symbol == UInt8(symbol.value) }
    func isWord(_ word: String) -> Bool { token.kind == .identifier && token.text == word }

    mutating func advance() { if token.kind != .end { position += 1 } }

    // The descriptions of what is expected are autoclosures: they are only built for an error.

    mutating func expect(_ symbol: Unicode.Scalar, _ context: @autoclosure () -> String) throws(ProtoSourceError) {
        guard isSymbol(symbol) else { throw error("expected '\(symbol)' \(context()), found \(token.describe)") }
        advance()
    }

    mutating func take(_ symbol: Unicode.Scalar) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func identifier(_ what: @autoclosure () -> String) throws(ProtoSourceError) -> String {
        guard token.kind == .identifier else { throw error("expected \(what()), found \(token.describe)") }
        defer { advance() }
        return token.text
    }

    /// `a.b.c`, optionally with a leading dot (type references).
    mutating func dottedName(_ what: @autoclosure () -> String, leadingDot: Bool = false) throws(ProtoSourceError)
        -> String
    {
        var name = ""
        if leadingDot, take(".") { name = "." }
        name += try identifier(what())
        while isSymbol(".") {
            advance()
            name += "." + (try identifier(what()))
        }
        return name
    }

    mutating func stringLiteral(_ what: String) throws(ProtoSourceError) -> [UInt8] {
        guard token.kind == .string else { throw error("expected \(what) (a string), found \(token.describe)") }
        var bytes: [UInt8] = []
        // Adjacent literals concatenate.
        while token.kind == .string {
            bytes += token.bytes
            advance()
        }
        return bytes
    }

    mutating func text(_ what: String) throws(ProtoSourceError) -> String {
        let bytes = try stringLiteral(what)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw error("\(what) is not valid UTF-8") }
        return text
    }

    /// An integer literal with an optional sign, within `range`.
    mutating func integer(_ what: String, in range: ClosedRange<Int64>) throws(ProtoSourceError) -> Int64 {
        let negative = take("-")
        guard token.kind == .integer else { throw error("expected \(what) (an integer), found \(token.describe)") }
        let literal = token
        advance()
        guard var value = Self.integerValue(literal.text) else {
            throw error("\(what) \(literal.text) is not an integer that fits in 64 bits", at: literal)
        }
        if negative { value = -value }
        guard range.contains(value) else {
            throw error("\(what) \(negative ? "-" : "")\(literal.text) is out of range", at: literal)
        }
        return value
    }

    static func unsignedValue(_ text: String) -> UInt64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) }
        if text.utf8.count > 1, text.utf8.first == UInt8(ascii: "0") { return UInt64(text.dropFirst(), radix: 8) }
        return UInt64(text)
    }

    static func integerValue(_ text: String) -> Int64? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int64(text.dropFirst(2), radix: 16) }
        if text.utf8.count > 1, text.utf8.first == UInt8(ascii: "0") { return Int64(text.dropFirst(), radix: 8) }
        return Int64(text)
    }

    // MARK: File

    mutating func parseFile() throws(ProtoSourceError) -> Google_Protobuf_FileDescriptorProto {
        var descriptor = Google_Protobuf_FileDescriptorProto()
        descriptor.name = file
        if isWord("edition") { throw error("editions are not supported; use syntax = \"proto2\" or \"proto3\"") }
        if isWord("syntax") {
            advance()
            try expect("=", "after 'syntax'")
            let syntaxToken = token
            let syntax = try text("the syntax")
            guard syntax == "proto2" || syntax == "proto3" else {
                throw error("unknown syntax \"\(syntax)\": expected \"proto2\" or \"proto3\"", at: syntaxToken)
            }
            try expect(";", "after the syntax")
            proto3 = syntax == "proto3"
            if proto3 { descriptor.syntax = "proto3" }
        }
        var packageSeen = false
        // Collected in locals and assigned once (see `message()`).
        var messages: [Google_Protobuf_DescriptorProto] = []
        var enums: [Google_Protobuf_EnumDescriptorProto] = []
        var services: [Google_Protobuf_ServiceDescriptorProto] = []
        var extensions: [Google_Protobuf_FieldDescriptorProto] = []
        while token.kind != .end {
            if take(";") { continue }
            let keyword = token
            switch keyword.text {
            case "package" where keyword.kind == .identifier:
                guard !packageSeen else { throw error("a file has one package statement", at: keyword) }
                advance()
                descriptor.package = try dottedName("the package name")
                try expect(";", "after the package name")
                packageSeen = true
            case "import" where keyword.kind == .identifier:
                advance()
                let index = Int32(descriptor.dependency.count)
                if isWord("public") {
                    advance()
                    descriptor.publicDependency.append(index)
                } else if isWord("weak") {
                    advance()
                    descriptor.weakDependency.append(index)
                }
                importLocations.append(token)
                let path = try text("the import path")
                guard !descriptor.dependency.contains(path) else {
                    throw error("\"\(path)\" is imported twice", at: keyword)
                }
                descriptor.dependency.append(path)
                try expect(";", "after the import")
            case "option" where keyword.kind == .identifier:
                advance()
                try PCOptions.file(&descriptor.options, &self, key: "file")
            case "message" where keyword.kind == .identifier:
                advance()
                messages.append(try message())
            case "enum" where keyword.kind == .identifier:
                advance()
                enums.append(try enumeration())
            case "service" where keyword.kind == .identifier:
                advance()
                services.append(try service())
            case "extend" where keyword.kind == .identifier:
                advance()
                let (fields, groups) = try extend()
                extensions += fields
                messages += groups
            default:
                throw error(
                    "expected a top-level statement (package, import, option, message, enum, service, "
                        + "extend), found \(keyword.describe)")
            }
        }
        descriptor.messageType = messages
        descriptor.enumType = enums
        descriptor.service = services
        descriptor.extension = extensions
        return descriptor
    }

    mutating func enumeration() throws(ProtoSourceError) -> Google_Protobuf_EnumDescriptorProto {
        var descriptor = Google_Protobuf_EnumDescriptorProto()
        let nameToken = token
        descriptor.name = try identifier("the enum's name")
        let enumKey = key("enum", descriptor.name)
        if recordsLocations { locations[enumKey] = nameToken }
        let valuePrefix = (scope + [descriptor.name]).joined(separator: ".")
        try expect("{", "after the enum's name")
        var values: [Google_Protobuf_EnumValueDescriptorProto] = []
        while !take("}") {
            guard token.kind != .end else { throw error("enum \(descriptor.name) is not closed") }
            if take(";") { continue }
            if isWord("option") {
                advance()
                try PCOptions.enumeration(&descriptor.options, &self, key: enumKey)
            } else if isWord("reserved") {
                advance()
                try reserved(
                    max: Int64(Int32.max), minimum: Int64(Int32.min),
                    range: { start, end in
                        descriptor.reservedRange.append(
                            .with {
                                $0.start = Int32(start)
                                $0.end = Int32(end)
                            })
                    },
                    name: { descriptor.reservedName.append($0) })
            } else {
                var value = Google_Protobuf_EnumValueDescriptorProto()
                let valueToken = token
                value.name = try identifier("an enum value's name")
                let valueKey = "value:\(valuePrefix).\(value.name)"
                if recordsLocations { locations[valueKey] = valueToken }
                try expect("=", "after the enum value's name")
                value.number = Int32(try integer("the enum value", in: Int64(Int32.min)...Int64(Int32.max)))
                if take("[") {
                    repeat { try PCOptions.enumValue(&value.options, &self, key: valueKey) } while take(",")
                    try expect("]", "after the enum value's options")
                }
                try expect(";", "after the enum value")
                values.append(value)
            }
        }
        descriptor.value = values
        return descriptor
    }

    /// `reserved 1, 2 to 5, 9 to max;` or `reserved "a", "b";`. Ranges are passed inclusive.
    mutating func reserved(
        max: Int64, minimum: Int64, range: (Int64, Int64) -> Void, name: (String) -> Void
    ) throws(ProtoSourceError) {
        if token.kind == .string {
            repeat { name(try text("a reserved name")) } while take(",")
        } else {
            repeat {
                let start = try integer("a reserved number", in: minimum...max)
                var end = start
                if isWord("to") {
                    advance()
                    end = isWord("max") ? max : try integer("the end of the range", in: minimum...max)
                    if isWord("max") { advance() }
                }
                guard end >= start else { throw error("reserved range \(start) to \(end) is empty") }
                range(start, end)
            } while take(",")
        }
        try expect(";", "after the reserved list")
    }

    mutating func service() throws(ProtoSourceError) -> Google_Protobuf_ServiceDescriptorProto {
        var descriptor = Google_Protobuf_ServiceDescriptorProto()
        let nameToken = token
        descriptor.name = try identifier("the service's name")
        if recordsLocations { locations["service:" + descriptor.name] = nameToken }
        try expect("{", "after the service's name")
        while !take("}") {
            guard token.kind != .end else { throw error("service \(descriptor.name) is not closed") }
            if take(";") { continue }
            if isWord("option") {
                advance()
                try PCOptions.service(&descriptor.options, &self, key: "service:" + descriptor.name)
                continue
            }
            guard isWord("rpc") else { throw error("expected 'rpc' or 'option' in a service, found \(token.describe)") }
            advance()
            var method = Google_Protobuf_MethodDescriptorProto()
            let methodToken = token
            method.name = try identifier("the rpc's name")
            let methodKey = "method:\(descriptor.name).\(method.name)"
            if recordsLocations { locations[methodKey] = methodToken }
            try expect("(", "before the request type")
            if isWord("stream"), tokens[position + 1].kind == .identifier || tokens[position + 1].text == "." {
                advance()
                method.clientStreaming = true
            }
            if recordsLocations { locations["input:" + methodKey] = token }
            method.inputType = try dottedName("the request type", leadingDot: true)
            try expect(")", "after the request type")
            guard isWord("returns") else { throw error("expected 'returns', found \(token.describe)") }
            advance()
            try expect("(", "before the response type")
            if isWord("stream"), tokens[position + 1].kind == .identifier || tokens[position + 1].text == "." {
                advance()
                method.serverStreaming = true
            }
            if recordsLocations { locations["output:" + methodKey] = token }
            method.outputType = try dottedName("the response type", leadingDot: true)
            try expect(")", "after the response type")
            if take("{") {
                // protoc gives a method written with a body options, even empty ones.
                method.options = Google_Protobuf_MethodOptions()
                while !take("}") {
                    guard token.kind != .end else { throw error("rpc \(method.name) is not closed") }
                    if take(";") { continue }
                    guard isWord("option") else { throw error("expected 'option' in an rpc, found \(token.describe)") }
                    advance()
                    try PCOptions.method(&method.options, &self, key: methodKey)
                }
            } else {
                try expect(";", "after the rpc")
            }
            descriptor.method.append(method)
        }
        return descriptor
    }
}
