import Foundation
import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("Avro canonical forms")
struct AvroCanonicalFormTests {
    struct Vector: CustomStringConvertible {
        var number: String
        var input: String
        var canonical: String
        var fingerprint: Int64?
        var description: String { "case \(number)" }
    }

    /// The cases of Avro's share/test/data/schema-tests.txt.
    static func vectors() throws -> [Vector] {
        let text = try String(
            contentsOf: AvroTestSupport.fixtures.appendingPathComponent("schema-tests.txt"), encoding: .utf8)
        var vectors: [Vector] = []
        var current: Vector?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
        while let line = lines.popFirst() {
            if line.hasPrefix("// "), Int(line.dropFirst(3)) != nil {
                if let current { vectors.append(current) }
                current = Vector(number: String(line.dropFirst(3)), input: "", canonical: "")
            } else if line == "<<INPUT" {
                var body: [String] = []
                while let next = lines.popFirst(), next != "INPUT" { body.append(next) }
                current?.input = body.joined(separator: "\n")
            } else if line.hasPrefix("<<INPUT ") {
                current?.input = String(line.dropFirst(8))
            } else if line.hasPrefix("<<canonical ") {
                current?.canonical = String(line.dropFirst(12))
            } else if line.hasPrefix("<<fingerprint ") {
                current?.fingerprint = Int64(line.dropFirst(14))
            }
        }
        if let current { vectors.append(current) }
        return vectors
    }

    @Test func allVectorsAreRead() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 34)
        #expect(vectors.allSatisfy { !$0.input.isEmpty && !$0.canonical.isEmpty })
    }

    @Test(arguments: try vectors())
    func parsingCanonicalFormAndFingerprint(_ vector: Vector) throws {
        let model = try AvroTestSupport.model(vector.input)
        #expect(model.parsingCanonicalForm == vector.canonical)
        if let expected = vector.fingerprint {
            #expect(Int64(bitPattern: model.fingerprint) == expected)
        }
        // The PCF is itself a schema with the same PCF.
        #expect(try AvroTestSupport.model(vector.canonical).parsingCanonicalForm == vector.canonical)
    }

    @Test func normalFormIgnoresWhitespaceKeyOrderAndNamespaceSpelling() throws {
        let a = try AvroTestSupport.parse(
            #"{"type":"record","name":"User","namespace":"com.x","doc":"d","fields":[{"name":"id","type":"long","default":1,"doc":"i"},{"name":"tags","type":{"type":"array","items":"string"},"default":[]}],"x-b":1,"x-a":{"z":1,"y":2}}"#
        )
        let b = try AvroTestSupport.parse(
            """
            { "x-a": {"y": 2, "z": 1}, "fields": [
                {"default": 1, "type": {"type": "long"}, "name": "id", "doc": "i"},
                {"name": "tags", "default": [], "type": {"items": "string", "type": "array"}}],
              "name": "com.x.User", "type": "record", "doc": "d", "x-b": 1 }
            """)
        #expect(a.canonicalText == b.canonicalText)
        #expect(
            a.canonicalText
                == #"{"name":"com.x.User","type":"record","fields":[{"name":"id","type":"long","default":1,"doc":"i"},{"name":"tags","type":{"type":"array","items":"string"},"default":[]}],"doc":"d","x-a":{"y":2,"z":1},"x-b":1}"#
        )
    }

    @Test func normalFormKeepsDefaultsAliasesAndLogicalTypes() throws {
        let text =
            #"{"type":"record","name":"a.R","aliases":["Old"],"fields":[{"name":"amount","aliases":["amt"],"order":"descending","type":{"type":"bytes","scale":2,"precision":9,"logicalType":"decimal"},"default":"\u0000"},{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}}]}"#
        let parsed = try AvroTestSupport.parse(text)
        #expect(
            parsed.canonicalText
                == #"{"name":"a.R","type":"record","fields":[{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2},"default":"\u0000","aliases":["amt"],"order":"descending"},{"name":"e","type":{"name":"a.E","type":"enum","symbols":["A","B"],"default":"A"}}],"aliases":["a.Old"]}"#
        )
        // It re-parses to the same normal form.
        #expect(try AvroTestSupport.parse(parsed.canonicalText).canonicalText == parsed.canonicalText)
    }

    @Test func normalizeDropsDoc() throws {
        let text = #"{"type":"enum","name":"E","doc":"about","symbols":["A"]}"#
        #expect(
            try AvroTestSupport.parse(text, normalize: true).canonicalText
                == #"{"name":"E","type":"enum","symbols":["A"]}"#)
        #expect(try AvroTestSupport.parse(text).canonicalText.contains(#""doc":"about""#))
    }

    @Test func nullNamespaceInsideANamespaceSurvivesRoundTrip() throws {
        let text =
            #"{"type":"record","name":"a.R","fields":[{"name":"f","type":{"type":"fixed","name":"F","namespace":"","size":2}},{"name":"g","type":"F"}]}"#
        let parsed = try AvroTestSupport.parse(text)
        let model = try #require(parsed.model as? AvroModel)
        #expect(model.namedTypes["F"] != nil)
        let again = try #require(try AvroTestSupport.parse(parsed.canonicalText).model as? AvroModel)
        #expect(again.namedTypes["F"] != nil && again.namedTypes["a.F"] == nil)
        #expect(again.parsingCanonicalForm == model.parsingCanonicalForm)
    }

    @Test func primitivesWithPropertiesStayObjects() throws {
        #expect(try AvroTestSupport.parse(#"{"type":"string"}"#).canonicalText == #""string""#)
        #expect(
            try AvroTestSupport.parse(#"{"type":"string","ignored":"value"}"#).canonicalText
                == #"{"type":"string","ignored":"value"}"#)
        #expect(try AvroTestSupport.model(#"{"type":"string","ignored":"value"}"#).parsingCanonicalForm == #""string""#)
    }
}
