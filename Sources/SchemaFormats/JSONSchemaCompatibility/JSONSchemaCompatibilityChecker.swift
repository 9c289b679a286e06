import SchemaRegistryCore

/// Decides whether a JSON Schema reader can read what a writer wrote, with Confluent Schema
/// Registry's meaning: every document valid under the writer must be valid under the reader.
///
/// The checker works from the schemas' JSON alone and is conservative: it reports an
/// incompatibility whenever it cannot prove inclusion. Locations are JSON pointers into the
/// reader schema (prefixed by `name#` when inside a referenced schema).
public struct JSONSchemaCompatibilityChecker: CompatibilityChecker {
    /// The validator's options: the draft of schemas without `$schema`, and whether
    /// `format` asserts. Verdicts are about documents that validator accepts.
    public let options: JSONSchemaValidator.Options

    public init(options: JSONSchemaValidator.Options = JSONSchemaValidator.Options()) {
        self.options = options
    }

    /// Every reason `reader` cannot read what `writer` wrote; empty when it can.
    public func incompatibilities(reader: ParsedSchema, writer: ParsedSchema) -> [Incompatibility] {
        // The same text with the same references is the same validator, whatever it means.
        if isSame(reader, writer) { return [] }
        let parser = JSONParser()
        guard let readerRoot = try? parser.parse(reader.canonicalText) else {
            return [Self.unparsable("reader")]
        }
        guard let writerRoot = try? parser.parse(writer.canonicalText) else {
            return [Self.unparsable("writer")]
        }
        let readerDocuments = documents(root: readerRoot, references: reader.references, parser: parser)
        let writerDocuments = documents(root: writerRoot, references: writer.references, parser: parser)
        let follows = { (documents: [String: JSCompatDocument]) in
            documents.values.contains {
                JSCompatVocabulary.followsMetaSchema($0.value, loadable: Set(documents.keys.filter { !$0.isEmpty }))
            }
        }
        if follows(readerDocuments) || follows(writerDocuments) {
            return [Self.customMetaSchema()]
        }
        let comparison = JSCompatComparison(
            readerDocuments: readerDocuments, writerDocuments: writerDocuments, defaultDraft: options.defaultDraft)
        let readerRootNode = root(readerDocuments[""]!, side: .reader)
        if comparison.hasNonDescendingCycle(from: readerRootNode) {
            return [Self.nonDescendingCycle()]
        }
        var found = comparison.compare(reader: readerRootNode, writer: root(writerDocuments[""]!, side: .writer))
        // Several paths can reach the same problem (e.g. through two refs); say it once.
        var seen = Set<Incompatibility>()
        found.removeAll { !seen.insert($0).inserted }
        return found
    }

    /// The schema itself under "" and each referenced schema under its reference name, each
    /// with the draft its `$schema` (or the default) selects.
    private func documents(root: JSONValue, references: [ResolvedReference], parser: JSONParser)
        -> [String: JSCompatDocument]
    {
        var documents = ["": document(root)]
        for reference in references {
            if let value = try? parser.parse(reference.schema.text) {
                documents[reference.reference.name] = document(value)
            }
        }
        return documents
    }

    private func document(_ value: JSONValue) -> JSCompatDocument {
        JSCompatDocument(
            value: value, draft: JSCompatVocabulary.draft(named: value["$schema"]) ?? options.defaultDraft,
            formatAsserts: options.formatAssertion)
    }

    private func root(_ document: JSCompatDocument, side: JSCompatSide) -> JSCompatNode {
        var node = JSCompatNode(value: document.value, side: side, document: "", pointer: "", draft: document.draft)
        node.formatAsserts = document.formatAsserts
        return node
    }

    /// The same text with the same references: the same documents, whatever they mean.
    private func isSame(_ reader: ParsedSchema, _ writer: ParsedSchema) -> Bool {
        let texts = { (schema: ParsedSchema) in schema.references.map { [$0.reference.name, $0.schema.text] } }
        return reader.canonicalText == writer.canonicalText && texts(reader) == texts(writer)
    }

    private static func nonDescendingCycle() -> Incompatibility {
        Incompatibility(
            kind: JSONSchemaCompatibilityKind.unresolvedReference, location: "",
            message: "the reader refers to itself through `$ref`/combinators without descending into the document, "
                + "and the validator rejects any document that reaches such a loop, so inclusion cannot be proven; "
                + "break the loop")
    }

    private static func customMetaSchema() -> Incompatibility {
        Incompatibility(
            kind: JSONSchemaCompatibilityKind.keywordChanged, location: "/$schema",
            message: "a `$schema` names a custom meta-schema, whose draft and vocabularies this checker does not "
                + "follow, so only an unchanged schema is known to be compatible")
    }

    private static func unparsable(_ which: String) -> Incompatibility {
        Incompatibility(
            kind: JSONSchemaCompatibilityKind.typeChanged, location: "",
            message: "the \(which) schema is not valid JSON, so compatibility cannot be decided")
    }
}
