// Shared by the property test (Tests/SchemaFormatsTests) and the libFuzzer target
// (fuzz/Sources/FuzzJSONSchemaSoundness, through a symbolic link): public API only.
import SchemaFormats
import SchemaRegistryCore

/// Where the generator's choices come from: a seeded PRNG in tests, the fuzzer's bytes there.
protocol SoundnessEntropy {
    /// The next choice; only its value modulo small numbers (at most 256) is used.
    mutating func next() -> UInt64
}

/// SplitMix64: the same seed gives the same schemas on every machine.
struct SeededEntropy: SoundnessEntropy {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One byte per choice, zeros once the bytes run out, so that libFuzzer's byte mutations
/// become choice mutations (and every input, however short, gives a finite pair).
struct ByteEntropy: SoundnessEntropy {
    var bytes: [UInt8]
    var position = 0

    mutating func next() -> UInt64 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return UInt64(bytes[position])
    }
}

/// A writer schema, a reader derived from it by a few mutations, and candidate documents
/// (guided by both schemas, so many sit on the boundaries the mutations moved).
struct SoundnessCase {
    var writer: JSONValue
    var reader: JSONValue
    var documents: [JSONValue]
    /// What was done to the writer to get the reader, for failure messages.
    var mutations: [String]
}

/// Generates writer/reader pairs of JSON Schemas and documents, bounded in depth and size.
struct SoundnessGenerator {
    var source: any SoundnessEntropy

    init(_ source: any SoundnessEntropy) { self.source = source }

    // MARK: Choices

