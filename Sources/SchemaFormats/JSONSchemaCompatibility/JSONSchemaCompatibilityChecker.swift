import SchemaRegistryCore

/// Decides whether a JSON Schema reader can read what a writer wrote, with Confluent Schema
/// Registry's meaning: every document valid under the writer must be valid under the reader.
///
/// The checker works from the schemas' JSON alone and is conservative: it reports an
/// incompatibility whenever it cannot prove inclusion. Locations are JSON pointers into the
/// reader schema (prefixed by `name#` when inside a referenced schema).
public struct JSONSchemaCompatibilityChecker: CompatibilityChecker {
    public init() {}

    /// Every reason `reader` cannot read what `writer` wrote; empty when it can.
    public func incompatibilities(reader: ParsedSchema, writer: ParsedSchema) -> [Incompatibility] {
        let parser = JSONParser()
        guard let readerRoot = try? parser.parse(reader.canonicalText) else {
            return [Self.unparsable("reader")]
        }
        guard let writerRoot = try? parser.parse(writer.canonicalText) else {
            return [Self.unparsable("writer")]
        }
        let comparison = JSCompatComparison(
            readerDocuments: Self.documents(root: readerRoot, references: reader.references, parser: parser),
            writerDocuments: Self.documents(root: writerRoot, references: writer.references, parser: parser))
        var found = comparison.compare(
            reader: JSCompatNode(value: readerRoot, side: .reader, document: "", pointer: ""),
            writer: JSCompatNode(value: writerRoot, side: .writer, document: "", pointer: ""))
        // Several paths can reach the same problem (e.g. through two refs); say it once.
        var seen = Set<Incompatibility>()
        found.removeAll { !seen.insert($0).inserted }
        return found
    }

    /// The schema itself under "" and each referenced schema under its reference name.
    private static func documents(root: JSONValue, references: [ResolvedReference], parser: JSONParser)
        -> [String: JSONValue]
    {
        var documents = ["": root]
        for reference in references {
            if let value = try? parser.parse(reference.schema.text) {
                documents[reference.reference.name] = value
            }
        }
        return documents
    }

    private static func unparsable(_ which: String) -> Incompatibility {
        Incompatibility(
            kind: JSONSchemaCompatibilityKind.typeChanged, location: "",
            message: "the \(which) schema is not valid JSON, so compatibility cannot be decided")
    }
}
