import SchemaRegistryCore

extension AvroResolution {
    /// Records, enums and fixed of the same kind: names (or reader aliases) must match, then
    /// the kind's own rule applies.
    mutating func checkNamed(_ r: AvroNamedType, _ w: AvroNamedType, location: AvroLocation) -> [Incompatibility] {
        // The spec compares unqualified names; reader aliases may name the writer's type.
        let aliasMatch = r.aliases.contains { $0 == w.fullname || AvroNames.unqualified($0) == w.name }
        if r.name != w.name && !aliasMatch {
            return [
                Incompatibility(
                    kind: "NAME_MISMATCH", location: location.appending("/name").text,
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
                    kind: "FIXED_SIZE_MISMATCH", location: location.appending("/size").text,
                    message: "fixed '\(r.fullname)' has size \(readerSize) but the writer's has size \(writerSize)")
            ]
        case (.enumeration(let readerSymbols, let readerDefault), .enumeration(let writerSymbols, _)):
            let missing = writerSymbols.filter { !readerSymbols.contains($0) }
            if missing.isEmpty || readerDefault != nil { return [] }
            return [
                Incompatibility(
                    kind: "MISSING_ENUM_SYMBOLS", location: location.appending("/symbols").text,
                    message:
                        "enum '\(r.fullname)' lacks the writer's symbols \(missing); add them or give the reader enum a default"
                )
            ]
        case (.record(let readerFields), .record(let writerFields)):
            var found: [Incompatibility] = []
            // Writer fields by name. Field names are unique (the parser enforces it), so the
            // first writer field with the name is the only one. Fields usually line up, so
            // the position after the last match is tried first, then a few linear scans,
            // then a dictionary built once: linear overall.
            var writerIndex: [String: Int]? = nil
            var scans = 0
            var guess = 0
            func writerPosition(named name: String) -> Int? {
                if guess < writerFields.count, writerFields[guess].name == name { return guess }
                if let writerIndex { return writerIndex[name] }
                if scans < 4 {
                    scans += 1
                    return writerFields.firstIndex { $0.name == name }
                }
                var index: [String: Int] = [:]
                index.reserveCapacity(writerFields.count)
                for position in writerFields.indices where index[writerFields[position].name] == nil {
                    index[writerFields[position].name] = position
                }
                writerIndex = index
                return index[name]
            }
            for index in readerFields.indices {
                var match = writerPosition(named: readerFields[index].name)
                if match == nil {
                    for alias in readerFields[index].aliases {
                        match = writerPosition(named: alias)
                        if match != nil { break }
                    }
                }
                guard let position = match else {
                    if readerFields[index].usableDefault == nil {
                        found.append(
                            Incompatibility(
                                kind: "READER_FIELD_MISSING_DEFAULT_VALUE", location: location.fieldText(index),
                                message:
                                    "field '\(readerFields[index].name)' of record '\(r.fullname)' is not in the writer's schema "
                                    + "and has no default; add a default or an alias naming the writer's field"))
                    }
                    continue
                }
                guess = position + 1
                found += check(
                    readerFields[index].type, writerFields[position].type, location: location.fieldType(index))
            }
            return found
        default:
            return []
        }
    }
}
