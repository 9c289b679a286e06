extension AvroValueChecker {
    /// Whether `value` matches `schema`: exactly `check` finding no error, without building
    /// the locations and messages `check` builds for every value it visits (they cost more
    /// than the checks themselves). Payload validation asks this first and runs `check` only
    /// for invalid payloads.
    func isValid(_ value: JSONValue, _ schema: AvroSchema) -> Bool {
        switch schema {
        case .primitive(let primitive, _):
            return Self.matches(value, primitive)
        case .array(let items, _):
            guard case .array(let elements) = value else { return false }
            for element in elements where !isValid(element, items) { return false }
            return true
        case .map(let values, _):
            guard case .object(let object) = value else { return false }
            for member in object.members where !isValid(member.value, values) { return false }
            return true
        case .union(let branches):
            return isValidUnion(value, branches)
        case .named(let name):
            guard let definition = model.namedTypes[name] else { return true }
            return isValidNamed(value, definition)
        }
    }

    private func isValidUnion(_ value: JSONValue, _ branches: [AvroSchema]) -> Bool {
        switch encoding {
        case .defaultValue:
            guard let first = branches.first else { return false }
            return isValid(value, first)
        case .json:
            if case .null = value {
                return branches.contains { model.branchName($0) == "null" }
            }
            guard case .object(let object) = value, object.count == 1, let member = object.members.first,
                let branch = branches.first(where: { model.branchName($0) == member.key })
            else { return false }
            return isValid(member.value, branch)
        }
    }

    private func isValidNamed(_ value: JSONValue, _ definition: AvroNamedType) -> Bool {
        switch definition.kind {
        case .fixed(let size):
            guard case .string(let text) = value, Self.isByteString(text) else { return false }
            return text.unicodeScalars.count == size
        case .enumeration(let symbols, _):
            guard case .string(let symbol) = value else { return false }
            return symbols.contains(symbol)
        case .record(let fields):
            guard case .object(let object) = value else { return false }
            // Members usually come in the fields' order: compare one name before hashing.
            let members = object.members
            var hint = 0
            for field in fields {
                let member: JSONValue?
                if hint < members.count, members[hint].key == field.name {
                    member = members[hint].value
                    hint += 1
                } else {
                    member = object[field.name]
                }
                if let member {
                    if !isValid(member, field.type) { return false }
                } else if field.usableDefault == nil {
                    return false
                }
            }
            return true
        }
    }
}
