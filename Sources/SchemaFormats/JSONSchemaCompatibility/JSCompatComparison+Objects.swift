import SchemaRegistryCore

/// Objects: named properties, pattern properties and the content model they leave open,
/// `required`, and `minProperties`/`maxProperties`.
///
/// A closed content model (`additionalProperties: false`) never produces unlisted names; an
/// open one (absent or `true`) produces them with any value; a partially open one (a schema
/// or `patternProperties`) produces them with that schema's values. Without
/// `additionalProperties`, `unevaluatedProperties` plays its part (see `additional(of:asReader:)`).
extension JSCompatComparison {
    /// Where a property's schema comes from in one side's object schema.
    enum Source {
        case named, pattern(String), additional
    }

    func compareObjects(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        var found: [Incompatibility] = []
        let readerNames = reader["properties"]?.objectValue?.keys ?? []
        let writerNames = writer["properties"]?.objectValue?.keys ?? []
        for name in readerNames + writerNames.filter({ !readerNames.contains($0) }) {
            found += compareProperty(name, reader: reader, writer: writer)
        }
        found += compareUnnamedProperties(reader: reader, writer: writer)
        found += compareRequired(reader: reader, writer: writer)
        found += compareCounts(
            reader: reader, writer: writer, keywords: ("minProperties", "maxProperties"),
            kinds: (
                Kind.minPropertiesAdded, Kind.minPropertiesIncreased, Kind.maxPropertiesAdded,
                Kind.maxPropertiesDecreased
            ),
            writerMinimum: writer["required"]?.arrayValue.map { Double($0.count) },
            writerMaximum: isClosed(writer) ? Double(writerNames.count) : nil, noun: "properties")
        found += comparePropertyNames(reader: reader, writer: writer)
        found += compareDependencies(reader: reader, writer: writer)
        return found
    }

    /// The schema for names neither `properties` nor `patternProperties` cover:
    /// `additionalProperties`, else `unevaluatedProperties` (then exactly so when no other
    /// in-place applicator here evaluates properties). With such applicators a reader's is
    /// read more strictly than it is (safe), and a writer's is ignored, which only widens it:
    /// read as written it would claim the writer produces less than it does.
    func additional(of node: JSCompatNode, asReader: Bool) -> JSCompatNode? {
        if let additional = node.child("additionalProperties") { return additional }
        guard asReader || !node.hasAnnotatingApplicators(forItems: false) else { return nil }
        return node.child("unevaluatedProperties")
    }

    /// The schemas that apply to property `name`: its own, every matching pattern, or else
    /// the additional one (nothing when that is absent: anything goes). A pattern that does
    /// not compile here may match: for a reader it then applies, for a writer it is skipped.
    func schemas(for name: String, in node: JSCompatNode, asReader: Bool) -> [(JSCompatNode, Source)] {
        var result: [(JSCompatNode, Source)] = []
        if let named = node.child("properties", name) { result.append((named, .named)) }
        var uncertain = false
        for pattern in node["patternProperties"]?.objectValue?.keys ?? [] {
            guard let matches = matches(pattern, name) else {
                uncertain = true
                // A reader pattern that may match constrains; a writer's may not, which only frees it.
                if asReader {
                    result.append((node.child("patternProperties", pattern)!, .pattern(pattern)))
                }
                continue
            }
            if matches { result.append((node.child("patternProperties", pattern)!, .pattern(pattern))) }
        }
        if result.isEmpty || (uncertain && asReader), let additional = additional(of: node, asReader: asReader) {
            result.append((additional, .additional))
        }
        return result
    }

    private func compareProperty(_ name: String, reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let writerSchemas = schemas(for: name, in: writer, asReader: false)
        if writerSchemas.contains(where: { $0.0.isFalse }) { return [] }  // the writer never produces it
        let candidates =
            writerSchemas.isEmpty ? [JSCompatNode.accepting(.writer, at: "", in: "")] : writerSchemas.map(\.0)
        var found: [Incompatibility] = []
        for (readerSchema, readerSource) in schemas(for: name, in: reader, asReader: true) {
            var closest: [Incompatibility]?
            for candidate in candidates {
                let reasons = compare(reader: readerSchema, writer: candidate)
                if reasons.isEmpty {
                    closest = nil
                    break
                }
                if closest == nil { closest = reasons }
            }
            guard let reasons = closest else { continue }
            let writerNamed = writerSchemas.contains { if case .named = $0.1 { true } else { false } }
            let readerNamed = reader.child("properties", name) != nil
            if writerNamed && readerNamed {
                found += reasons  // the property changed: the nested reasons say exactly how
            } else if !writerNamed {
                let partial = writerSchemas.contains { !$0.0.isTrue }
                found.append(
                    Incompatibility(
                        kind: partial
                            ? Kind.propertyAddedNotCoveredByPartiallyOpenContentModel
                            : Kind.propertyAddedToOpenContentModel,
                        location: readerSchema.location(),
                        message: "property '\(name)' was added, but the writer's "
                            + (partial ? "partially open" : "open") + " content model may already produce '\(name)' "
                            + "with other values (\(reasons[0].message)); close the writer's content model first, "
                            + "or give '\(name)' a schema that accepts anything the writer allowed"))
            } else if case .additional = readerSource, readerSchema.isFalse {
                found.append(
                    Incompatibility(
                        kind: Kind.propertyRemovedFromClosedContentModel, location: readerSchema.location(),
                        message:
                            "property '\(name)' was removed while \(Self.keyword(of: readerSchema)) is false: documents "
                            + "the writer wrote with '\(name)' are rejected; keep the property (deprecated) instead"))
            } else {
                found.append(
                    Incompatibility(
                        kind: Kind.propertyRemovedNotCoveredByPartiallyOpenContentModel,
                        location: readerSchema.location(),
                        message: "property '\(name)' is no longer declared and the schema that now applies to it "
                            + "rejects values the writer may produce (\(reasons[0].message)); keep the property"))
            }
        }
        return found
    }

