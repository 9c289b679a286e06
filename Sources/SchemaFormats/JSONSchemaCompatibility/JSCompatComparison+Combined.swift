import SchemaRegistryCore

/// `not`, `anyOf`/`oneOf` (sum types) and `allOf` (product types).
///
/// Each combinator is peeled off and compared on its own while the rest of the schema is
/// compared with it masked: a schema is the conjunction of its keywords, so proving the
/// writer inside each reader part proves it inside the whole.
extension JSCompatComparison {
    func compareCombined(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        if reader["not"] != nil { return compareNot(reader: reader, writer: writer) }
        // A writer's `not` only removes documents from the writer, so it can be ignored.
        if writer["not"] != nil { return compare(reader: reader, writer: writer.masking("not")) }
        for sum in ["anyOf", "oneOf"] where writer[sum] != nil {
            return compareWriterSum(sum, reader: reader, writer: writer)
        }
        for sum in ["anyOf", "oneOf"] where reader[sum] != nil {
            return compareReaderSum(sum, reader: reader, writer: writer)
        }
        if reader["allOf"] != nil { return compareReaderProduct(reader: reader, writer: writer) }
        return compareWriterProduct(reader: reader, writer: writer)
    }

    /// The writer must avoid everything the reader's `not` excludes: proven when the writer
    /// excludes at least as much (its own `not` includes the reader's) or its types are disjoint.
    private func compareNot(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let rest = compare(reader: reader.masking("not"), writer: writer)
        let excluded = reader.child("not")!
        if let writerExcluded = writer.child("not"), compare(reader: writerExcluded, writer: excluded).isEmpty {
            return rest
        }
        if let excludedTypes = JSCompatTypes.declared(excluded),
            JSCompatTypes.produced(by: writer).isDisjoint(with: JSCompatTypes.covering(excludedTypes))
        {
            return rest
        }
        return rest + [
            Incompatibility(
                kind: Kind.notTypeExtended, location: reader.location("not"),
                message: "the reader's `not` now excludes documents the writer may produce; "
                    + "keep `not` as it was or make the writer exclude the same documents")
        ]
    }

    /// Every writer branch must land in the reader. Same combinator on both sides: branch by
    /// branch, each writer branch in some reader branch. Otherwise the writer's other
    /// keywords or every one of its branches must be inside the whole reader.
    private func compareWriterSum(_ sum: String, reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let writerBranches = writer.children(sum)
        // A writer `oneOf` document matches one of its branches, as under `anyOf`: against a
        // reader `anyOf` it pairs up as one (with the sibling keywords, e.g. `type`, apart).
        let readerSum = reader[sum] != nil ? sum : sum == "oneOf" && reader["anyOf"] != nil ? "anyOf" : nil
        if let readerSum {
            let readerBranches = reader.children(readerSum)
            var found = compare(reader: reader.masking(readerSum), writer: writer.masking(sum))
            // The writer's other keywords narrow each branch, which can make it exclusive.
            let remainder = writer.masking(sum)
            for branch in writerBranches
            where matchedBranch(readerSum, of: readerBranches, writer: [remainder, branch], fitting: branch) == nil {
                if readerSum == "oneOf",
                    readerBranches.contains(where: { compare(reader: $0, writer: branch).isEmpty })
                {
                    found.append(
                        Self.overlap(at: reader.location(readerSum), what: "writer's branch at \(branch.location())"))
                    continue
                }
                let kind =
                    readerBranches.count < writerBranches.count
                    ? Kind.sumTypeNarrowed : Kind.combinedTypeSubschemasChanged
                found.append(
                    Incompatibility(
                        kind: kind, location: reader.location(readerSum),
                        message: "no reader branch of `\(readerSum)` accepts the writer's branch at "
                            + "\(branch.location()); keep a branch that accepts it"))
            }
            return found
        }
        let rest = writer.masking(sum)
        if !rest.isTrue, compare(reader: reader, writer: rest).isEmpty { return [] }
        var found: [Incompatibility] = []
        for branch in writerBranches {
            guard let reason = compare(reader: reader, writer: branch).first else { continue }
            let kind = Self.combinators.contains { reader[$0] != nil } ? Kind.combinedTypeChanged : Kind.sumTypeNarrowed
            found.append(
                Incompatibility(
                    kind: kind, location: reader.location(),
                    message: "the writer's `\(sum)` branch at \(branch.location()) is not accepted by the reader "
                        + "(\(reason.kind) at '\(reason.location)': \(reason.message))"))
        }
        return found
    }

