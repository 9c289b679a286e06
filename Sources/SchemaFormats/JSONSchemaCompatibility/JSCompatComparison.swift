import Foundation
import SchemaRegistryCore

/// One compatibility check: the documents of both sides and the recursion guard.
///
/// `compare(reader:writer:)` returns the reasons the writer's documents may fail the reader;
/// empty means inclusion is proven for everything the checker understands.
final class JSCompatComparison {
    typealias Kind = JSONSchemaCompatibilityKind

    let readerDocuments: [String: JSONValue]
    let writerDocuments: [String: JSONValue]
    /// (reader, writer) pairs being compared further up the stack. Meeting one again means a
    /// recursive schema; assuming inclusion there is sound (the greatest fixed point), as any
    /// counterexample would be finite and show up at a shallower pair.
    private var inProgress: Set<String> = []
    /// Compiled `pattern`/`patternProperties` regexes; nil when the pattern does not compile.
    var regexCache: [String: Regex<AnyRegexOutput>?] = [:]

    init(readerDocuments: [String: JSONValue], writerDocuments: [String: JSONValue]) {
        self.readerDocuments = readerDocuments
        self.writerDocuments = writerDocuments
    }

    func compare(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        if writer.isFalse || reader.isTrue { return [] }
        let readerValue = reader.visibleValue
        if readerValue == writer.visibleValue && !JSCompatNode.containsReference(readerValue) { return [] }
        let pair = reader.key + "||" + writer.key
        guard inProgress.insert(pair).inserted else { return [] }
        defer { inProgress.remove(pair) }

        if let target = reader["$ref"] {
            return compareReaderReference(target, reader: reader, writer: writer)
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
            if reader[keyword] != writer[keyword] {
                return [unresolved(reader[keyword]!, at: reader.location(keyword), side: "reader")]
            }
            return compare(reader: reader.masking(keyword), writer: writer.masking(keyword))
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
    /// constrain in 2019+; treating them as constraints in draft 4-7 only errs on the safe side).
    private func compareReaderReference(_ target: JSONValue, reader: JSCompatNode, writer: JSCompatNode)
        -> [Incompatibility]
    {
        guard let resolved = resolve(target, from: reader) else {
            if let writerTarget = writer["$ref"], writerTarget == target, Self.isExternal(target) {
                // Same unresolved external schema on both sides: the same schema.
                return compare(reader: reader.masking("$ref"), writer: writer.masking("$ref"))
            }
            return [unresolved(target, at: reader.location("$ref"), side: "reader")]
        }
        return compare(reader: resolved, writer: writer) + compare(reader: reader.masking("$ref"), writer: writer)
    }

    /// Resolves a local (`#/...`) or by-name (`other.json#/...`) reference on `node`'s side.
    func resolve(_ reference: JSONValue, from node: JSCompatNode) -> JSCompatNode? {
        guard let text = reference.stringValue else { return nil }
        let documents = node.side == .reader ? readerDocuments : writerDocuments
        let hash = text.firstIndex(of: "#") ?? text.endIndex
        let name = String(text[..<hash])
        let fragment = hash == text.endIndex ? "" : String(text[text.index(after: hash)...])
        let document = name.isEmpty ? node.document : name
        guard var current = documents[document] else { return nil }
        guard fragment.isEmpty || fragment.hasPrefix("/") else { return nil }  // anchors are not supported
        let decoded = fragment.removingPercentEncoding ?? fragment
        for rawSegment in decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let segment = rawSegment.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[segment] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(segment), array.indices.contains(index) else { return nil }
                current = array[index]
            default: return nil
            }
        }
        return JSCompatNode(value: current, side: node.side, document: document, pointer: decoded)
    }

    private static func isExternal(_ reference: JSONValue) -> Bool {
        !(reference.stringValue?.hasPrefix("#") ?? true)
    }

    private func unresolved(_ reference: JSONValue, at location: String, side: String) -> Incompatibility {
        Incompatibility(
            kind: Kind.unresolvedReference, location: location,
            message: "cannot follow the \(side)'s reference \(reference.serialized()); only local JSON pointers "
                + "and registered references by name are supported, so inclusion cannot be proven")
    }
}
