import SwiftProtobuf

/// Swift names, following protoc-gen-swift where the generated code has to meet its output.
enum SwiftNaming {
    /// protoc-gen-swift's type prefix for a file: its `swift_prefix` option if set, else the package in
    /// UpperCamel with `_` between components (`srp` → `Srp_`, `foo.bar_baz` → `Foo_BarBaz_`).
    static func typePrefix(package: String, options: Google_Protobuf_FileOptions) -> String {
        if options.hasSwiftPrefix { return options.swiftPrefix }
        if package.isEmpty { return "" }
        var prefix = ""
        var makeUpper = true
        for character in package {
            if character == "_" {
                makeUpper = true
            } else if character == "." {
                makeUpper = true
                prefix.append("_")
            } else {
                if prefix.isEmpty && character.isASCIIDigit { prefix.append("_") }
                prefix.append(makeUpper ? Character(character.uppercased()) : character)
                makeUpper = false
            }
        }
        return prefix + "_"
    }

    /// protoc-gen-swift's sanitising of a message name: reserved names get a `Message` suffix.
    static func sanitize(messageName name: String) -> String {
        let disambiguator = "Message"
        if reservedTypeNames.contains(name) || (!name.isEmpty && name.allSatisfy { $0 == "_" }) {
            return name + disambiguator
        }
        if name.hasSuffix(disambiguator) {
            return sanitize(messageName: String(name.dropLast(disambiguator.count))) + disambiguator
        }
        return name
    }

    /// The lowerCamel Swift name of an rpc: `GetSchemaById` → `getSchemaById`, `URLLookup` → `urlLookup`,
    /// `get_thing` → `getThing`. Unlike protoc-gen-swift's field naming, acronyms are left alone (`Id` stays `Id`).
    static func lowerCamel(rpcName: String) -> String {
        // Underscores join words: drop them and capitalise what follows.
        var upperCamel = ""
        var makeUpper = true
        for character in rpcName {
            if character == "_" {
                makeUpper = true
            } else {
                upperCamel.append(makeUpper ? Character(character.uppercased()) : character)
                makeUpper = false
            }
        }
        // Lowercase the leading run of capitals, except the last one when it starts the next word.
        let characters = Array(upperCamel)
        var leading = 0
        while leading < characters.count && characters[leading].isUppercase { leading += 1 }
        if leading > 1 && leading < characters.count && characters[leading].isLowercase { leading -= 1 }
        leading = max(leading, min(1, characters.count))
        return characters[..<leading].map { $0.lowercased() }.joined() + String(characters[leading...])
    }

    /// Whether `name` is an identifier that can be used without backticks as an enum case and a method name.
    static func needsBackticks(_ name: String) -> Bool {
        keywords.contains(name)
    }

    static func isValidIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isXIDStart else {
            return false
        }
        return name != "_" && name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isXIDContinue }
    }

    static let keywords: Set<String> = [
        // Declarations.
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "protocol", "public", "static", "struct", "subscript",
        "typealias", "var",
        // Statements.
        "break", "case", "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in",
        "repeat", "return", "switch", "where", "while",
        // Expressions and types.
        "as", "Any", "catch", "false", "is", "nil", "rethrows", "super", "self", "Self", "throw", "throws", "true",
        "try",
    ]

    /// protoc-gen-swift's `reservedTypeNames`.
    static let reservedTypeNames: Set<String> = keywords.union([
        "SwiftProtobuf", "Extensions", "protoMessageName", "decodeMessage", "traverse", "isInitialized",
        "unknownFields", "debugDescription", "description", "dynamicType", "hashValue", "Type", "Protocol", "Swift",
        "Equatable", "Hashable", "Sendable",
        "Bool", "Data", "Double", "Float", "Int", "Int32", "Int64", "String", "UInt", "UInt32", "UInt64",
        "__COLUMN__", "__FILE__", "__FUNCTION__", "__LINE__",
    ])
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
