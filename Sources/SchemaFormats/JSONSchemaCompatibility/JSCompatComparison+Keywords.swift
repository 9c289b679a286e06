import SchemaRegistryCore

/// Keywords the checker does not model (conditionals, and `format` when it asserts): the reader's must be textually equal to the writer's, under the
/// same draft (the same text means other things elsewhere: `prefixItems` inside a draft 7
/// `then` is ignored), or the change is reported, because their effect on inclusion is not
/// worked out here.
extension JSCompatComparison {
    private static let unmodelled: [(keywords: [String], type: String?)] = [
        (["if", "then", "else"], nil), (["format"], nil),
    ]

    func compareUnmodelledKeywords(reader: JSCompatNode, writer: JSCompatNode, types: Set<String>) -> [Incompatibility]
    {
        var found: [Incompatibility] = []
        for group in Self.unmodelled where group.type.map({ types.contains($0) }) ?? true {
            guard let first = group.keywords.first(where: { reader[$0] != nil }) else { continue }
            // `then`/`else` without `if` do nothing.
            if group.keywords.count > 1 && reader[group.keywords[0]] == nil { continue }
            let same =
                reader.draft == writer.draft
                && group.keywords.allSatisfy { keyword in
                    reader[keyword] == writer[keyword] && !JSCompatNode.containsReference(reader[keyword] ?? .null)
                }
            if same { continue }
            found.append(
                Incompatibility(
                    kind: Kind.keywordChanged, location: reader.location(first),
                    message: "`\(group.keywords.joined(separator: "`/`"))` differs from the writer's and this checker "
                        + "cannot prove the change keeps writer documents valid; keep it identical to the writer's"))
        }
        return found
    }
}