    mutating func below(_ count: Int) -> Int { count <= 1 ? 0 : Int(source.next() % UInt64(count)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ options: [T]) -> T { options[below(options.count)] }

    static let names = ["a", "b", "c", "x_1", "x_2"]
    static let numbers: [Double] = [-3, -1, 0, 0.1, 0.3, 0.5, 1, 1.5, 2, 2.5, 3, 4, 6, 10]
    /// Some match every string (`.*`, `x*`, `^`, `(a|)`); `^.*$` does not (line breaks).
    static let patterns = ["^a", "b", "^[a-c]*$", "^.{0,2}$", "\\d", ".*", "x*", "^", "(a|)", "^.*$"]
    static let strings = ["", "a", "b", "ab", "abc", "x_1", "aaaa", "ba", "é", "A1", "a\nb"]
    static let types = ["null", "boolean", "integer", "number", "string", "array", "object"]
    static let drafts = [
        "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft-04/schema#",
    ]

    mutating func number() -> JSONValue {
        // `2.0` is an integer to JSON Schema, though written with a fraction.
        chance(5) ? .number(JSONNumber(text: "2.0", double: 2)) : .number(JSONNumber(pick(Self.numbers)))
    }
    mutating func count(_ upTo: Int) -> JSONValue { .number(JSONNumber(below(upTo + 1))) }
    mutating func name() -> String { pick(Self.names) }

    // MARK: Cases

    mutating func makeCase() -> SoundnessCase {
        var writer = schema(depth: 3)
        if case .object(var root) = writer {
            if chance(30) { root["$defs"] = .object(JSONObject([("d", schema(depth: 2))])) }
            if chance(25) { root["$schema"] = .string(pick(Self.drafts)) }
            writer = .object(root)
            // The definition also known by an anchor or an `$id`, and some references using it.
            if case .object(var definition) = root["$defs"]?["d"], chance(40) {
                let (keyword, name, reference) =
                    chance(50)
                    ? ("$anchor", "dd", "#dd") : chance(50) ? ("$id", "#dd", "#dd") : ("$id", "d.json", "d.json")
                definition[keyword] = .string(name)
                writer = Self.replacing(at: ["$defs", "d"], in: writer, with: .object(definition))
                writer = renaming(references: "#/$defs/d", to: reference, in: writer)
            }
        }
        var reader = writer
        var mutations: [String] = []
        for _ in 0..<(1 + below(3)) {
            let positions = Self.positions(in: reader)
            let path = pick(positions)
            let (mutated, what) = mutate(Self.value(at: path, in: reader) ?? .bool(true), root: path.isEmpty)
            reader = Self.replacing(at: path, in: reader, with: mutated)
            mutations.append("/" + path.joined(separator: "/") + ": " + what)
        }
        var documents: [JSONValue] = []
        for _ in 0..<8 {
            documents.append(instance(of: writer, root: writer, depth: 3))
            documents.append(instance(of: reader, root: reader, depth: 3))
        }
        for _ in 0..<3 { documents.append(randomValue(depth: 2)) }
        return SoundnessCase(writer: writer, reader: reader, documents: documents, mutations: mutations)
    }

    // MARK: Schemas

    mutating func schema(depth: Int) -> JSONValue {
        if depth <= 0 || chance(15) { return scalarSchema() }
        switch below(12) {
        case 0, 1, 2: return arraySchema(depth: depth)
        case 3, 4, 5: return objectSchema(depth: depth)
        case 6, 7: return combined(depth: depth)
        case 8:
            var object = JSONObject([("$ref", .string(chance(80) ? "#/$defs/d" : "#"))])
            if chance(20) { object["type"] = .string(pick(Self.types)) }
            return .object(object)
        default: return scalarSchema()
        }
    }

    mutating func scalarSchema() -> JSONValue {
        switch below(10) {
        case 0: return .bool(chance(70))
        case 1: return .object(JSONObject())
        case 2: return enumSchema()
        case 3: return .object(JSONObject([("type", .array([.string("string"), .string(pick(Self.types))]))]))
        case 4, 5: return stringSchema()
        case 6, 7, 8: return numberSchema()
        default: return .object(JSONObject([("type", .string(pick(["null", "boolean"])))]))
        }
    }

    mutating func enumSchema() -> JSONValue {
        var values: [JSONValue] = []
        for _ in 0..<(1 + below(3)) {
            switch below(6) {
            case 0, 1: values.append(.string(pick(Self.strings)))
            case 2, 3: values.append(number())
            default: values.append(randomValue(depth: 1))
            }
        }
        if chance(30) { return .object(JSONObject([("const", values[0])])) }
        return .object(JSONObject([("enum", .array(values))]))
    }

    mutating func stringSchema() -> JSONValue {
        var object = JSONObject([("type", .string("string"))])
        if chance(30) { object["minLength"] = count(3) }
        if chance(30) { object["maxLength"] = count(5) }
        if chance(20) { object["pattern"] = .string(pick(Self.patterns)) }
        if chance(10) { object["format"] = .string(pick(["email", "date", "ipv4", "uuid"])) }
        if chance(5) { object["contentEncoding"] = .string(pick(["base64", "base32"])) }
        if chance(10) { object["enum"] = .array([.string(pick(Self.strings)), .string(pick(Self.strings))]) }
        return .object(object)
    }

    mutating func numberSchema() -> JSONValue {
        var object = JSONObject([("type", .string(pick(["number", "integer"])))])
        for keyword in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] where chance(20) {
            object[keyword] = keyword == "multipleOf" ? .number(JSONNumber(pick([0.5, 1, 2, 3]))) : number()
        }
        return .object(object)
    }

    mutating func arraySchema(depth: Int) -> JSONValue {
        var object = JSONObject([("type", .string("array"))])
        let prefix = (0..<below(4)).map { _ in schema(depth: depth - 1) }
        if chance(20) {
            // Draft 4-2019 tuples.
            object["items"] = .array(prefix)
            if chance(60) { object["additionalItems"] = chance(40) ? .bool(false) : schema(depth: depth - 1) }
        } else {
            if !prefix.isEmpty || chance(20) { object["prefixItems"] = .array(prefix) }
            if chance(35) { object["items"] = chance(40) ? .bool(false) : schema(depth: depth - 1) }
        }
        if chance(35) { object["unevaluatedItems"] = chance(40) ? .bool(false) : schema(depth: depth - 1) }
        if chance(15) { object["minItems"] = count(3) }
        if chance(15) { object["maxItems"] = count(4) }
        if chance(10) { object["uniqueItems"] = .bool(true) }
        if chance(15) {
            object["contains"] = chance(15) ? .bool(true) : scalarSchema()
            if chance(30) { object["minContains"] = count(2) }
            if chance(30) { object["maxContains"] = count(2) }
        }
        if chance(8), object["items"]?.arrayValue == nil {
            // A no-op without array-form `items`.
            object["additionalItems"] = chance(50) ? .bool(false) : scalarSchema()
        }
        return .object(object)
    }

