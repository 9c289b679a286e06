import SchemaRegistryCore

extension Evaluator {
    /// Applies one keyword; false when the instance fails it.
    mutating func apply(_ compiled: CompiledKeyword, _ instance: JSONValue, _ annotations: inout Annotations?) -> Bool {
        switch compiled.keyword {
        case .ref(let target):
            return evaluate(target, instance, &annotations)
        case .dynamicRef(let fallback, let anchor):
            return evaluate(dynamicTarget(fallback, anchor: anchor), instance, &annotations)
        case .recursiveRef(let fallback):
            return evaluate(recursiveTarget(fallback), instance, &annotations)
        case .allOf(let nodes):
            var valid = true
            for node in nodes where !evaluate(node, instance, &annotations) {
                valid = false
                if !recording { return false }
            }
            return valid
        case .anyOf(let nodes):
            var matched = false
            for node in nodes where quietly(node, instance, &annotations) {
                matched = true
                // Annotations need every matching branch; otherwise one match decides.
                if annotations == nil { break }
            }
            if !matched { fail(compiled.location, "the value matches none of the 'anyOf' schemas") }
            return matched
        case .oneOf(let nodes):
            var branch: Annotations? = annotations == nil ? nil : Annotations()
            var matches: [Int] = []
            for (offset, node) in nodes.enumerated() {
                var attempt: Annotations? = branch == nil ? nil : Annotations()
                if quietly(node, instance, &attempt) {
                    matches.append(offset)
                    if let attempt { branch?.merge(attempt) }
                    if matches.count > 1 { break }
                }
            }
            if matches.count == 1 {
                if let branch { annotations?.merge(branch) }
                return true
            }
            fail(
                compiled.location,
                matches.isEmpty
                    ? "the value matches none of the 'oneOf' schemas"
                    : "the value matches more than one 'oneOf' schema (\(matches[0]) and \(matches[1]))")
            return false
        case .not(let node):
            var none: Annotations? = nil
            if quietly(node, instance, &none) {
                fail(compiled.location, "the value must not match the 'not' schema")
                return false
            }
            return true
        case .conditional(let condition, let then, let otherwise):
            if quietly(condition, instance, &annotations) {
                return then.map { evaluate($0, instance, &annotations) } ?? true
            }
            return otherwise.map { evaluate($0, instance, &annotations) } ?? true
        case .dependentSchemas(let schemas):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (name, node) in schemas where object[name] != nil && !evaluate(node, instance, &annotations) {
                valid = false
                if !recording { return false }
            }
            return valid
        case .prefixItems, .items, .contains, .unevaluatedItems:
            guard case .array(let items) = instance else { return true }
            return applyArray(compiled.keyword, items, compiled, &annotations)
        case .properties, .patternProperties, .additionalProperties, .propertyNames, .unevaluatedProperties:
            guard case .object(let object) = instance else { return true }
            return applyObject(compiled.keyword, object, compiled, &annotations)
        default:
            return assert(compiled.keyword, instance, compiled)
        }
    }

    private mutating func applyArray(
        _ keyword: Keyword, _ items: [JSONValue], _ compiled: CompiledKeyword, _ annotations: inout Annotations?
    ) -> Bool {
        var valid = true
        switch keyword {
        case .prefixItems(let nodes):
            for (offset, node) in zip(nodes.indices, nodes) where offset < items.count {
                if !evaluate(node, items[offset], at: .index(offset)) {
                    valid = false
                    if !recording { return false }
                }
            }
            if let prefix = annotations?.itemPrefix {
                annotations?.itemPrefix = max(prefix, min(nodes.count, items.count))
            }
        case .items(let node, let start):
            for offset in items.indices where offset >= start && !evaluate(node, items[offset], at: .index(offset)) {
                valid = false
                if !recording { return false }
            }
            if items.count > start { annotations?.allItems = true }
        case .contains(let node, let minimum, let maximum, let annotates):
            var matched = 0
            for offset in items.indices where quietly(node, items[offset], at: .index(offset)) {
                matched += 1
                if annotates { annotations?.itemIndices.insert(offset) }
            }
            if matched < minimum {
                fail(
                    compiled.location,
                    "the array must contain at least \(minimum) item(s) matching 'contains' (found \(matched))")
                valid = false
            }
            if let maximum, matched > maximum {
                fail(
                    compiled.location,
                    "the array must contain at most \(maximum) item(s) matching 'contains' (found \(matched))"
                )
                valid = false
            }
        case .unevaluatedItems(let node):
            let seen = annotations ?? Annotations()
            if seen.allItems { return true }
            for offset in items.indices where offset >= seen.itemPrefix && !seen.itemIndices.contains(offset) {
                if !evaluate(node, items[offset], at: .index(offset)) {
                    valid = false
                    if !recording { return false }
                }
            }
            annotations?.allItems = true
        default: break
        }
        return valid
    }

    private mutating func applyObject(
        _ keyword: Keyword, _ object: JSONObject, _ compiled: CompiledKeyword, _ annotations: inout Annotations?
    ) -> Bool {
        var valid = true
        switch keyword {
        case .properties(let table):
            var hint = 0
            for (name, value) in object.members {
                guard let position = table.position(of: name, hint: &hint), let node = table.nodes[position] else {
                    continue
                }
                annotations?.properties.insert(name)
                if !evaluate(node, value, at: .key(name)) {
                    valid = false
                    if !recording { return false }
                }
            }
        case .patternProperties(let patterns):
            for (name, value) in object.members {
                for (pattern, node) in patterns where pattern.matches(name) {
                    annotations?.properties.insert(name)
                    if !evaluate(node, value, at: .key(name)) {
                        valid = false
                        if !recording { return false }
                    }
                }
            }
        case .additionalProperties(let node, let known, let patterns):
            var hint = 0
            for (name, value) in object.members
            where known.position(of: name, hint: &hint) == nil && !patterns.contains(where: { $0.matches(name) }) {
                annotations?.properties.insert(name)
                if !evaluate(node, value, at: .key(name)) {
                    valid = false
                    if !recording { return false }
                }
            }
        case .propertyNames(let node):
            for (name, _) in object.members where !evaluate(node, .string(name), at: .key(name)) {
                valid = false
                if !recording { return false }
            }
        case .unevaluatedProperties(let node):
            let seen = annotations?.properties ?? []
            for (name, value) in object.members where !seen.contains(name) {
                annotations?.properties.insert(name)
                if !evaluate(node, value, at: .key(name)) {
                    valid = false
                    if !recording { return false }
                }
            }
        default: break
        }
        return valid
    }
}
