import Foundation
import SchemaRegistryCore

/// A schema document of one side and the draft its root is written in.
struct JSCompatDocument {
    var value: JSONValue
    var draft: JSONSchemaDraft
    var formatAsserts: Bool
}

/// One compatibility check: the documents of both sides and the recursion guard.
///
/// `compare(reader:writer:)` returns the reasons the writer's documents may fail the reader;
/// empty means inclusion is proven for everything the checker understands.
final class JSCompatComparison {
    typealias Kind = JSONSchemaCompatibilityKind

    let readerDocuments: [String: JSCompatDocument]
    let writerDocuments: [String: JSCompatDocument]
    /// (reader, writer) pairs being compared further up the stack. Meeting one again means a
    /// recursive schema; assuming inclusion there is sound (the greatest fixed point), as any
    /// counterexample would be finite and show up at a shallower pair, provided each turn of
    /// the loop descends into the document: readers with loops that do not are refused up
    /// front (`hasNonDescendingCycle`).
    private var inProgress: Set<String> = []
    /// Compiled `pattern`/`patternProperties` regexes; nil when the pattern does not compile.
    var regexCache: [String: CompiledPattern?] = [:]

    /// Each side's references, followed as the validator follows them.
    private var readerReferences: JSCompatReferences
    private var writerReferences: JSCompatReferences

    init(
        readerDocuments: [String: JSCompatDocument], writerDocuments: [String: JSCompatDocument],
        defaultDraft: JSONSchemaDraft
    ) {
        self.readerDocuments = readerDocuments
        self.writerDocuments = writerDocuments
        readerReferences = JSCompatReferences(documents: readerDocuments, defaultDraft: defaultDraft)
        writerReferences = JSCompatReferences(documents: writerDocuments, defaultDraft: defaultDraft)
    }

    func compare(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        if writer.isFalse || reader.isTrue { return [] }
        // Equal text is equal meaning only under the same draft, without references (each
        // side resolves its own), and when masking hid nothing the writer's `unevaluated*`
        // depends on (the reader's is then only read more strictly).
        let readerValue = reader.visibleValue
        if reader.draft == writer.draft, readerValue == writer.visibleValue,
            !JSCompatNode.containsReference(readerValue), !writer.masksAnnotations
        {
            return []
        }
        let pair = reader.key + "||" + writer.key
        guard inProgress.insert(pair).inserted else { return [] }
        defer { inProgress.remove(pair) }

        if let target = reader["$ref"] {
            return compareReaderReference(target, keyword: "$ref", reader: reader, writer: writer)
        }
        if let target = writer["$ref"] {
            // A writer's `$ref` siblings only narrow it further (2019+) or are ignored
            // (draft 4-7); either way the target alone bounds what the writer produces.
            guard let resolved = resolve(target, from: writer) else {
                return [unresolved(target, at: reader.location(), side: "writer")]
            }
            return compare(reader: reader, writer: resolved)
        }
        for keyword in ["$dynamicRef", "$recursiveRef"] where reader[keyword] != nil {
            // Without a dynamic anchor on the reader's side these resolve like `$ref`. With
            // one, the target depends on the path taken to get here, which the checker does
            // not follow (equal text is no help: each side's scope has its own anchors).
            guard !readerHasDynamicAnchors else {
                return [unresolved(reader[keyword]!, at: reader.location(keyword), side: "reader")]
            }
            return compareReaderReference(reader[keyword]!, keyword: keyword, reader: reader, writer: writer)
        }
        if reader.isFalse {
            return [
                Incompatibility(
                    kind: Kind.typeNarrowed, location: reader.location(),
                    message: "the reader schema is `false` and accepts nothing, but the writer's documents exist; "
                        + "allow them again or drop this position from the reader")
            ]
        }
        if Self.combinators.contains(where: { reader[$0] != nil || writer[$0] != nil }) {
            return compareCombined(reader: reader, writer: writer)
        }
        return compareStructure(reader: reader, writer: writer)
    }

    static let combinators = ["not", "anyOf", "oneOf", "allOf"]

    /// The reader's `$ref` target must accept the writer, and so must its siblings (which
    /// constrain in 2019+; in draft 4-7 the node hides them).
    private func compareReaderReference(
        _ target: JSONValue, keyword: String, reader: JSCompatNode, writer: JSCompatNode
    ) -> [Incompatibility] {
        guard let resolved = resolve(target, from: reader) else {
            if keyword == "$ref", let writerTarget = writer["$ref"], writerTarget == target, Self.isExternal(target) {
                // Same unresolved external schema on both sides: the same schema.
                return compare(reader: reader.masking("$ref"), writer: writer.masking("$ref"))
            }
            return [unresolved(target, at: reader.location(keyword), side: "reader")]
        }
        return compare(reader: resolved, writer: writer) + compare(reader: reader.masking(keyword), writer: writer)
    }

    /// Whether some reader document declares a `$dynamicAnchor` or `$recursiveAnchor: true`,
    /// which can redirect `$dynamicRef`/`$recursiveRef` away from their written target.
    private(set) lazy var readerHasDynamicAnchors: Bool = readerDocuments.values.contains {
        Self.declaresDynamicAnchor($0.value)
    }

    private static func declaresDynamicAnchor(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            return object["$dynamicAnchor"] != nil || object["$recursiveAnchor"] == .bool(true)
                || object.members.contains { declaresDynamicAnchor($0.value) }
        case .array(let array): return array.contains(where: declaresDynamicAnchor)
        default: return false
        }
    }

    /// Resolves a reference on `node`'s side as the validator does (`JSCompatReferences`):
    /// JSON pointers, registered references by name, `$id`s and anchors.
    func resolve(_ reference: JSONValue, from node: JSCompatNode) -> JSCompatNode? {
        guard let text = reference.stringValue else { return nil }
        let documents = node.side == .reader ? readerDocuments : writerDocuments
        let found =
            node.side == .reader
            ? readerReferences.resolve(text, from: node) : writerReferences.resolve(text, from: node)
        guard let found, let source = documents[found.document],
            let value = JSONPointer.resolve(found.pointer, in: source.value)
        else { return nil }
        var resolved = JSCompatNode(
            value: value, side: node.side, document: found.document, pointer: found.pointer, draft: found.draft)
        resolved.formatAsserts = source.formatAsserts
        resolved.base = found.base
        return resolved
    }

    private static func isExternal(_ reference: JSONValue) -> Bool {
        !(reference.stringValue?.hasPrefix("#") ?? true)
    }

    private func unresolved(_ reference: JSONValue, at location: String, side: String) -> Incompatibility {
        Incompatibility(
            kind: Kind.unresolvedReference, location: location,
            message: "cannot follow the \(side)'s reference \(reference.serialized()) to a schema of this side "
                + "(JSON pointers, `$id`s, anchors and registered references are followed), so inclusion cannot "
                + "be proven")
    }
}
