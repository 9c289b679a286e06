import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Issue 13 item 7: the classes where registries' published verdicts disagree, each with its
/// verdict in both directions (BACKWARD: the new schema reads the old one's documents;
/// FORWARD: the old reads the new's). nil means compatible; otherwise the kind reported.
@Suite("JSON Schema compatibility: classes other registries disagree on")
struct JSONSchemaCompatibilityClassTests {
    typealias Kind = JSONSchemaCompatibilityKind

    struct ClassCase: CustomStringConvertible, Sendable {
        var name: String
        var old: String
        var new: String
        var backward: String?
        var forward: String?
        var formatAssertion = false
        var description: String { name }

        init(
            _ name: String, old: String, new: String, backward: String? = nil, forward: String? = nil,
            formatAssertion: Bool = false
        ) {
            self.name = name
            self.old = old
            self.new = new
            self.backward = backward
            self.forward = forward
            self.formatAssertion = formatAssertion
        }
    }

    static let draft7 = #""$schema":"http://json-schema.org/draft-07/schema#""#
    static let draft2019 = #""$schema":"https://json-schema.org/draft/2019-09/schema""#

    static let dependencies: [ClassCase] = [
        ClassCase(
            "dependentRequired added", old: #"{"type":"object"}"#,
            new: #"{"type":"object","dependentRequired":{"a":["b"]}}"#, backward: Kind.dependencyArrayAdded),
        ClassCase(
            "dependentRequired extended", old: #"{"type":"object","dependentRequired":{"a":["b"]}}"#,
            new: #"{"type":"object","dependentRequired":{"a":["b","c"]}}"#, backward: Kind.dependencyArrayExtended),
        ClassCase(
            "dependentRequired added on a name the writer requires",
            old: #"{"type":"object","required":["b"]}"#,
            new: #"{"type":"object","required":["b"],"dependentRequired":{"a":["b"]}}"#),
        ClassCase(
            "dependentRequired added on a property a closed writer never has",
            old: #"{"type":"object","properties":{"b":{}},"additionalProperties":false}"#,
            new:
                #"{"type":"object","properties":{"b":{}},"additionalProperties":false,"dependentRequired":{"a":["c"]}}"#
        ),
        ClassCase(
            "dependentRequired implied transitively",
            old: #"{"type":"object","dependentRequired":{"a":["b"],"b":["c"]}}"#,
            new: #"{"type":"object","dependentRequired":{"a":["c"]}}"#, forward: Kind.dependencyArrayExtended),
        ClassCase(
            "draft 7 dependencies array extended", old: "{\(draft7),\"dependencies\":{\"a\":[\"b\"]}}",
            new: "{\(draft7),\"dependencies\":{\"a\":[\"b\",\"c\"]}}", backward: Kind.dependencyArrayExtended),
        ClassCase(
            "dependencies array to dependentRequired (2019-09)", old: "{\(draft2019),\"dependencies\":{\"a\":[\"b\"]}}",
            new: "{\(draft2019),\"dependentRequired\":{\"a\":[\"b\"]}}"),
        ClassCase(
            "dependentRequired under draft 7 is an annotation", old: "{\(draft7),\"type\":\"object\"}",
            new: "{\(draft7),\"type\":\"object\",\"dependentRequired\":{\"a\":[\"b\"]}}"),
        ClassCase(
            "dependentSchemas added", old: #"{"type":"object"}"#,
            new: #"{"type":"object","dependentSchemas":{"a":{"required":["b"]}}}"#,
            backward: Kind.dependencySchemaAdded),
        ClassCase(
            "dependentSchemas widened",
            old: #"{"type":"object","dependentSchemas":{"a":{"properties":{"b":{"type":"integer"}}}}}"#,
            new: #"{"type":"object","dependentSchemas":{"a":{"properties":{"b":{"type":"number"}}}}}"#,
            forward: Kind.typeNarrowed),
        ClassCase(
            "dependentSchemas added, implied by the writer itself", old: #"{"type":"object","required":["b"]}"#,
            new: #"{"type":"object","required":["b"],"dependentSchemas":{"a":{"required":["b"]}}}"#),
        ClassCase(
            "draft 7 dependencies schema narrowed",
            old: "{\(draft7),\"dependencies\":{\"a\":{\"required\":[\"b\"]}}}",
            new: "{\(draft7),\"dependencies\":{\"a\":{\"required\":[\"b\",\"c\"]}}}",
            backward: Kind.requiredPropertyAddedToUnopenContentModel),
    ]

    static let contains: [ClassCase] = [
        ClassCase(
            "contains added", old: #"{"type":"array"}"#, new: #"{"type":"array","contains":{"type":"integer"}}"#,
            backward: Kind.containsAdded),
        ClassCase(
            "contains widened", old: #"{"type":"array","contains":{"type":"integer"}}"#,
            new: #"{"type":"array","contains":{"type":"number"}}"#, forward: Kind.containsChanged),
        ClassCase(
            "minContains raised", old: #"{"type":"array","contains":{"type":"integer"},"minContains":1}"#,
            new: #"{"type":"array","contains":{"type":"integer"},"minContains":2}"#,
            backward: Kind.minContainsIncreased),
        ClassCase(
            "minContains 0 makes contains vacuous", old: #"{"type":"array"}"#,
            new: #"{"type":"array","contains":{"type":"integer"},"minContains":0}"#),
        ClassCase(
            "maxContains added", old: #"{"type":"array","contains":{"type":"integer"}}"#,
            new: #"{"type":"array","contains":{"type":"integer"},"maxContains":2}"#, backward: Kind.maxContainsAdded),
        ClassCase(
            "maxContains raised", old: #"{"type":"array","contains":{"type":"integer"},"maxContains":1}"#,
            new: #"{"type":"array","contains":{"type":"integer"},"maxContains":3}"#,
            forward: Kind.maxContainsDecreased),
        ClassCase(
            "contains narrowed under maxContains",
            old: #"{"type":"array","contains":{"type":"number"},"maxContains":2}"#,
            new: #"{"type":"array","contains":{"type":"integer"},"maxContains":2}"#, backward: Kind.containsChanged,
            forward: Kind.maxContainsDecreased),
        ClassCase(
            "contains of anything, implied by minItems", old: #"{"type":"array","minItems":1}"#,
            new: #"{"type":"array","minItems":1,"contains":true}"#),
        ClassCase(
            "maxContains implied by maxItems", old: #"{"type":"array","maxItems":2}"#,
            new: #"{"type":"array","maxItems":2,"contains":{"type":"string"},"minContains":0,"maxContains":2}"#),
        ClassCase(
            "draft 7 contains widened", old: "{\(draft7),\"contains\":{\"type\":\"integer\"}}",
            new: "{\(draft7),\"contains\":{\"type\":\"number\"}}", forward: Kind.containsChanged),
    ]

    static let contentModels: [ClassCase] = [
        ClassCase(
            "property added, covered by unevaluatedProperties schema",
            old: #"{"type":"object","properties":{"a":{"type":"string"}},"unevaluatedProperties":{"type":"integer"}}"#,
            new:
                #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"unevaluatedProperties":{"type":"integer"}}"#
        ),
        ClassCase(
            "property added, not covered by unevaluatedProperties schema",
            old: #"{"type":"object","properties":{"a":{"type":"string"}},"unevaluatedProperties":{"type":"integer"}}"#,
            new:
                #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"unevaluatedProperties":{"type":"integer"}}"#,
            backward: Kind.propertyAddedNotCoveredByPartiallyOpenContentModel,
            forward: Kind.propertyRemovedNotCoveredByPartiallyOpenContentModel),
        ClassCase(
            "property added under unevaluatedProperties false",
            old: #"{"type":"object","properties":{"a":{"type":"string"}},"unevaluatedProperties":false}"#,
            new:
                #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"unevaluatedProperties":false}"#,
            forward: Kind.propertyRemovedFromClosedContentModel),
        ClassCase(
            "item added, covered by unevaluatedItems schema",
            old: #"{"type":"array","prefixItems":[{"type":"string"}],"unevaluatedItems":{"type":"integer"}}"#,
            new:
                #"{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"unevaluatedItems":{"type":"integer"}}"#
        ),
        ClassCase(
            "item added, not covered by unevaluatedItems schema",
            old: #"{"type":"array","prefixItems":[{"type":"string"}],"unevaluatedItems":{"type":"integer"}}"#,
            new:
                #"{"type":"array","prefixItems":[{"type":"string"},{"type":"string"}],"unevaluatedItems":{"type":"integer"}}"#,
            backward: Kind.itemAddedNotCoveredByPartiallyOpenContentModel,
            forward: Kind.itemRemovedNotCoveredByPartiallyOpenContentModel),
    ]

    static let combinators: [ClassCase] = [
        ClassCase(
            "oneOf to anyOf beside type",
            old: #"{"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]}"#,
            new: #"{"type":"object","anyOf":[{"required":["a"]},{"required":["b"]}]}"#,
            forward: Kind.combinedTypeChanged),
        ClassCase(
            "oneOf to anyOf without siblings", old: #"{"oneOf":[{"type":"string"},{"type":"integer"}]}"#,
            new: #"{"anyOf":[{"type":"string"},{"type":"integer"}]}"#),
    ]

    static let references: [ClassCase] = [
        ClassCase(
            "$ref to a 2020-12 $anchor",
            old: ##"{"$defs":{"n":{"$anchor":"num","type":"integer"}},"properties":{"a":{"$ref":"#num"}}}"##,
            new: ##"{"$defs":{"n":{"$anchor":"num","type":"number"}},"properties":{"a":{"$ref":"#num"}}}"##,
            forward: Kind.typeNarrowed),
        ClassCase(
            "$ref to a draft 7 plain-name $id",
            old: "{\(draft7),\"definitions\":{\"n\":{\"$id\":\"#num\",\"type\":\"integer\"}},"
                + "\"properties\":{\"a\":{\"$ref\":\"#num\"}}}",
            new: "{\(draft7),\"definitions\":{\"n\":{\"$id\":\"#num\",\"type\":\"number\"}},"
                + "\"properties\":{\"a\":{\"$ref\":\"#num\"}}}", forward: Kind.typeNarrowed),
        ClassCase(
            "$ref to a subschema's $id",
            old:
                #"{"$id":"http://example.com/root.json","$defs":{"i":{"$id":"item.json","type":"integer"}},"items":{"$ref":"item.json"}}"#,
            new:
                #"{"$id":"http://example.com/root.json","$defs":{"i":{"$id":"item.json","type":"number"}},"items":{"$ref":"item.json"}}"#,
            forward: Kind.typeNarrowed),
        ClassCase(
            "$ref by pointer inside an embedded resource",
            old:
                ##"{"$id":"http://example.com/r.json","$defs":{"x":{"type":"string"},"s":{"$id":"s.json","$defs":{"x":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/x"}}}},"$ref":"s.json"}"##,
            new:
                ##"{"$id":"http://example.com/r.json","$defs":{"x":{"type":"string"},"s":{"$id":"s.json","$defs":{"x":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/x"}}}},"$ref":"s.json"}"##,
            backward: Kind.typeChanged, forward: Kind.typeChanged),
    ]

    static let annotations: [ClassCase] = [
        ClassCase(
            "additionalItems without array items added (draft 7)", old: "{\(draft7),\"items\":{\"type\":\"string\"}}",
            new: "{\(draft7),\"items\":{\"type\":\"string\"},\"additionalItems\":false}"),
        ClassCase(
            "additionalItems without items changed (2019-09)",
            old: "{\(draft2019),\"type\":\"array\",\"additionalItems\":{\"type\":\"string\"}}",
            new: "{\(draft2019),\"type\":\"array\",\"additionalItems\":{\"type\":\"integer\"}}"),
        ClassCase(
            "additionalItems under 2020-12 (not a keyword)", old: #"{"prefixItems":[{"type":"string"}]}"#,
            new: #"{"prefixItems":[{"type":"string"}],"additionalItems":false}"#),
        ClassCase(
            "propertyNames pattern matching every name", old: #"{"type":"object"}"#,
            new: #"{"type":"object","propertyNames":{"type":"string","pattern":".*"}}"#),
        ClassCase(
            "propertyNames anchored empty pattern", old: #"{"type":"object"}"#,
            new: #"{"type":"object","propertyNames":{"pattern":"^"}}"#),
        ClassCase(
            "propertyNames ^.*$ is not universal", old: #"{"type":"object"}"#,
            new: #"{"type":"object","propertyNames":{"pattern":"^.*$"}}"#, backward: Kind.patternAdded),
        ClassCase(
            "propertyNames fitting a closed writer's names",
            old: #"{"type":"object","properties":{"ab":{}},"additionalProperties":false}"#,
            new:
                #"{"type":"object","properties":{"ab":{}},"additionalProperties":false,"propertyNames":{"maxLength":2}}"#
        ),
        ClassCase(
            "string pattern replaced by a universal one", old: #"{"type":"string","pattern":"^a"}"#,
            new: #"{"type":"string","pattern":"x*"}"#, forward: Kind.patternChanged),
        ClassCase(
            "format added (annotation)", old: #"{"type":"string"}"#, new: #"{"type":"string","format":"email"}"#),
        ClassCase(
            "format added (assertion on)", old: #"{"type":"string"}"#, new: #"{"type":"string","format":"email"}"#,
            backward: Kind.keywordChanged, formatAssertion: true),
        ClassCase(
            "contentEncoding and contentMediaType changed",
            old: #"{"type":"string","contentEncoding":"base64"}"#,
            new: #"{"type":"string","contentEncoding":"base32","contentMediaType":"application/json"}"#,
            formatAssertion: true),
        ClassCase(
            "draft 7 contentMediaType added", old: "{\(draft7),\"type\":\"string\"}",
            new: "{\(draft7),\"type\":\"string\",\"contentMediaType\":\"application/json\"}"),
    ]

    /// Really compatible, reported all the same ("Conservative choices" in the doc).
    static let conservative: [ClassCase] = [
        ClassCase(
            "dependent schema not merged with the writer",
            old: #"{"properties":{"b":{"type":"integer"}},"dependentSchemas":{"a":{"required":["b"]}}}"#,
            new:
                #"{"properties":{"b":{"type":"integer"}},"dependentSchemas":{"a":{"required":["b"],"properties":{"b":{"type":"integer"}}}}}"#,
            backward: Kind.propertyAddedToOpenContentModel),
        ClassCase(
            "maxContains through referenced contains schemas",
            old: ##"{"$defs":{"i":{"type":"integer"}},"contains":{"$ref":"#/$defs/i"},"maxContains":1}"##,
            new: ##"{"$defs":{"i":{"type":"integer"}},"contains":{"$ref":"#/$defs/i"},"maxContains":2}"##,
            backward: Kind.maxContainsDecreased, forward: Kind.maxContainsDecreased),
        ClassCase(
            "writer oneOf branch compared without its sibling type",
            old: #"{"type":"object","oneOf":[{"properties":{"a":{"type":"string"}}}]}"#,
            new: #"{"anyOf":[{"type":"object","properties":{"a":{"type":"string"}}}]}"#,
            backward: Kind.combinedTypeSubschemasChanged),
        ClassCase(
            "reference to an official meta-schema",
            old: #"{"type":"boolean"}"#, new: ##"{"$ref":"http://json-schema.org/draft-07/schema#"}"##,
            backward: Kind.unresolvedReference, forward: Kind.unresolvedReference),
        ClassCase(
            "universal pattern not recognised", old: #"{"type":"string","pattern":"^a"}"#,
            new: #"{"type":"string","pattern":"[^a]*"}"#, backward: Kind.patternChanged,
            forward: Kind.patternChanged),
        ClassCase(
            "propertyNames against a writer that is not closed",
            old: #"{"type":"object","properties":{"ab":{}},"required":["ab"],"maxProperties":1}"#,
            new:
                #"{"type":"object","properties":{"ab":{}},"required":["ab"],"maxProperties":1,"propertyNames":{"maxLength":2}}"#,
            backward: Kind.maxLengthAdded),
    ]

    @Test(arguments: dependencies + contains + contentModels + combinators + references + annotations + conservative)
    func verdictBothWays(_ testCase: ClassCase) throws {
        let options = JSONSchemaValidator.Options(formatAssertion: testCase.formatAssertion)
        let format = JSONSchemaFormat(options: options)
        let old = try format.parse(testCase.old, references: [], normalize: false)
        let new = try format.parse(testCase.new, references: [], normalize: false)
        let checker = JSONSchemaCompatibilityChecker(options: options)
        for (direction, reader, writer, expected) in [
            ("BACKWARD", new, old, testCase.backward), ("FORWARD", old, new, testCase.forward),
        ] {
            let kinds = checker.incompatibilities(reader: reader, writer: writer).map(\.kind)
            if let expected {
                #expect(kinds.contains(expected), "\(direction): expected \(expected), got \(kinds)")
            } else {
                #expect(kinds.isEmpty, "\(direction): expected compatible, got \(kinds)")
            }
        }
    }
}
