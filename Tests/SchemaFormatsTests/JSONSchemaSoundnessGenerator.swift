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