    /// Names neither side lists: the writer's patterns and additionalProperties against the
    /// reader's. With the same pattern keys on both sides they pair up; otherwise, since
    /// regex overlap is undecidable, every writer source must fit every reader target.
    private func compareUnnamedProperties(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let readerPatterns = reader["patternProperties"]?.objectValue?.keys ?? []
        let writerPatterns = writer["patternProperties"]?.objectValue?.keys ?? []
        let accepting = JSCompatNode.accepting(.writer, at: "", in: "")
        let writerAdditional = additional(of: writer, asReader: false) ?? accepting
        var sources = writerPatterns.map { (writer.child("patternProperties", $0)!, Optional($0)) }
        if !writerAdditional.isFalse { sources.append((writerAdditional, nil)) }
        let samePatterns = Set(readerPatterns) == Set(writerPatterns)
        var found: [Incompatibility] = []
        for pattern in readerPatterns {
            let target = reader.child("patternProperties", pattern)!
            for (source, sourcePattern) in sources where !samePatterns || sourcePattern == pattern {
                let reasons = compare(reader: target, writer: source)
                guard !reasons.isEmpty else { continue }
                found +=
                    sourcePattern == pattern
                    ? reasons
                    : [
                        Incompatibility(
                            kind: Kind.propertyAddedNotCoveredByPartiallyOpenContentModel, location: target.location(),
                            message:
                                "pattern property \(pattern) may match names the writer produces with other values "
                                + "(\(reasons[0].message)); loosen it to accept what the writer allowed")
                    ]
            }
        }
        guard let additional = additional(of: reader, asReader: true), !additional.isTrue else { return found }
        for (source, sourcePattern) in sources {
            // Names matching a pattern the reader also has never reach its additionalProperties.
            if let sourcePattern, readerPatterns.contains(sourcePattern) { continue }
            let reasons = compare(reader: additional, writer: source)
            guard !reasons.isEmpty else { continue }
            let what = sourcePattern.map { "properties matching \($0)" } ?? "additional properties"
            found.append(
                Incompatibility(
                    kind: additional.isFalse ? Kind.additionalPropertiesRemoved : Kind.additionalPropertiesNarrowed,
                    location: additional.location(),
                    message: "the writer allows \(what) that the reader's \(Self.keyword(of: additional)) now rejects"
                        + (additional.isFalse ? "" : " (\(reasons[0].message))")
                        + "; keep \(Self.keyword(of: additional)) at least as permissive as the writer's"))
        }
        return found
    }

    private func compareRequired(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        let writerRequired = Set(writer["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let writerNames = writer["properties"]?.objectValue?.keys ?? []
        var found: [Incompatibility] = []
        for name in reader["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !writerRequired.contains(name)
        {
            let existed = writerNames.contains(name)
            found.append(
                Incompatibility(
                    kind: existed ? Kind.requiredAttributeAdded : Kind.requiredPropertyAddedToUnopenContentModel,
                    location: reader.location("required"),
                    message: "property '\(name)' became required at \(reader.location("required")): documents written "
                        + "without it are no longer valid; give it a default in producers or keep it optional"))
        }
        return found
    }

    /// `additionalProperties` or `unevaluatedProperties`, whichever `node` (one of them) is.
    static func keyword(of node: JSCompatNode) -> String {
        node.pointer.hasSuffix("/unevaluatedProperties") ? "unevaluatedProperties" : "additionalProperties"
    }

    /// Whether the writer's object lists all the names it can have.
    func isClosed(_ writer: JSCompatNode) -> Bool {
        additional(of: writer, asReader: false)?.isFalse == true
            && (writer["patternProperties"]?.objectValue?.isEmpty ?? true)
    }

    /// Whether `pattern` matches somewhere in `name` (JSON Schema patterns are unanchored),
    /// by the validator's own ECMA-262 translation and matching (Swift's default Regex
    /// differs: grapheme clusters, Unicode `\d`); nil when the pattern does not compile.
    func matches(_ pattern: String, _ name: String) -> Bool? {
        if regexCache[pattern] == nil {
            let regex = try? ECMARegex.compile(pattern)
            regexCache[pattern] = .some(regex.map { CompiledPattern(source: pattern, regex: $0) })
        }
        return regexCache[pattern]!?.matches(name)
    }
}
