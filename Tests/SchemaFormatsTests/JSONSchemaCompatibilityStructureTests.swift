import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("JSON Schema compatibility: arrays, combined types and references")
struct JSONSchemaCompatibilityStructureTests {
    typealias Case = JSONSchemaCompatibilityCase
    typealias Kind = JSONSchemaCompatibilityKind

    /// `body` (an object's text) under draft 7, where array-form `items` means a tuple.
    static func draft7(_ body: String) -> String {
        #"{"$schema":"http://json-schema.org/draft-07/schema#","# + body.dropFirst()
    }

    static let arrays: [Case] = [
        Case(
            "items widened", writer: ##"{"type":"array","items":{"type":"integer"}}"##,
            reader: ##"{"type":"array","items":{"type":"number"}}"##),
        Case(
            "items narrowed", writer: ##"{"type":"array","items":{"type":"number"}}"##,
            reader: ##"{"type":"array","items":{"type":"integer"}}"##, Kind.typeNarrowed, at: "/items/type"),
        Case(
            "tuple item added to closed tuple",
            writer: ##"{"type":"array","prefixItems":[{"type":"string"}],"items":false}"##,
            reader: ##"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"##),
        Case(
            "tuple item added to open tuple", writer: ##"{"type":"array","prefixItems":[{"type":"string"}]}"##,
            reader: ##"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]}"##,
            Kind.itemAddedToOpenContentModel, at: "/prefixItems/1"),
        Case(
            "tuple item added not covered",
            writer: ##"{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"string"}}"##,
            reader:
                ##"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"string"}}"##,
            Kind.itemAddedNotCoveredByPartiallyOpenContentModel, at: "/prefixItems/1"),
        Case(
            "tuple item removed from closed tuple (draft 7)",
            writer: draft7(
                ##"{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}"##),
            reader: draft7(##"{"type":"array","items":[{"type":"string"}],"additionalItems":false}"##),
            Kind.itemRemovedFromClosedContentModel, at: "/additionalItems"),
        Case(
            "tuple item removed from open tuple (draft 7)",
            writer: draft7(
                ##"{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}"##),
            reader: draft7(##"{"type":"array","items":[{"type":"string"}]}"##)),
        Case(
            "tuple item removed not covered (draft 7)",
            writer: draft7(
                ##"{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}"##),
            reader: draft7(##"{"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"string"}}"##),
            Kind.itemRemovedNotCoveredByPartiallyOpenContentModel, at: "/additionalItems"),
        Case(
            "additional items removed", writer: ##"{"type":"array","prefixItems":[{"type":"string"}]}"##,
            reader: ##"{"type":"array","prefixItems":[{"type":"string"}],"items":false}"##,
            Kind.additionalItemsRemoved, at: "/items"),
        Case(
            "maxItems decreased", writer: ##"{"type":"array","maxItems":5}"##,
            reader: ##"{"type":"array","maxItems":3}"##,
            Kind.maxItemsDecreased, at: "/maxItems"),
        Case(
            "maxItems added", writer: ##"{"type":"array"}"##, reader: ##"{"type":"array","maxItems":3}"##,
            Kind.maxItemsAdded, at: "/maxItems"),
        Case(
            "maxItems increased", writer: ##"{"type":"array","maxItems":3}"##,
            reader: ##"{"type":"array","maxItems":5}"##),
        Case(
            "minItems increased", writer: ##"{"type":"array","minItems":1}"##,
            reader: ##"{"type":"array","minItems":2}"##,
            Kind.minItemsIncreased, at: "/minItems"),
        Case(
            "minItems decreased", writer: ##"{"type":"array","minItems":2}"##,
            reader: ##"{"type":"array","minItems":1}"##),
        Case(
            "uniqueItems added", writer: ##"{"type":"array"}"##, reader: ##"{"type":"array","uniqueItems":true}"##,
            Kind.uniqueItemsAdded, at: "/uniqueItems"),
        Case("uniqueItems removed", writer: ##"{"type":"array","uniqueItems":true}"##, reader: ##"{"type":"array"}"##),
    ]

    static let combined: [Case] = [
        Case(
            "type widened to anyOf", writer: ##"{"type":"string"}"##,
            reader: ##"{"anyOf":[{"type":"string"},{"type":"null"}]}"##),
        Case(
            "anyOf branch added", writer: ##"{"anyOf":[{"type":"string"}, {"type":"integer"}]}"##,
            reader: ##"{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}"##),
        Case(
            "anyOf branch removed", writer: ##"{"anyOf":[{"type":"string"},{"type":"integer"}]}"##,
            reader: ##"{"anyOf":[{"type":"string"}]}"##, Kind.sumTypeNarrowed, at: "/anyOf"),
        Case(
            "oneOf branch changed", writer: ##"{"oneOf":[{"type":"string"},{"type":"integer"}]}"##,
            reader: ##"{"oneOf":[{"type":"string"},{"type":"boolean"}]}"##, Kind.combinedTypeSubschemasChanged,
            at: "/oneOf"),
        Case(
            "anyOf to single type", writer: ##"{"anyOf":[{"type":"string"},{"type":"null"}]}"##,
            reader: ##"{"type":"string"}"##, Kind.sumTypeNarrowed, at: ""),
        Case(
            "anyOf whose branches all fit", writer: ##"{"anyOf":[{"type":"integer"},{"type":"number","maximum":3}]}"##,
            reader: ##"{"type":"number"}"##),
        Case(
            "oneOf to anyOf", writer: ##"{"oneOf":[{"type":"string"},{"type":"null"}]}"##,
            reader: ##"{"anyOf":[{"type":"string"},{"type":"null"}]}"##),
        Case(
            "allOf conjunct added", writer: ##"{"allOf":[{"type":"string"}]}"##,
            reader: ##"{"allOf":[{"type":"string"},{"maxLength":3}]}"##, Kind.productTypeExtended, at: "/allOf/1"),
        Case(
            "allOf conjunct removed", writer: ##"{"allOf":[{"type":"string"},{"maxLength":3}]}"##,
            reader: ##"{"allOf":[{"type":"string"}]}"##),
        Case(
            "allOf added over plain", writer: ##"{"type":"string"}"##,
            reader: ##"{"allOf":[{"type":"string"},{"maxLength":3}]}"##,
            Kind.productTypeExtended, at: "/allOf/1"),
        Case(
            "allOf to anyOf", writer: ##"{"allOf":[{"type":"string"},{"maxLength":3}]}"##,
            reader: ##"{"anyOf":[{"type":"integer"}]}"##, Kind.combinedTypeChanged, at: "/anyOf"),
        Case(
            "not kept", writer: ##"{"type":"string","not":{"enum":["x"]}}"##,
            reader: ##"{"type":"string","not":{"enum":["x"]}}"##),
        Case(
            "not narrowed in the reader", writer: ##"{"not":{"enum":["x","y"]}}"##, reader: ##"{"not":{"enum":["x"]}}"##
        ),
        Case(
            "not extended", writer: ##"{"not":{"enum":["x"]}}"##, reader: ##"{"not":{"enum":["x","y"]}}"##,
            Kind.notTypeExtended, at: "/not"),
        Case("not added with disjoint type", writer: ##"{"type":"string"}"##, reader: ##"{"not":{"type":"null"}}"##),
        Case(
            "not added", writer: ##"{"type":"string"}"##, reader: ##"{"not":{"type":"string","maxLength":0}}"##,
            Kind.notTypeExtended, at: "/not"),
    ]

    static let references: [Case] = [
        Case(
            "ref target widened",
            writer: ##"{"$ref":"#/definitions/a","definitions":{"a":{"type":"integer"}}}"##,
            reader: ##"{"$ref":"#/definitions/a","definitions":{"a":{"type":"number"}}}"##),
        Case(
            "ref target narrowed",
            writer: ##"{"$ref":"#/definitions/a","definitions":{"a":{"type":"number"}}}"##,
            reader: ##"{"$ref":"#/definitions/a","definitions":{"a":{"type":"integer"}}}"##, Kind.typeNarrowed,
            at: "/definitions/a/type"),
        Case(
            "inlined ref", writer: ##"{"properties":{"x":{"$ref":"#/$defs/s"}},"$defs":{"s":{"type":"string"}}}"##,
            reader: ##"{"properties":{"x":{"type":"string"}}}"##),
        Case(
            "ref to pointer into properties",
            writer: ##"{"properties":{"a":{"type":"string","maxLength":3},"b":{"$ref":"#/properties/a"}}}"##,
            reader: ##"{"properties":{"a":{"type":"string","maxLength":3},"b":{"type":"string","maxLength":2}}}"##,
            Kind.maxLengthDecreased, at: "/properties/b/maxLength"),
        Case(
            "unresolvable reader ref", writer: ##"{"type":"string"}"##, reader: ##"{"$ref":"#/definitions/missing"}"##,
            Kind.unresolvedReference, at: "/$ref"),
    ]

    static let recursive = ##"""
        {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
        "children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}}}
        """##
    static let recursiveWidened = recursive.replacingOccurrences(of: #""integer""#, with: #""number""#)

    static let all =
        arrays + combined + references + [
            Case("recursive schema widened", writer: recursive, reader: recursiveWidened),
            Case(
                "recursive schema narrowed", writer: recursiveWidened, reader: recursive,
                Kind.typeNarrowed, at: "/$defs/node/properties/value/type"),
        ]

    @Test(arguments: all)
    func rule(_ testCase: Case) {
        let found = JSONSchemaCompatibilityHarness.check(reader: testCase.reader, writer: testCase.writer)
        if let kind = testCase.kind {
            #expect(found.map(\.kind) == [kind], "\(found)")
            #expect(found.first?.location == testCase.location, "\(found)")
        } else {
            #expect(found.isEmpty, "\(found)")
        }
    }

    @Test(arguments: all)
    func identity(_ testCase: Case) {
        for text in [testCase.reader, testCase.writer] where !text.contains("missing") {
            #expect(JSONSchemaCompatibilityHarness.check(reader: text, writer: text).isEmpty)
        }
    }

    @Test func referencedSchemasResolveByName() {
        let address = StoredSchema(
            id: 1, type: .json, text: ##"{"type":"object","properties":{"zip":{"type":"string"}}}"##, references: [])
        let reference = ResolvedReference(
            reference: SchemaReference(name: "address.json", subject: "address", version: 1), schema: address)
        let writer = JSONSchemaCompatibilityHarness.schema(
            ##"{"type":"object","properties":{"home":{"$ref":"address.json"}}}"##, references: [reference])
        let reader = JSONSchemaCompatibilityHarness.schema(
            ##"{"type":"object","properties":{"home":{"$ref":"address.json"}}}"##, references: [reference])
        #expect(JSONSchemaCompatibilityChecker().incompatibilities(reader: reader, writer: writer).isEmpty)
        let narrowed = JSONSchemaCompatibilityHarness.schema(
            ##"{"type":"object","properties":{"home":{"type":"object","properties":{"zip":{"type":"string","maxLength":5}}}}}"##
        )
        let found = JSONSchemaCompatibilityChecker().incompatibilities(reader: narrowed, writer: writer)
        #expect(found.map(\.kind) == [Kind.maxLengthAdded])
        #expect(found.first?.location == "/properties/home/properties/zip/maxLength")
    }
}
