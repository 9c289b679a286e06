import SchemaRegistryCore

/// Arrays: positional items (`prefixItems`, or draft 4-2019 array-form `items`), the items
/// after them (`items`/`additionalItems`, else `unevaluatedItems`), `minItems`/`maxItems`
/// and `uniqueItems`.
extension JSCompatComparison {
    /// One side's item model: schemas by position, then the schema for every later item.
    private struct Items {
        var prefix: [JSCompatNode]
        var rest: JSCompatNode?
        var restKeyword: String
    }

    /// The item model as the validator reads `node`'s draft. `unevaluatedItems` governs the
    /// later items when nothing else here does; it is text-equal on both sides only by
    /// accident of its siblings, so it is modelled, not compared as text.
    ///
    /// Other in-place applicators (`allOf`, `$ref`, `contains`, ...) may evaluate later items
    /// too and leave `unevaluatedItems` fewer to check. For a reader that only means it is
    /// read more strictly than it is (safe); a writer would be read as producing less than it
    /// does, so there its `unevaluatedItems` is then ignored, which only widens it.
    private func items(of node: JSCompatNode, asReader: Bool) -> Items {
        var model: Items
        if node.draft >= .draft2020_12 {
            model = Items(prefix: node.children("prefixItems"), rest: node.child("items"), restKeyword: "items")
        } else if node["items"]?.arrayValue != nil {
            model = Items(
                prefix: node.children("items"), rest: node.child("additionalItems"), restKeyword: "additionalItems")
        } else {
            model = Items(prefix: [], rest: node.child("items"), restKeyword: "items")
        }
        if model.rest == nil, let unevaluated = node.child("unevaluatedItems"),
            asReader || !node.hasAnnotatingApplicators(forItems: true)
        {
            model.rest = unevaluated
            model.restKeyword = "unevaluatedItems"
        }
        return model
    }

    func compareArrays(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let readerItems = items(of: reader, asReader: true)
        let writerItems = items(of: writer, asReader: false)
        let accepting = JSCompatNode.accepting(.writer, at: "", in: "")
        let writerRest = writerItems.rest ?? accepting
        var writerMaximum = writer["maxItems"]?.numberValue?.double
        if writerRest.isFalse {
            writerMaximum = min(writerMaximum ?? .infinity, Double(writerItems.prefix.count))
        }
        var found: [Incompatibility] = []
        let positions = max(readerItems.prefix.count, writerItems.prefix.count)
        for index in 0..<positions where Double(index) < writerMaximum ?? .infinity {
            let writerSchema = index < writerItems.prefix.count ? writerItems.prefix[index] : writerRest
            if index < readerItems.prefix.count {
                let readerSchema = readerItems.prefix[index]
                let reasons = compare(reader: readerSchema, writer: writerSchema)
                guard let reason = reasons.first else { continue }
                if index < writerItems.prefix.count {
                    found += reasons
                } else {
                    found.append(
                        Incompatibility(
                            kind: writerRest.isTrue
                                ? Kind.itemAddedToOpenContentModel
                                : Kind.itemAddedNotCoveredByPartiallyOpenContentModel,
                            location: readerSchema.location(),
                            message: "item \(index) was added to the tuple, but the writer may already produce item "
                                + "\(index) with other values (\(reason.message)); close the writer's tuple first"))
                }
            } else {
                let readerSchema = readerItems.rest ?? JSCompatNode.accepting(.reader, at: "", in: "")
                let reasons = compare(reader: readerSchema, writer: writerSchema)
                guard let reason = reasons.first else { continue }
                found.append(
                    Incompatibility(
                        kind: readerSchema.isFalse
                            ? Kind.itemRemovedFromClosedContentModel
                            : Kind.itemRemovedNotCoveredByPartiallyOpenContentModel,
                        location: reader.location(readerItems.restKeyword),
                        message:
                            "tuple item \(index) was removed and `\(readerItems.restKeyword)` now rejects what the "
                            + "writer produces there (\(reason.message)); keep the item"))
            }
        }
        if !writerRest.isFalse, Double(positions) < writerMaximum ?? .infinity, let readerRest = readerItems.rest {
            let reasons = compare(reader: readerRest, writer: writerRest)
            if readerRest.isFalse, !reasons.isEmpty {
                found.append(
                    Incompatibility(
                        kind: Kind.additionalItemsRemoved, location: readerRest.location(),
                        message: "the reader no longer allows "
                            + (readerItems.prefix.isEmpty
                                ? "any items" : "items after position \(readerItems.prefix.count - 1)")
                            + " but the writer may produce them; allow them again"))
            } else {
                found += reasons
            }
        }
        found += compareCounts(
            reader: reader, writer: writer, keywords: ("minItems", "maxItems"),
            kinds: (Kind.minItemsAdded, Kind.minItemsIncreased, Kind.maxItemsAdded, Kind.maxItemsDecreased),
            writerMinimum: nil, writerMaximum: writerMaximum, noun: "items")
        if reader["uniqueItems"] == .bool(true), writer["uniqueItems"] != .bool(true), (writerMaximum ?? 2) > 1 {
            found.append(
                Incompatibility(
                    kind: Kind.uniqueItemsAdded, location: reader.location("uniqueItems"),
                    message: "the reader now requires unique items but the writer may repeat them; "
                        + "drop uniqueItems or make the writer require it first"))
        }
        found += compareContains(reader: reader, writer: writer, writerMaximum: writerMaximum)
        return found
    }

    /// `minX`/`maxX` pairs: the writer's range of counts must lie inside the reader's.
    /// `writerMinimum`/`writerMaximum` add what the writer implies otherwise (e.g. `required`).
    func compareCounts(
        reader: JSCompatNode, writer: JSCompatNode, keywords: (min: String, max: String),
        kinds: (minAdded: String, minIncreased: String, maxAdded: String, maxDecreased: String),
        writerMinimum: Double?, writerMaximum: Double?, noun: String
    ) -> [Incompatibility] {
        var found: [Incompatibility] = []
        if let limit = reader[keywords.min]?.numberValue?.double, limit > 0 {
            let declared = writer[keywords.min]?.numberValue?.double
            let effective = max(declared ?? 0, writerMinimum ?? 0)
            if effective < limit {
                found.append(
                    Incompatibility(
                        kind: declared == nil ? kinds.minAdded : kinds.minIncreased,
                        location: reader.location(keywords.min),
                        message: "the reader needs at least \(limit.jsCompatText) \(noun) but the writer may produce "
                            + "\(effective.jsCompatText); keep \(keywords.min) at most the writer's"))
            }
        }
        if let limit = reader[keywords.max]?.numberValue?.double {
            let declared = writer[keywords.max]?.numberValue?.double
            let effective = [declared, writerMaximum].compactMap { $0 }.min()
            if effective.map({ $0 > limit }) ?? true {
                found.append(
                    Incompatibility(
                        kind: effective == nil ? kinds.maxAdded : kinds.maxDecreased,
                        location: reader.location(keywords.max),
                        message: "the reader allows at most \(limit.jsCompatText) \(noun) but the writer allows "
                            + (effective.map { $0.jsCompatText } ?? "any number")
                            + "; keep \(keywords.max) at least the writer's"))
            }
        }
        return found
    }
}