    /// The writer must fit one reader branch (e.g. `string` → `anyOf: [string, null]`).
    private func compareReaderSum(_ sum: String, reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let rest = compare(reader: reader.masking(sum), writer: writer)
        let branches = reader.children(sum)
        if matchedBranch(sum, of: branches, writer: [writer], fitting: writer) != nil { return rest }
        if sum == "oneOf", branches.contains(where: { compare(reader: $0, writer: writer).isEmpty }) {
            return rest + [Self.overlap(at: reader.location(sum), what: "writer documents")]
        }
        let kind = writer["allOf"] != nil ? Kind.combinedTypeChanged : Kind.sumTypeNarrowed
        return rest + [
            Incompatibility(
                kind: kind, location: reader.location(sum),
                message: "none of the reader's `\(sum)` branches accepts every writer document; "
                    + "add a branch that accepts what the writer produces")
        ]
    }

    /// The reader branch that accepts everything `fitting` allows, or nil. For `oneOf` a
    /// document must match exactly one branch, so the branch also needs every other one to
    /// reject whatever the writer conjunction `writer` allows (`disjoint`); like Confluent,
    /// reading `oneOf` as `anyOf` would call `{"oneOf":[{"type":"string"},{}]}` a widening.
    private func matchedBranch(
        _ sum: String, of branches: [JSCompatNode], writer: [JSCompatNode], fitting: JSCompatNode
    ) -> Int? {
        for index in branches.indices where compare(reader: branches[index], writer: fitting).isEmpty {
            if sum != "oneOf" { return index }
            let others = branches.indices.filter { $0 != index }
            if others.allSatisfy({ disjoint(writer, [branches[$0]]) }) { return index }
        }
        return nil
    }

    static func overlap(at location: String, what: String) -> Incompatibility {
        Incompatibility(
            kind: Kind.combinedTypeSubschemasChanged, location: location,
            message: "a `oneOf` branch accepts the \(what), but they may match another branch too, and `oneOf` "
                + "rejects a document that matches more than one; make the branches exclusive (e.g. by `type` "
                + "or a required property with different `const` values)")
    }

    /// Every reader conjunct (each `allOf` entry and the other keywords) must be implied by
    /// one writer conjunct. A reader conjunct with no writer counterpart narrows the reader.
    private func compareReaderProduct(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let conjuncts = writerConjuncts(writer)
        var found = implied(reader.masking("allOf"), by: conjuncts)
        let readerParts = reader.children("allOf")
        let writerCount = writer.children("allOf").count
        for part in readerParts {
            let reasons = implied(part, by: conjuncts)
            guard let reason = reasons.first else { continue }
            if writerCount == 0 || readerParts.count > writerCount {
                found.append(
                    Incompatibility(
                        kind: Kind.productTypeExtended, location: part.location(),
                        message: "the reader's `allOf` entry adds constraints the writer does not guarantee "
                            + "(\(reason.kind) at '\(reason.location)': \(reason.message))"))
            } else {
                found += reasons
            }
        }
        return found
    }

    /// A writer `allOf` against a reader without combinators: one writer conjunct alone
    /// must fit the reader (merging conjuncts is not attempted).
    private func compareWriterProduct(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let reasons = implied(reader, by: writerConjuncts(writer))
        guard let reason = reasons.first else { return [] }
        return [
            Incompatibility(
                kind: Kind.combinedTypeChanged, location: reader.location(),
                message: "the writer is an `allOf` and no single part of it fits the reader "
                    + "(\(reason.kind) at '\(reason.location)': \(reason.message)); "
                    + "use the same `allOf` structure on both sides")
        ]
    }

    /// The writer's conjuncts: its keywords besides `allOf`, then each `allOf` entry.
    private func writerConjuncts(_ writer: JSCompatNode) -> [JSCompatNode] {
        guard writer["allOf"] != nil else { return [writer] }
        let rest = writer.masking("allOf")
        return (rest.isTrue ? [] : [rest]) + writer.children("allOf")
    }

    /// Empty when some conjunct fits `part`; otherwise the reasons from the closest attempt.
    private func implied(_ part: JSCompatNode, by conjuncts: [JSCompatNode]) -> [Incompatibility] {
        if part.isTrue { return [] }
        var best: [Incompatibility]?
        for conjunct in conjuncts {
            let reasons = compare(reader: part, writer: conjunct)
            if reasons.isEmpty { return [] }
            if best == nil || reasons.count < best!.count { best = reasons }
        }
        return best ?? compare(reader: part, writer: .accepting(.writer, at: "", in: ""))
    }
}