    /// `value` with some `$ref`s to `from` changed to `to`.
    mutating func renaming(references from: String, to: String, in value: JSONValue) -> JSONValue {
        switch value {
        case .object(var object):
            for member in object.members {
                object[member.key] =
                    member.key == "$ref" && member.value == .string(from) && chance(60)
                    ? .string(to) : renaming(references: from, to: to, in: member.value)
            }
            return .object(object)
        case .array(let array): return .array(array.map { renaming(references: from, to: to, in: $0) })
        default: return value
        }
    }

    mutating func objectSchema(depth: Int) -> JSONValue {
        var object = JSONObject([("type", .string("object"))])
        if chance(85) {
            var properties = JSONObject()
            for _ in 0..<below(4) { properties[name()] = schema(depth: depth - 1) }
            object["properties"] = .object(properties)
        }
        if chance(20) { object["patternProperties"] = .object(JSONObject([("^x_", schema(depth: depth - 1))])) }
        if chance(35) { object["additionalProperties"] = chance(50) ? .bool(false) : schema(depth: depth - 1) }
        if chance(30) { object["unevaluatedProperties"] = chance(50) ? .bool(false) : schema(depth: depth - 1) }
        if chance(40) {
            object["required"] = .array(
                Array(Set((0..<(1 + below(2))).map { _ in name() })).sorted().map { .string($0) })
        }
        if chance(10) { object["minProperties"] = count(2) }
        if chance(10) { object["maxProperties"] = count(3) }
        if chance(10) { object["propertyNames"] = propertyNames() }
        if chance(8) { object["dependentRequired"] = .object(JSONObject([(name(), .array([.string(name())]))])) }
        if chance(8) { object["dependencies"] = dependencies(depth: depth) }
        if chance(6) { object["dependentSchemas"] = .object(JSONObject([(name(), schema(depth: depth - 1))])) }
        return .object(object)
    }

    mutating func propertyNames() -> JSONValue {
        switch below(3) {
        case 0: return .object(JSONObject([("maxLength", count(3))]))
        case 1: return .object(JSONObject([("pattern", .string(pick(Self.patterns)))]))
        default: return .object(JSONObject([("type", .string("string")), ("pattern", .string(pick(Self.patterns)))]))
        }
    }

    /// Draft 4-7 `dependencies` (every draft the validator reads): names or a schema.
    mutating func dependencies(depth: Int) -> JSONValue {
        var entries = JSONObject()
        for _ in 0..<(1 + below(2)) {
            entries[name()] =
                chance(50)
                ? .array(Array(Set((0..<(1 + below(2))).map { _ in name() })).sorted().map { .string($0) })
                : schema(depth: depth - 1)
        }
        return .object(entries)
    }

    mutating func combined(depth: Int) -> JSONValue {
        var object = JSONObject()
        let keyword = pick(["anyOf", "oneOf", "allOf", "not", "if", "dependentSchemas"])
        if keyword == "not" {
            object["not"] = chance(70) ? scalarSchema() : schema(depth: depth - 1)
        } else if keyword == "if" {
            object["if"] = scalarSchema()
            object["then"] = schema(depth: depth - 1)
            if chance(40) { object["else"] = schema(depth: depth - 1) }
        } else if keyword == "dependentSchemas" {
            object["dependentSchemas"] = .object(JSONObject([(name(), schema(depth: depth - 1))]))
        } else {
            object[keyword] = .array((0..<(1 + below(3))).map { _ in schema(depth: depth - 1) })
        }
        if chance(40) { object["type"] = .string(pick(Self.types)) }
        if chance(20) { object["unevaluatedItems"] = .bool(false) }
        if chance(20) { object["unevaluatedProperties"] = .bool(false) }
        return .object(object)
    }

    // MARK: Mutations

