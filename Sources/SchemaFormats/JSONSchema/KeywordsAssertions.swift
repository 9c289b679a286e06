import SchemaRegistryCore

extension Evaluator {
    /// Applies an assertion keyword (one that looks at the instance itself, not subschemas).
    mutating func assert(_ keyword: Keyword, _ instance: JSONValue, _ compiled: CompiledKeyword) -> Bool {
        switch keyword {
        case .type(let types):
            if types.allows(instance, integerIncludesZeroFraction: integerIncludesZeroFraction) { return true }
            fail(compiled.location, "expected \(types.names), found \(instance.typeName)")
        case .enumeration(let values):
            if values.contains(where: { $0 == instance }) { return true }
            fail(compiled.location, "the value is not one of the 'enum' values")
        case .const(let value):
            if value == instance { return true }
            fail(compiled.location, "the value must equal \(value.serialized())")
        case .multipleOf(let divisor):
            guard case .number(let number) = instance, !DecimalMath.isMultiple(number, of: divisor) else { return true }
            fail(compiled.location, "\(number.text) is not a multiple of \(divisor.text)")
        case .maximum(let limit, let exclusive):
            guard case .number(let number) = instance else { return true }
            let order = DecimalMath.compare(number, limit)
            if order < 0 || (order == 0 && !exclusive) { return true }
            fail(compiled.location, "\(number.text) must be \(exclusive ? "less than" : "at most") \(limit.text)")
        case .minimum(let limit, let exclusive):
            guard case .number(let number) = instance else { return true }
            let order = DecimalMath.compare(number, limit)
            if order > 0 || (order == 0 && !exclusive) { return true }
            fail(compiled.location, "\(number.text) must be \(exclusive ? "greater than" : "at least") \(limit.text)")
        case .maxLength(let limit):
            // Lengths count Unicode code points, as JSON Schema specifies.
            guard case .string(let text) = instance, text.utf8.count > limit, text.unicodeScalars.count > limit
            else { return true }
            fail(compiled.location, "the string is longer than \(limit) characters")
        case .minLength(let limit):
            guard case .string(let text) = instance, text.unicodeScalars.count < limit else { return true }
            fail(compiled.location, "the string is shorter than \(limit) characters")
        case .pattern(let pattern):
            guard case .string(let text) = instance, !pattern.matches(text) else { return true }
            fail(compiled.location, "the string does not match the pattern '\(pattern.source)'")
        case .format(let name):
            guard formatAssertion, let valid = FormatChecks.check(name, instance), !valid else { return true }
            fail(compiled.location, "the value is not a valid '\(name)'")
        case .maxItems(let limit):
            guard case .array(let items) = instance, items.count > limit else { return true }
            fail(compiled.location, "the array has more than \(limit) items")
        case .minItems(let limit):
            guard case .array(let items) = instance, items.count < limit else { return true }
            fail(compiled.location, "the array has fewer than \(limit) items")
        case .uniqueItems:
            guard case .array(let items) = instance, let (first, second) = Self.duplicate(in: items) else {
                return true
            }
            fail(compiled.location, "the array items at \(first) and \(second) are equal")
        case .maxProperties(let limit):
            guard case .object(let object) = instance, object.count > limit else { return true }
            fail(compiled.location, "the object has more than \(limit) properties")
        case .minProperties(let limit):
            guard case .object(let object) = instance, object.count < limit else { return true }
            fail(compiled.location, "the object has fewer than \(limit) properties")
        case .required(let names):
            guard case .object(let object) = instance else { return true }
            var valid = true
            let members = object.members
            var cursor = 0
            for name in names {
                // Members usually come in the schema's order: probe a few ahead before hashing.
                var found = false
                var probe = cursor
                let end = min(members.count, cursor + 8)
                while probe < end {
                    if members[probe].key == name {
                        found = true
                        cursor = probe + 1
                        break
                    }
                    probe += 1
                }
                if found || object[name] != nil { continue }
                fail(compiled.location, "the required property '\(name)' is missing")
                valid = false
            }
            return valid
        case .dependentRequired(let dependencies):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (name, names) in dependencies where object[name] != nil {
                for missing in names where object[missing] == nil {
                    fail(compiled.location, "the property '\(missing)' is required when '\(name)' is present")
                    valid = false
                }
            }
            return valid
        default:
            return true
        }
        return false
    }

    /// The first pair of equal items (JSON equality), by hashing rather than comparing all pairs.
    static func duplicate(in items: [JSONValue]) -> (Int, Int)? {
        // Hashing buckets candidates (String hashing is canonical-equivalence based, so
        // candidates are confirmed with code-point equality).
        var seen: [JSONValue: [Int]] = [:]
        for (offset, item) in items.enumerated() {
            if let first = seen[item]?.first(where: { items[$0] == item }) { return (first, offset) }
            seen[item, default: []].append(offset)
        }
        return nil
    }
}
