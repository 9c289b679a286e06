import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Realistic schema evolutions, checked the way the registry does: BACKWARD reads old data
/// with the new schema (reader = new), FORWARD reads new data with the old one.
@Suite("JSON Schema compatibility: realistic evolutions")
struct JSONSchemaCompatibilityEvolutionTests {
    typealias Kind = JSONSchemaCompatibilityKind

    private func backward(old: String, new: String) -> [Incompatibility] {
        JSONSchemaCompatibilityHarness.check(reader: new, writer: old)
    }

    private func forward(old: String, new: String) -> [Incompatibility] {
        JSONSchemaCompatibilityHarness.check(reader: old, writer: new)
    }

    static let userV1 = ##"""
        {"$schema":"http://json-schema.org/draft-07/schema#","title":"User","type":"object",
         "properties":{"id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":100}},
         "required":["id","name"],"additionalProperties":false}
        """##

    @Test func optionalPropertyAddedToClosedModelIsBackwardOnly() {
        let v2 = ##"""
            {"$schema":"http://json-schema.org/draft-07/schema#","title":"User","type":"object",
             "properties":{"id":{"type":"integer","minimum":1},"name":{"type":"string","maxLength":100},
             "email":{"type":"string"}},"required":["id","name"],"additionalProperties":false}
            """##
        #expect(backward(old: Self.userV1, new: v2).isEmpty)
        let found = forward(old: Self.userV1, new: v2)
        #expect(found.map(\.kind) == [Kind.propertyRemovedFromClosedContentModel])
        #expect(found.first?.message.contains("'email'") == true)
    }

    @Test func optionalPropertyAddedToOpenModelIsForwardOnly() {
        let v1 = #"{"type":"object","properties":{"id":{"type":"integer"}}}"#
        let v2 = #"{"type":"object","properties":{"id":{"type":"integer"},"email":{"type":"string"}}}"#
        #expect(forward(old: v1, new: v2).isEmpty)
        #expect(backward(old: v1, new: v2).map(\.kind) == [Kind.propertyAddedToOpenContentModel])
    }

    @Test func requiredPropertyAddedIsNotBackward() {
        let v2 = Self.userV1.replacingOccurrences(of: #"["id","name"]"#, with: #"["id","name","age"]"#)
            .replacingOccurrences(
                of: #""name":{"type":"string","maxLength":100}"#,
                with: #""name":{"type":"string","maxLength":100},"age":{"type":"integer"}"#)
        let found = backward(old: Self.userV1, new: v2)
        #expect(found.map(\.kind) == [Kind.requiredPropertyAddedToUnopenContentModel])
        #expect(found.first?.location == "/required")
    }

    @Test func relaxingConstraintsIsBackwardButNotForward() {
        let v2 = Self.userV1.replacingOccurrences(of: #""maxLength":100"#, with: #""maxLength":200"#)
            .replacingOccurrences(of: #""minimum":1"#, with: #""minimum":0"#)
        #expect(backward(old: Self.userV1, new: v2).isEmpty)
        #expect(
            Set(forward(old: Self.userV1, new: v2).map(\.kind)) == [Kind.maxLengthDecreased, Kind.minimumIncreased])
    }

    @Test func makingAFieldNullableIsBackward() {
        let v1 = #"{"type":"object","properties":{"nick":{"type":"string"}}}"#
        let v2 = #"{"type":"object","properties":{"nick":{"oneOf":[{"type":"null"},{"type":"string"}]}}}"#
        #expect(backward(old: v1, new: v2).isEmpty)
        let found = forward(old: v1, new: v2)
        #expect(found.map(\.kind) == [Kind.sumTypeNarrowed])
        #expect(found.first?.location == "/properties/nick")
    }

    @Test func everyProblemIsReported() {
        let v1 =
            #"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"string"}},"additionalProperties":false}"#
        let v2 =
            #"{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}"#
        let kinds = Set(backward(old: v1, new: v2).map(\.kind))
        #expect(kinds == [Kind.typeNarrowed, Kind.propertyRemovedFromClosedContentModel, Kind.requiredAttributeAdded])
    }

    @Test func mutuallyRecursiveDefinitionsTerminate() {
        let schema = ##"""
            {"$ref":"#/definitions/a","definitions":{
             "a":{"type":"object","properties":{"b":{"$ref":"#/definitions/b"}}},
             "b":{"type":"object","properties":{"a":{"$ref":"#/definitions/a"},"n":{"type":"integer"}}}}}
            """##
        let widened = schema.replacingOccurrences(of: #""integer""#, with: #""number""#)
        #expect(backward(old: schema, new: schema).isEmpty)
        #expect(backward(old: schema, new: widened).isEmpty)
        #expect(forward(old: schema, new: widened).map(\.kind) == [Kind.typeNarrowed])
    }
}
