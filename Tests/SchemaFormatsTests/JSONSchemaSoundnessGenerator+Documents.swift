// Part of the soundness generator (JSONSchemaSoundnessGenerator.swift); shared with the libFuzzer
// target through a symbolic link: public API only.
import SchemaFormats
import SchemaRegistryCore

extension SoundnessGenerator {
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
