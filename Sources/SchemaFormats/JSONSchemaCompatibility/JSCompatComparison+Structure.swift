import SchemaRegistryCore

/// Schemas without combinators or references: types first, then each type's keywords,
/// looked at only for types the writer can actually produce and the reader still accepts.
extension JSCompatComparison {
    func compareStructure(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        var found: [Incompatibility] = []
        let writerTypes = JSCompatTypes.produced(by: writer)
        var shared = writerTypes
        if let readerTypes = JSCompatTypes.declared(reader) {
            let lost = writerTypes.filter { !JSCompatTypes.accepts(readerTypes, $0) }
            // A writer `number` also covers `integer`; report it once, as `number`.
            let reported = lost.contains("number") ? lost.subtracting(["integer"]) : lost
            if !reported.isEmpty {
                let kept = writerTypes.subtracting(lost)
                found.append(
                    Incompatibility(
                        kind: kept.isEmpty ? Kind.typeChanged : Kind.typeNarrowed, location: reader.location("type"),
                        message: "the reader no longer accepts \(Self.list(reported)) that the writer may produce "
                            + "(reader type \(reader["type"]!.serialized())); widen the reader's `type` to include them"
                    ))
            }
            shared.subtract(lost)
        }
        found += compareValues(reader: reader, writer: writer)
        if !shared.isEmpty {
            let values = JSCompatValues.allowed(by: writer)
            if !shared.isDisjoint(with: ["integer", "number"]),
                !(values.map { numbersFit($0, reader: reader) } ?? false)
            {
                found += compareNumbers(reader: reader, writer: writer, integersOnly: !shared.contains("number"))
            }
            if shared.contains("string"), !(values.map { stringsFit($0, reader: reader) } ?? false) {
                found += compareStrings(reader: reader, writer: writer)
            }
            if shared.contains("object") { found += compareObjects(reader: reader, writer: writer) }
            if shared.contains("array") { found += compareArrays(reader: reader, writer: writer) }
        }
        found += compareUnmodelledKeywords(reader: reader, writer: writer, types: shared)
        return found
    }

    /// `enum`/`const`: every value the writer allows must be allowed by the reader.
    private func compareValues(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        guard let readerValues = JSCompatValues.allowed(by: reader) else { return [] }
        let keyword = reader["enum"] != nil ? "enum" : "const"
        guard let writerValues = JSCompatValues.allowed(by: writer) else {
            return [
                Incompatibility(
                    kind: Kind.enumArrayNarrowed, location: reader.location(keyword),
                    message: "the reader restricts values with `\(keyword)` but the writer allows any value; "
                        + "remove the restriction or add the same one to the writer first")
            ]
        }
        let missing = writerValues.filter { !readerValues.contains($0) }
        guard !missing.isEmpty else { return [] }
        return [
            Incompatibility(
                kind: Kind.enumArrayNarrowed, location: reader.location(keyword),
                message: "the reader no longer allows \(missing.map { $0.serialized() }.joined(separator: ", ")) "
                    + "that the writer may produce; keep those values in `\(keyword)`")
        ]
    }

    static func list(_ types: Set<String>) -> String {
        types.sorted().map { "'\($0)'" }.joined(separator: ", ")
    }
}
