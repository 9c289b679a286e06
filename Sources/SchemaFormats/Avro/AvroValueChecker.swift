/// Checks a JSON value against a schema, in one of the spec's two JSON spellings of data:
/// field defaults (a union's value is its first branch's, unwrapped) and the JSON encoding
/// (a union's non-null value is wrapped as `{"branch": value}`). Everything else is shared:
/// bytes and fixed are strings of code points 0-255, enums are symbol strings, records are
/// objects whose fields without a default must be present. Unknown record members are
/// ignored, as Avro's JSON decoder does.
struct AvroValueChecker {
    enum Encoding { case defaultValue, json }

    struct Problem {
        var instanceLocation: String
        var schemaLocation: String
        /// What was expected, e.g. `long` or `record 'com.x.User'`.
        var expected: String
        var message: String
    }

    let model: AvroModel
    let encoding: Encoding
    private(set) var errors: [Problem] = []

    init(model: AvroModel, encoding: Encoding) {
        self.model = model
        self.encoding = encoding
    }

    private mutating func fail(_ instance: String, _ schemaPath: String, _ expected: String, _ message: String) {
        errors.append(
            Problem(instanceLocation: instance, schemaLocation: schemaPath, expected: expected, message: message))
    }

    mutating func check(_ value: JSONValue, _ schema: AvroSchema, instance: String, schemaPath: String) {
        switch schema {
        case .primitive(let primitive, _):
            if !Self.matches(value, primitive) {
                fail(
                    instance, schemaPath, primitive.rawValue,
                    "expected \(Self.article(primitive)), got \(value.serialized())")
            }
        case .array(let items, _):
            guard let elements = value.arrayValue else {
                return fail(instance, schemaPath, "array", "expected an array, got \(value.serialized())")
            }
            for (index, element) in elements.enumerated() {
                check(element, items, instance: "\(instance)/\(index)", schemaPath: schemaPath + "/items")
            }
        case .map(let values, _):
            guard let object = value.objectValue else {
                return fail(instance, schemaPath, "map", "expected a map (JSON object), got \(value.serialized())")
            }
            for member in object.members {
                check(
                    member.value, values, instance: instance + "/" + Self.escape(member.key),
                    schemaPath: schemaPath + "/values")
            }
        case .union(let branches):
            checkUnion(value, branches, instance: instance, schemaPath: schemaPath)
        case .named(let name):
            guard let definition = model.namedTypes[name] else { return }
            checkNamed(value, definition, instance: instance, schemaPath: schemaPath)
        }
    }

    private mutating func checkUnion(_ value: JSONValue, _ branches: [AvroSchema], instance: String, schemaPath: String)
    {
        switch encoding {
        case .defaultValue:
            guard let first = branches.first else {
                return fail(instance, schemaPath, "union", "an empty union has no values")
            }
            check(value, first, instance: instance, schemaPath: schemaPath + "/0")
        case .json:
            let names = branches.map(model.branchName)
            if value == .null {
                if names.contains("null") { return }
                return fail(instance, schemaPath, "union", "null is not one of the union's branches \(names)")
            }
            guard let object = value.objectValue, object.count == 1, let member = object.members.first else {
                return fail(
                    instance, schemaPath, "union",
                    "a union value must be null or an object with one member naming its branch (one of \(names)), got \(value.serialized())"
                )
            }
            guard let index = names.firstIndex(of: member.key) else {
                return fail(
                    instance, schemaPath, "union", "'\(member.key)' is not one of the union's branches \(names)")
            }
            check(
                member.value, branches[index], instance: instance + "/" + Self.escape(member.key),
                schemaPath: "\(schemaPath)/\(index)")
        }
    }

    private mutating func checkNamed(
        _ value: JSONValue, _ definition: AvroNamedType, instance: String, schemaPath: String
    ) {
        let expected = "\(definition.typeName) '\(definition.fullname)'"
        switch definition.kind {
        case .fixed(let size):
            guard let text = value.stringValue, Self.isByteString(text) else {
                return fail(
                    instance, schemaPath, expected, "expected a string of code points 0-255, got \(value.serialized())")
            }
            let count = text.unicodeScalars.count
            if count != size {
                fail(instance, schemaPath, expected, "expected \(size) bytes, got \(count)")
            }
        case .enumeration(let symbols, _):
            guard let symbol = value.stringValue, symbols.contains(symbol) else {
                return fail(
                    instance, schemaPath, expected, "expected one of the symbols \(symbols), got \(value.serialized())")
            }
        case .record(let fields):
            guard let object = value.objectValue else {
                return fail(
                    instance, schemaPath, expected, "expected a record (JSON object), got \(value.serialized())")
            }
            for (index, field) in fields.enumerated() {
                let fieldPath = "\(schemaPath)/fields/\(index)"
                if let member = object[field.name] {
                    check(
                        member, field.type, instance: instance + "/" + Self.escape(field.name),
                        schemaPath: fieldPath + "/type")
                } else if field.usableDefault == nil {
                    fail(instance, fieldPath, expected, "missing field '\(field.name)', which has no default")
                }
            }
        }
    }

    static func matches(_ value: JSONValue, _ primitive: AvroPrimitive) -> Bool {
        switch (primitive, value) {
        case (.null, .null), (.boolean, .bool), (.string, .string): return true
        case (.int, .number(let number)):
            guard number.isInteger, let exact = number.int64 else { return false }
            return exact >= Int64(Int32.min) && exact <= Int64(Int32.max)
        case (.long, .number(let number)):
            // Plain integer literals are checked on their text: 9223372036854775808 must not
            // round into range through Double.
            if number.text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) { return Int64(number.text) != nil }
            return number.isInteger && Int64(exactly: number.double) != nil
        case (.float, .number), (.double, .number): return true
        case (.float, .string(let text)), (.double, .string(let text)):
            // Java's JSON codec spells non-finite values as these strings.
            return ["NaN", "Infinity", "-Infinity"].contains(text)
        case (.bytes, .string(let text)): return isByteString(text)
        default: return false
        }
    }

    static func isByteString(_ text: String) -> Bool { text.unicodeScalars.allSatisfy { $0.value <= 0xFF } }

    static func article(_ primitive: AvroPrimitive) -> String {
        switch primitive {
        case .null: "null"
        case .boolean: "a boolean"
        case .int: "an int (32-bit integer)"
        case .long: "a long (64-bit integer)"
        case .float: "a float"
        case .double: "a double"
        case .bytes: "bytes (a string of code points 0-255)"
        case .string: "a string"
        }
    }

    /// JSON pointer escaping of one reference token.
    static func escape(_ token: String) -> String {
        var escaped = ""
        for character in token {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