    /// `schema` changed one way (the root may also change draft); returns what was done.
    mutating func mutate(_ schema: JSONValue, root: Bool) -> (JSONValue, String) {
        guard case .object(var object) = schema else {
            return chance(50) ? (.bool(!(schema.boolValue ?? true)), "flipped") : (self.schema(depth: 2), "replaced")
        }
        let kinds = [
            "type", "bound", "string", "enum", "prefix", "items", "unevaluatedItems", "counts", "property",
            "required", "additionalProperties", "unevaluatedProperties", "patternProperties", "wrap", "branch",
            "replace", "draft", "reference", "keyword",
        ]
        let kind = pick(kinds)
        func toggle(_ keyword: String, _ value: JSONValue) {
            object[keyword] = object[keyword] == nil ? value : nil
        }
        switch kind {
        case "type":
            switch below(3) {
            case 0: object["type"] = .string(pick(Self.types))
            case 1: object["type"] = nil
            default:
                let current = object["type"].map { $0.arrayValue ?? [$0] } ?? []
                object["type"] = .array(current + [.string(pick(Self.types))])
            }
        case "bound":
            let keyword = pick(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"])
            object[keyword] =
                chance(25) ? nil : keyword == "multipleOf" ? .number(JSONNumber(pick([0.5, 1, 2, 3]))) : number()
        case "string":
            let keyword = pick(["minLength", "maxLength", "pattern"])
            object[keyword] = chance(25) ? nil : keyword == "pattern" ? .string(pick(Self.patterns)) : count(5)
        case "enum":
            var values = object["enum"]?.arrayValue ?? []
            if chance(50), !values.isEmpty {
                values.remove(at: below(values.count))
            } else {
                values.append(chance(50) ? .string(pick(Self.strings)) : number())
            }
            object["enum"] = chance(15) ? nil : .array(values)
        case "prefix":
            let keyword = object["items"]?.arrayValue != nil ? "items" : "prefixItems"
            var prefix = object[keyword]?.arrayValue ?? []
            if chance(50), !prefix.isEmpty { prefix.removeLast() } else { prefix.append(self.schema(depth: 1)) }
            object[keyword] = .array(prefix)
        case "items":
            let keyword = object["items"]?.arrayValue != nil ? "additionalItems" : "items"
            object[keyword] = chance(30) ? nil : chance(40) ? .bool(false) : self.schema(depth: 1)
        case "unevaluatedItems":
            object["unevaluatedItems"] = chance(30) ? nil : chance(40) ? .bool(false) : self.schema(depth: 1)
        case "counts":
            let keyword = pick(["minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems"])
            object[keyword] = chance(30) ? nil : keyword == "uniqueItems" ? .bool(true) : count(4)
        case "property":
            var properties = object["properties"]?.objectValue ?? JSONObject()
            let target = name()
            properties[target] = properties[target] == nil || chance(40) ? self.schema(depth: 1) : nil
            object["properties"] = .object(properties)
        case "required":
            var required = object["required"]?.arrayValue ?? []
            if chance(50), !required.isEmpty {
                required.remove(at: below(required.count))
            } else {
                let added = JSONValue.string(name())
                if !required.contains(added) { required.append(added) }
            }
            object["required"] = .array(required)
        case "additionalProperties":
            object["additionalProperties"] = chance(30) ? nil : chance(50) ? .bool(false) : self.schema(depth: 1)
        case "unevaluatedProperties":
            object["unevaluatedProperties"] = chance(30) ? nil : chance(50) ? .bool(false) : self.schema(depth: 1)
        case "patternProperties":
            toggle("patternProperties", .object(JSONObject([("^x_", self.schema(depth: 1))])))
        case "wrap":
            let other = self.schema(depth: 1)
            let keyword = pick(["anyOf", "oneOf", "allOf"])
            return (.object(JSONObject([(keyword, .array([.object(object), other]))])), "wrapped in \(keyword)")
        case "branch":
            let keyword = pick(["anyOf", "oneOf", "allOf"])
            var branches = object[keyword]?.arrayValue ?? []
            if chance(50), !branches.isEmpty {
                branches.remove(at: below(branches.count))
            } else {
                branches.append(self.schema(depth: 1))
            }
            object[keyword] = branches.isEmpty ? nil : .array(branches)
        case "replace":
            return (self.schema(depth: 2), "replaced")
        case "reference":
            toggle("$ref", .string(chance(70) ? "#/$defs/d" : "#"))
        case "keyword":
            let keyword = pick([
                "contains", "not", "propertyNames", "dependentRequired", "if", "else", "const", "minContains",
                "maxContains", "dependencies", "dependentSchemas", "format", "additionalItems",
            ])
            switch keyword {
            case "dependentRequired":
                toggle(keyword, .object(JSONObject([(name(), .array([.string(name())]))])))
            case "minContains", "maxContains": toggle(keyword, count(3))
            case "dependencies": toggle(keyword, dependencies(depth: 2))
            case "dependentSchemas": toggle(keyword, .object(JSONObject([(name(), self.schema(depth: 1))])))
            case "format": toggle(keyword, .string(pick(["email", "date"])))
            case "propertyNames": toggle(keyword, propertyNames())
            case "const": toggle(keyword, randomValue(depth: 1))
            default: toggle(keyword, scalarSchema())
            }
        default:
            guard root else { return (.object(object), "unchanged") }
            object["$schema"] = chance(25) ? nil : .string(pick(Self.drafts))
        }
        return (.object(object), kind)
    }

    // MARK: Documents

    /// A document that often (not always) satisfies `schema`; `root` resolves `$ref`s.
    mutating func instance(of schema: JSONValue, root: JSONValue, depth: Int) -> JSONValue {
        guard depth > 0, case .object(let object) = schema else { return randomValue(depth: depth) }
        if chance(10) { return randomValue(depth: depth) }
        if let values = object["enum"]?.arrayValue, !values.isEmpty, chance(80) { return pick(values) }
        if let value = object["const"], chance(80) { return value }
        if let target = object["$ref"]?.stringValue, ["#/$defs/d", "#dd", "d.json"].contains(target),
            let definition = root["$defs"]?["d"]
        {
            return instance(of: definition, root: root, depth: depth - 1)
        }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            if let branches = object[keyword]?.arrayValue, !branches.isEmpty, chance(70) {
                return instance(of: pick(branches), root: root, depth: depth - 1)
            }
        }
        if let then = object["then"], chance(50) { return instance(of: then, root: root, depth: depth - 1) }
        let declared = object["type"].map { $0.arrayValue?.compactMap(\.stringValue) ?? [$0.stringValue ?? ""] }
        var type = declared.map { pick($0.isEmpty ? Self.types : $0) } ?? pick(Self.types)
        if declared == nil {
            if object["prefixItems"] != nil || object["items"] != nil { type = "array" }
            if object["properties"] != nil || object["required"] != nil { type = "object" }
        }
        switch type {
        case "null": return .null
        case "boolean": return .bool(chance(50))
        case "integer": return .number(JSONNumber(Int(pick(Self.numbers))))
        case "number": return number()
        case "string":
            let minimum = object["minLength"]?.numberValue.map { Int($0.double) } ?? 0
            let text = pick(Self.strings)
            return .string(text.unicodeScalars.count >= minimum ? text : String(repeating: "a", count: minimum))
        case "array": return arrayInstance(object, root: root, depth: depth)
        default: return objectInstance(object, root: root, depth: depth)
        }
    }

