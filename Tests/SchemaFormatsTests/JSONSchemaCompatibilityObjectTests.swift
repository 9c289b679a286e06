import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("JSON Schema compatibility: objects and content models")
struct JSONSchemaCompatibilityObjectTests {
    typealias Case = JSONSchemaCompatibilityCase
    typealias Kind = JSONSchemaCompatibilityKind

    static let open = #"{"type":"object","properties":{"a":{"type":"string"}}}"#
    static let openWithB = #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#
    static let closed = #"{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}"#
    static let closedWithB =
        #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false}"#
    static let partial =
        #"{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"integer"}}"#
    static let partialWithB =
        #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":{"type":"integer"}}"#

    static let cases: [Case] = [
        Case("property added to closed model", writer: closed, reader: closedWithB),
        Case(
            "property removed from closed model", writer: closedWithB, reader: closed,
            Kind.propertyRemovedFromClosedContentModel, at: "/additionalProperties"),
        Case("property removed from open model", writer: openWithB, reader: open),
        Case(
            "property added to open model", writer: open, reader: openWithB,
            Kind.propertyAddedToOpenContentModel, at: "/properties/b"),
        Case(
            "unconstrained property added to open model", writer: open,
            reader: #"{"type":"object","properties":{"a":{"type":"string"},"b":{}}}"#),
        Case("property added covered by partially open model", writer: partial, reader: partialWithB),
        Case(
            "property added not covered by partially open model", writer: partial,
            reader:
                #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":{"type":"integer"}}"#,
            Kind.propertyAddedNotCoveredByPartiallyOpenContentModel, at: "/properties/b"),
        Case("property removed covered by partially open model", writer: partialWithB, reader: partial),
        Case(
            "property removed not covered by partially open model",
            writer:
                #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":{"type":"integer"}}"#,
            reader: partial, Kind.propertyRemovedNotCoveredByPartiallyOpenContentModel, at: "/additionalProperties"),
        Case(
            "property removed covered by pattern",
            writer: #"{"type":"object","properties":{"x_1":{"type":"integer"}},"additionalProperties":false}"#,
            reader: #"{"type":"object","patternProperties":{"^x_":{"type":"number"}}}"#),
        Case(
            "property removed not covered by pattern",
            writer: #"{"type":"object","properties":{"x_1":{"type":"string"}},"additionalProperties":false}"#,
            reader: #"{"type":"object","patternProperties":{"^x_":{"type":"number"}}}"#,
            Kind.propertyRemovedNotCoveredByPartiallyOpenContentModel, at: "/patternProperties/^x_"),
        Case(
            "property type changed", writer: open, reader: #"{"type":"object","properties":{"a":{"type":"integer"}}}"#,
            Kind.typeChanged, at: "/properties/a/type"),
        Case(
            "additional properties closed", writer: open, reader: closed,
            Kind.additionalPropertiesRemoved, at: "/additionalProperties"),
        Case("additional properties opened", writer: closed, reader: open),
        Case(
            "additional properties narrowed", writer: partial,
            reader:
                #"{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"integer","maximum":3}}"#,
            Kind.additionalPropertiesNarrowed, at: "/additionalProperties"),
        Case(
            "additional properties narrowed from open", writer: open, reader: partial,
            Kind.additionalPropertiesNarrowed, at: "/additionalProperties"),
        Case(
            "pattern properties narrowed", writer: #"{"type":"object","patternProperties":{"^x":{"type":"number"}}}"#,
            reader: #"{"type":"object","patternProperties":{"^x":{"type":"integer"}}}"#,
            Kind.typeNarrowed, at: "/patternProperties/^x/type"),
        Case(
            "required added for existing property", writer: open,
            reader: #"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#,
            Kind.requiredAttributeAdded, at: "/required"),
        Case(
            "required added with new property", writer: open,
            reader: #"{"type":"object","properties":{"a":{"type":"string"},"c":{}},"required":["c"]}"#,
            Kind.requiredPropertyAddedToUnopenContentModel, at: "/required"),
        Case("required removed", writer: #"{"type":"object","required":["a"]}"#, reader: #"{"type":"object"}"#),
        Case(
            "maxProperties decreased", writer: #"{"type":"object","maxProperties":5}"#,
            reader: #"{"type":"object","maxProperties":3}"#, Kind.maxPropertiesDecreased, at: "/maxProperties"),
        Case(
            "maxProperties added", writer: #"{"type":"object"}"#, reader: #"{"type":"object","maxProperties":3}"#,
            Kind.maxPropertiesAdded, at: "/maxProperties"),
        Case("maxProperties implied by closed writer", writer: closed, reader: #"{"type":"object","maxProperties":1}"#),
        Case(
            "minProperties increased", writer: #"{"type":"object","minProperties":1}"#,
            reader: #"{"type":"object","minProperties":2}"#, Kind.minPropertiesIncreased, at: "/minProperties"),
        Case(
            "minProperties implied by required", writer: #"{"type":"object","required":["a","b"]}"#,
            reader: #"{"type":"object","minProperties":2}"#),
        Case(
            "minProperties added", writer: #"{"type":"object"}"#, reader: #"{"type":"object","minProperties":1}"#,
            Kind.minPropertiesAdded, at: "/minProperties"),
        Case(
            "nested property narrowed",
            writer:
                #"{"type":"object","properties":{"p":{"type":"object","properties":{"age":{"type":"integer","maximum":150}}}}}"#,
            reader:
                #"{"type":"object","properties":{"p":{"type":"object","properties":{"age":{"type":"integer","maximum":120}}}}}"#,
            Kind.maximumDecreased, at: "/properties/p/properties/age/maximum"),
    ]

    @Test(arguments: cases)
    func rule(_ testCase: Case) {
        let found = JSONSchemaCompatibilityHarness.check(reader: testCase.reader, writer: testCase.writer)
        if let kind = testCase.kind {
            #expect(found.map(\.kind) == [kind], "\(found)")
            #expect(found.first?.location == testCase.location, "\(found)")
        } else {
            #expect(found.isEmpty, "\(found)")
        }
    }

    @Test func requiredMessageSaysWhatToDo() {
        let found = JSONSchemaCompatibilityHarness.check(
            reader: #"{"type":"object","properties":{"email":{"type":"string"}},"required":["email"]}"#,
            writer: #"{"type":"object","properties":{"email":{"type":"string"}}}"#)
        #expect(
            found.first?.message
                == "property 'email' became required at /required: documents written without it are no longer "
                + "valid; give it a default in producers or keep it optional")
    }

    /// Adding a property to an open model is forward- but not backward-compatible; to a closed
    /// one, backward- but not forward-compatible (reader = new for backward).
    @Test func contentModelsDecideTheDirection() {
        let check = JSONSchemaCompatibilityHarness.check
        #expect(!check(Self.openWithB, Self.open).isEmpty)  // backward, open: incompatible
        #expect(check(Self.open, Self.openWithB).isEmpty)  // forward, open: compatible
        #expect(check(Self.closedWithB, Self.closed).isEmpty)  // backward, closed: compatible
        #expect(!check(Self.closed, Self.closedWithB).isEmpty)  // forward, closed: incompatible
    }
}
