import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("JSON Schema compatibility: types, values, numbers, strings")
struct JSONSchemaCompatibilityScalarTests {
    typealias Case = JSONSchemaCompatibilityCase
    typealias Kind = JSONSchemaCompatibilityKind

    static let cases: [Case] = [
        Case("integer widened to number", writer: #"{"type":"integer"}"#, reader: #"{"type":"number"}"#),
        Case(
            "number narrowed to integer", writer: #"{"type":"number"}"#, reader: #"{"type":"integer"}"#,
            Kind.typeNarrowed, at: "/type"),
        Case(
            "string changed to boolean", writer: #"{"type":"string"}"#, reader: #"{"type":"boolean"}"#,
            Kind.typeChanged, at: "/type"),
        Case("type list widened", writer: #"{"type":"string"}"#, reader: #"{"type":["string","null"]}"#),
        Case(
            "type list narrowed", writer: #"{"type":["string","null"]}"#, reader: #"{"type":"string"}"#,
            Kind.typeNarrowed, at: "/type"),
        Case("type dropped", writer: #"{"type":"string"}"#, reader: #"{}"#),
        Case("type added", writer: #"{}"#, reader: #"{"type":"string"}"#, Kind.typeNarrowed, at: "/type"),
        Case("enum widened", writer: #"{"enum":["a","b"]}"#, reader: #"{"enum":["a","b","c"]}"#),
        Case(
            "enum narrowed", writer: #"{"enum":["a","b"]}"#, reader: #"{"enum":["a"]}"#,
            Kind.enumArrayNarrowed, at: "/enum"),
        Case(
            "enum added", writer: #"{"type":"string"}"#, reader: #"{"enum":["a"]}"#, Kind.enumArrayNarrowed, at: "/enum"
        ),
        Case("const into enum", writer: #"{"const":"a"}"#, reader: #"{"type":"string","enum":["a","b"]}"#),
        Case("const changed", writer: #"{"const":1}"#, reader: #"{"const":2}"#, Kind.enumArrayNarrowed, at: "/const"),
        Case(
            "maximum increased", writer: #"{"type":"number","maximum":10}"#, reader: #"{"type":"number","maximum":20}"#),
        Case(
            "maximum decreased", writer: #"{"type":"number","maximum":20}"#, reader: #"{"type":"number","maximum":10}"#,
            Kind.maximumDecreased, at: "/maximum"),
        Case(
            "maximum added", writer: #"{"type":"number"}"#, reader: #"{"type":"number","maximum":10}"#,
            Kind.maximumAdded, at: "/maximum"),
        Case("minimum decreased", writer: #"{"type":"number","minimum":5}"#, reader: #"{"type":"number","minimum":0}"#),
        Case(
            "minimum increased", writer: #"{"type":"number","minimum":0}"#, reader: #"{"type":"number","minimum":5}"#,
            Kind.minimumIncreased, at: "/minimum"),
        Case(
            "exclusive maximum decreased", writer: #"{"type":"number","exclusiveMaximum":10}"#,
            reader: #"{"type":"number","exclusiveMaximum":5}"#, Kind.exclusiveMaximumDecreased, at: "/exclusiveMaximum"),
        Case(
            "inclusive maximum became exclusive", writer: #"{"type":"number","maximum":10}"#,
            reader: #"{"type":"number","exclusiveMaximum":10}"#, Kind.exclusiveMaximumDecreased, at: "/exclusiveMaximum"
        ),
        Case(
            "exclusive maximum became inclusive", writer: #"{"type":"number","exclusiveMaximum":10}"#,
            reader: #"{"type":"number","maximum":10}"#),
        Case(
            "integer exclusive bound is an inclusive one", writer: #"{"type":"integer","exclusiveMaximum":11}"#,
            reader: #"{"type":"integer","maximum":10}"#),
        Case(
            "draft 4 boolean exclusiveMinimum",
            writer: #"{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","minimum":0}"#,
            reader:
                #"{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","minimum":0,"exclusiveMinimum":true}"#,
            Kind.minimumIncreased, at: "/minimum"),
        Case(
            "exclusive minimum increased", writer: #"{"type":"number","exclusiveMinimum":0}"#,
            reader: #"{"type":"number","exclusiveMinimum":1}"#, Kind.exclusiveMinimumIncreased, at: "/exclusiveMinimum"),
        Case(
            "multipleOf divides", writer: #"{"type":"number","multipleOf":6}"#,
            reader: #"{"type":"number","multipleOf":3}"#),
        Case(
            "multipleOf changed", writer: #"{"type":"number","multipleOf":3}"#,
            reader: #"{"type":"number","multipleOf":6}"#,
            Kind.multipleOfChanged, at: "/multipleOf"),
        Case(
            "multipleOf added", writer: #"{"type":"number"}"#, reader: #"{"type":"number","multipleOf":2}"#,
            Kind.multipleOfAdded, at: "/multipleOf"),
        Case(
            "multipleOf 0.5 for integers", writer: #"{"type":"integer"}"#,
            reader: #"{"type":"number","multipleOf":0.5}"#),
        Case(
            "maxLength increased", writer: #"{"type":"string","maxLength":5}"#,
            reader: #"{"type":"string","maxLength":9}"#),
        Case(
            "maxLength decreased", writer: #"{"type":"string","maxLength":9}"#,
            reader: #"{"type":"string","maxLength":5}"#,
            Kind.maxLengthDecreased, at: "/maxLength"),
        Case(
            "maxLength added", writer: #"{"type":"string"}"#, reader: #"{"type":"string","maxLength":5}"#,
            Kind.maxLengthAdded, at: "/maxLength"),
        Case(
            "minLength decreased", writer: #"{"type":"string","minLength":3}"#,
            reader: #"{"type":"string","minLength":1}"#),
        Case(
            "minLength increased", writer: #"{"type":"string","minLength":1}"#,
            reader: #"{"type":"string","minLength":3}"#,
            Kind.minLengthIncreased, at: "/minLength"),
        Case(
            "pattern unchanged", writer: #"{"type":"string","pattern":"^a"}"#,
            reader: #"{"type":"string","pattern":"^a"}"#),
        Case(
            "pattern changed", writer: #"{"type":"string","pattern":"^a"}"#,
            reader: #"{"type":"string","pattern":"^a+"}"#,
            Kind.patternChanged, at: "/pattern"),
        Case(
            "pattern added", writer: #"{"type":"string"}"#, reader: #"{"type":"string","pattern":"^a"}"#,
            Kind.patternAdded, at: "/pattern"),
        Case(
            "string keywords ignored for numbers", writer: #"{"type":"integer"}"#,
            reader: #"{"type":"integer","maxLength":1}"#),
        Case(
            "enum values fit new maxLength", writer: #"{"enum":["ab","abc"]}"#,
            reader: #"{"type":"string","maxLength":3}"#),
        Case(
            "enum value too long", writer: #"{"enum":["ab","abcd"]}"#, reader: #"{"type":"string","maxLength":3}"#,
            Kind.maxLengthAdded, at: "/maxLength"),
        Case("enum values match new pattern", writer: #"{"enum":["a1","a2"]}"#, reader: #"{"pattern":"^a[0-9]$"}"#),
        Case("const fits new bounds", writer: #"{"const":5}"#, reader: #"{"type":"integer","minimum":0,"maximum":9}"#),
        Case(
            "enum value beyond new maximum", writer: #"{"enum":[5,15]}"#, reader: #"{"type":"integer","maximum":9}"#,
            Kind.maximumAdded, at: "/maximum"),
        Case("reader true", writer: #"{"type":"string"}"#, reader: "true"),
        Case("writer false", writer: "false", reader: #"{"type":"string"}"#),
        Case("reader false", writer: #"{"type":"string"}"#, reader: "false", Kind.typeNarrowed, at: ""),
        Case(
            "annotations only", writer: #"{"type":"string","title":"a"}"#,
            reader: #"{"type":"string","description":"b"}"#),
        Case(
            "conditional changed", writer: #"{"if":{"type":"string"},"then":{"minLength":1}}"#,
            reader: #"{"if":{"type":"string"},"then":{"minLength":2}}"#, Kind.keywordChanged, at: "/if"),
    ]

    @Test(arguments: cases)
    func rule(_ testCase: Case) {
        let found = JSONSchemaCompatibilityHarness.check(reader: testCase.reader, writer: testCase.writer)
        if let kind = testCase.kind {
            #expect(found.map(\.kind) == [kind], "\(found)")
            #expect(found.first?.location == testCase.location, "\(found)")
            #expect(found.allSatisfy { !$0.message.isEmpty })
        } else {
            #expect(found.isEmpty, "\(found)")
        }
    }

    @Test(arguments: cases)
    func identity(_ testCase: Case) {
        for text in [testCase.reader, testCase.writer] {
            #expect(JSONSchemaCompatibilityHarness.check(reader: text, writer: text).isEmpty)
        }
    }
}