    private mutating func arrayInstance(_ object: JSONObject, root: JSONValue, depth: Int) -> JSONValue {
        let prefix = object["prefixItems"]?.arrayValue ?? object["items"]?.arrayValue ?? []
        let rest =
            object["items"].flatMap { $0.arrayValue == nil ? $0 : nil } ?? object["additionalItems"]
            ?? object["unevaluatedItems"]
        let length = chance(70) ? max(0, prefix.count - 1 + below(3)) : below(5)
        let contains = object["contains"]
        return .array(
            (0..<length).map { index in
                var itemSchema = index < prefix.count ? prefix[index] : rest ?? .bool(true)
                if let contains, chance(40) { itemSchema = contains }
                return instance(of: itemSchema, root: root, depth: depth - 1)
            })
    }

    private mutating func objectInstance(_ object: JSONObject, root: JSONValue, depth: Int) -> JSONValue {
        var result = JSONObject()
        let required = Set(object["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let properties = object["properties"]?.objectValue
        for name in Self.names {
            let listed = properties?[name]
            let present = required.contains(name) ? chance(95) : listed != nil ? chance(70) : chance(15)
            guard present else { continue }
            let valueSchema =
                listed ?? (name.hasPrefix("x_") ? object["patternProperties"]?["^x_"] : nil)
                ?? object["additionalProperties"] ?? object["unevaluatedProperties"] ?? .bool(true)
            result[name] = instance(of: valueSchema, root: root, depth: depth - 1)
        }
        return .object(result)
    }

    mutating func randomValue(depth: Int) -> JSONValue {
        switch below(depth > 0 ? 7 : 5) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2: return number()
        case 3: return .number(JSONNumber(Int(pick(Self.numbers))))
        case 4: return .string(pick(Self.strings))
        case 5: return .array((0..<below(4)).map { _ in randomValue(depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<below(3) { object[name()] = randomValue(depth: depth - 1) }
            return .object(object)
        }
    }

    // MARK: Paths

    /// The paths of every subschema (the root is []), each a list of keys and indices.
    static func positions(in schema: JSONValue, at path: [String] = []) -> [[String]] {
        guard case .object(let object) = schema else { return [path] }
        var result = [path]
        for (key, value) in object.members {
            switch key {
            case "items", "additionalItems", "unevaluatedItems", "additionalProperties", "unevaluatedProperties",
                "not", "contains", "if", "then", "else", "propertyNames":
                if let array = value.arrayValue {
                    for index in array.indices { result += positions(in: array[index], at: path + [key, "\(index)"]) }
                } else {
                    result += positions(in: value, at: path + [key])
                }
            case "dependencies", "dependentSchemas":
                for member in value.objectValue?.members ?? [] where member.value.arrayValue == nil {
                    result += positions(in: member.value, at: path + [key, member.key])
                }
            case "prefixItems", "allOf", "anyOf", "oneOf":
                for (index, item) in (value.arrayValue ?? []).enumerated() {
                    result += positions(in: item, at: path + [key, "\(index)"])
                }
            case "properties", "patternProperties", "$defs":
                for member in value.objectValue?.members ?? [] {
                    result += positions(in: member.value, at: path + [key, member.key])
                }
            default: break
            }
        }
        return result
    }

    static func value(at path: [String], in value: JSONValue) -> JSONValue? {
        var current = value
        for segment in path {
            switch current {
            case .object(let object): guard let next = object[segment] else { return nil }; current = next
            case .array(let array):
                guard let index = Int(segment), array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return current
    }

    static func replacing(at path: [String], in value: JSONValue, with replacement: JSONValue) -> JSONValue {
        guard let segment = path.first else { return replacement }
        let rest = Array(path.dropFirst())
        switch value {
        case .object(var object):
            guard let child = object[segment] else { return value }
            object[segment] = replacing(at: rest, in: child, with: replacement)
            return .object(object)
        case .array(var array):
            guard let index = Int(segment), array.indices.contains(index) else { return value }
            array[index] = replacing(at: rest, in: array[index], with: replacement)
            return .array(array)
        default: return value
        }
    }
}

/// The property: when the checker says the reader reads everything the writer wrote, no
/// document the validator accepts under the writer may fail the reader.
enum SoundnessOracle {
    /// What happened to one case.
    enum Outcome {
        /// A schema is not a valid schema (the registry would refuse it): nothing to check.
        case invalidSchema
        case incompatible
        /// Compatible, and every candidate document valid under the writer passed the reader.
        case compatible(checked: Int)
        /// Compatible, yet `document` passes the writer and fails the reader.
        case unsound(writer: String, reader: String, document: String)
    }

    static func check(_ testCase: SoundnessCase, format: JSONSchemaFormat = JSONSchemaFormat()) -> Outcome {
        let writerText = testCase.writer.serialized(sortedKeys: true)
        let readerText = testCase.reader.serialized(sortedKeys: true)
        guard let writer = try? format.parse(writerText, references: [], normalize: false),
            let reader = try? format.parse(readerText, references: [], normalize: false),
            let writerValidator = writer.model as? JSONSchemaValidator,
            let readerValidator = reader.model as? JSONSchemaValidator,
            let checker = format.compatibilityChecker
        else { return .invalidSchema }
        guard checker.incompatibilities(reader: reader, writer: writer).isEmpty else { return .incompatible }
        var checked = 0
        for document in testCase.documents where writerValidator.isValid(document) {
            checked += 1
            if !readerValidator.isValid(document) {
                return .unsound(writer: writerText, reader: readerText, document: document.serialized(sortedKeys: true))
            }
        }
        return .compatible(checked: checked)
    }
}
