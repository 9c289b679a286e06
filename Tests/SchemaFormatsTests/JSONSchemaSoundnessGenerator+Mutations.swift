// Part of the soundness generator (JSONSchemaSoundnessGenerator.swift); shared with the libFuzzer
// target through a symbolic link: public API only.
import SchemaFormats
import SchemaRegistryCore

extension SoundnessGenerator {
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

}
