import SchemaRegistryCore

extension AvroResolution {
    /// Records, enums and fixed of the same kind: names (or reader aliases) must match, then
    /// the kind's own rule applies.
    mutating func checkNamed(_ r: AvroNamedType, _ w: AvroNamedType, location: String) -> [Incompatibility] {
        // The spec compares unqualified names; reader aliases may name the writer's type.
        let aliasMatch = r.aliases.contains { $0 == w.fullname || AvroNames.unqualified($0) == w.name }
        if r.name != w.name && !aliasMatch {
            return [
                Incompatibility(
                    kind: "NAME_MISMATCH", location: location + "/name",
                    message:
                        "expected \(r.typeName) name '\(w.fullname)' (the writer's) but the reader's is '\(r.fullname)'; "
                        + "rename it or add the writer's name to the reader's aliases")
            ]
        }
        switch (r.kind, w.kind) {
        case (.fixed(let readerSize), .fixed(let writerSize)):
            if readerSize == writerSize { return [] }
            return [
                Incompatibility(
                    kind: "FIXED_SIZE_MISMATCH", location: location + "/size",
                    message: "fixed '\(r.fullname)' has size \(readerSize) but the writer's has size \(writerSize)")
            ]
        case (.enumeration(let readerSymbols, let readerDefault), .enumeration(let writerSymbols, _)):
            let missing = writerSymbols.filter { !readerSymbols.contains($0) }
            if missing.isEmpty || readerDefault != nil { return [] }
            return [
                Incompatibility(
                    kind: "MISSING_ENUM_SYMBOLS", location: location + "/symbols",
                    message:
                        "enum '\(r.fullname)' lacks the writer's symbols \(missing); add them or give the reader enum a default"
                )
            ]
        case (.record(let readerFields), .record(let writerFields)):
            var found: [Incompatibility] = []
            for (index, field) in readerFields.enumerated() {
                let fieldLocation = "\(location)/fields/\(index)"
                let names = [field.name] + field.aliases
                guard let writerField = names.lazy.compactMap({ name in writerFields.first { $0.name == name } }).first
                else {
                    if field.defaultValue == nil {
                        found.append(
                            Incompatibility(
                                kind: "READER_FIELD_MISSING_DEFAULT_VALUE", location: fieldLocation,
                                message:
                                    "field '\(field.name)' of record '\(r.fullname)' is not in the writer's schema "
                                    + "and has no default; add a default or an alias naming the writer's field"))
                    }
                    continue
                }
                found += check(field.type, writerField.type, location: fieldLocation + "/type")
            }
            return found
        default:
            return []
        }
    }
}
