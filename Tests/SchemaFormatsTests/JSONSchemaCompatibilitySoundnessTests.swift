import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Verdicts that once said "compatible" although a document valid under the writer fails the
/// reader: one test per class of unsoundness, each with the document that shows it. The
/// checker may be conservative, never permissive.
@Suite("JSON Schema compatibility: soundness regressions")
struct JSONSchemaCompatibilitySoundnessTests {
    static let draft4 = #""$schema":"http://json-schema.org/draft-04/schema#""#
    static let draft7 = #""$schema":"http://json-schema.org/draft-07/schema#""#

    /// Asserts `document` is valid under `writer` and not under `reader` (so the pair really
    /// is incompatible), then that the checker says so.
    private func expectIncompatible(
        writer: String, reader: String, document: String,
        options: JSONSchemaValidator.Options = JSONSchemaValidator.Options(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let format = JSONSchemaFormat(options: options)
        let writerSchema = try format.parse(writer, references: [], normalize: false)
        let readerSchema = try format.parse(reader, references: [], normalize: false)
        let instance = try JSONParser().parse(document)
        let valid = { (schema: ParsedSchema) in (schema.model as! JSONSchemaValidator).isValid(instance) }
        #expect(valid(writerSchema), "the writer rejects \(document)", sourceLocation: sourceLocation)
        #expect(!valid(readerSchema), "the reader accepts \(document)", sourceLocation: sourceLocation)
        let found = JSONSchemaCompatibilityChecker(options: options).incompatibilities(
            reader: readerSchema, writer: writerSchema)
        #expect(
            !found.isEmpty, "unsound: compatible, yet \(document) passes the writer only",
            sourceLocation: sourceLocation)
    }

    private func expectCompatible(writer: String, reader: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = JSONSchemaCompatibilityHarness.check(reader: reader, writer: writer)
        #expect(found.isEmpty, "\(found)", sourceLocation: sourceLocation)
    }

    // MARK: unevaluatedItems / unevaluatedProperties

    /// Issue 13, item 6: `unevaluatedItems` was compared as text, but what it applies to
    /// depends on its siblings; dropping a `prefixItems` entry hands item 2 to it.
    @Test func droppedPrefixItemFallsToUnevaluatedItems() throws {
        try expectIncompatible(
            writer:
                #"{"prefixItems":[{"type":"string"},{"type":"number"},{"type":"number"}],"unevaluatedItems":{"type":"string"}}"#,
            reader: #"{"prefixItems":[{"type":"string"},{"type":"number"}],"unevaluatedItems":{"type":"string"}}"#,
            document: #"["a",1,2]"#)
    }

    /// The same with objects (found by the property test): a property no longer listed
    /// falls to an unchanged `unevaluatedProperties: false`.
    @Test func droppedPropertyFallsToUnevaluatedProperties() throws {
        try expectIncompatible(
            writer: #"{"properties":{"a":{"type":"integer"}},"unevaluatedProperties":false}"#,
            reader: #"{"unevaluatedProperties":false}"#, document: #"{"a":2}"#)
    }

    /// Modelled, `unevaluatedItems` still allows what it allows: a closed tuple may grow.
    @Test func unevaluatedItemsFalseTupleMayGrow() {
        expectCompatible(
            writer: #"{"prefixItems":[{"type":"string"}],"unevaluatedItems":false}"#,
            reader: #"{"prefixItems":[{"type":"string"},{"type":"integer"}],"unevaluatedItems":false}"#)
    }

    /// A writer's `unevaluatedItems` beside `allOf` is not what it looks like once `allOf` is
    /// compared apart: the items `allOf` evaluates escape it. The equal remainders
    /// (`{"unevaluatedItems":false}` twice) must not count as equal meaning.
    @Test func writerUnevaluatedItemsDependsOnItsApplicators() throws {
        try expectIncompatible(
            writer: #"{"allOf":[{"prefixItems":[true,true]}],"unevaluatedItems":false}"#,
            reader: #"{"allOf":[{"prefixItems":[true]}],"unevaluatedItems":false}"#, document: "[1,2]")
    }

    // MARK: Drafts

    /// `prefixItems` is a 2020-12 keyword: under draft 4 the validator ignores it, so the
    /// writer constrains nothing there (found by the property test: `$schema` dropped).
    @Test func keywordUnknownToTheWritersDraftConstrainsNothing() throws {
        try expectIncompatible(
            writer: #"{\#(Self.draft4),"prefixItems":[{"enum":[0.5,"",6]}],"type":"array"}"#,
            reader: #"{"prefixItems":[{"enum":[0.5,"",6]}],"type":"array"}"#, document: "[4]")
        try expectIncompatible(
            writer: #"{\#(Self.draft7),"prefixItems":[{"type":"string"}]}"#,
            reader: #"{\#(Self.draft7),"items":[{"type":"string"}]}"#, document: "[1]")
    }

    // MARK: oneOf

    /// `oneOf` needs exactly one branch to match: fitting one branch is not enough when
    /// another may match too (found by the property test; Confluent reads `oneOf` as `anyOf`).
    @Test func oneOfBranchesMustExcludeEachOther() throws {
        try expectIncompatible(
            writer: #"{"type":["string","null"]}"#,
            reader: #"{"oneOf":[{"type":["string","null"]},{"type":"string"}]}"#, document: #""a""#)
        try expectIncompatible(
            writer: #"{"oneOf":[{"type":"string"},{"type":"integer"}]}"#,
            reader: #"{"oneOf":[{"type":"string"},{"type":"number"},{"minimum":0}]}"#, document: "1")
    }

    /// Branches told apart by type or by a required property's `const` are still accepted.
    @Test func exclusiveOneOfBranchesAreAccepted() {
        expectCompatible(writer: #"{"type":"string"}"#, reader: #"{"oneOf":[{"type":"null"},{"type":"string"}]}"#)
        let kind = { (name: String) in
            #"{"type":"object","properties":{"kind":{"const":"\#(name)"}},"required":["kind"]}"#
        }
        expectCompatible(writer: kind("a"), reader: #"{"oneOf":[\#(kind("a")),\#(kind("b"))]}"#)
        expectCompatible(
            writer: #"{"oneOf":[\#(kind("a")),\#(kind("b"))]}"#,
            reader: #"{"oneOf":[\#(kind("a")),\#(kind("b")),\#(kind("c"))]}"#)
    }

    // MARK: References

    /// The stand-in for an absent writer keyword (`true`) shared the writer root's key in the
    /// recursion guard, so the reader's `{"$ref":"#"}` met "the same pair" and passed.
    @Test func standInIsNotTheWritersRoot() throws {
        try expectIncompatible(
            writer: #"{"type":"array"}"#, reader: ##"{"type":"array","prefixItems":[{"$ref":"#"}]}"##,
            document: "[1]")
    }

    /// A reader that loops through references without descending into the document accepts
    /// nothing the loop reaches (the validator gives up at its depth bound), yet the
    /// recursion guard took the loop for inclusion.
    @Test func loopingReaderIsNotCompared() throws {
        try expectIncompatible(
            writer: #"{"type":"string"}"#, reader: ##"{"$defs":{"d":{"$ref":"#/$defs/d"}},"$ref":"#/$defs/d"}"##,
            document: #""a""#)
        try expectIncompatible(
            writer: #"{"type":"boolean"}"#,
            reader: ##"{"$defs":{"d":{"allOf":[{"$ref":"#/$defs/d"}],"type":"boolean"}},"$ref":"#/$defs/d"}"##,
            document: "true")
    }

    /// `$dynamicRef`/`$recursiveRef` with the same text name each side's own target; equal
    /// text was taken for equal meaning.
    @Test func dynamicReferencesResolveOnTheirOwnSide() throws {
        let draft2019 = #""$schema":"https://json-schema.org/draft/2019-09/schema""#
        for (keyword, draft) in [("$recursiveRef", draft2019 + ","), ("$dynamicRef", "")] {
            let schema = { (type: String) in
                ##"{\##(draft)"type":"object","properties":{"a":{"\##(keyword)":"#/$defs/x"}},"$defs":{"x":{"type":"\##(type)"}}}"##
            }
            try expectIncompatible(writer: schema("integer"), reader: schema("string"), document: #"{"a":1}"#)
        }
    }

    /// A JSON pointer written inside an embedded resource (`"$id": "s.json"`) resolves
    /// against that resource, not the document: the checker once followed `#/$defs/x` to the
    /// root's `x` on both sides, equal there, while the validator used `s.json`'s.
    @Test func pointerInsideAnEmbeddedResourceResolvesAgainstIt() throws {
        let schema = { (inner: String) in
            ##"{"$id":"http://example.com/r.json","$defs":{"x":{"type":"string"},"s":{"$id":"s.json","$defs":{"x":{"type":""##
                + inner + ##""}},"properties":{"a":{"$ref":"#/$defs/x"}}}},"$ref":"s.json"}"##
        }
        try expectIncompatible(writer: schema("integer"), reader: schema("string"), document: #"{"a":1}"#)
    }

    // MARK: Dependencies and contains

    /// A dependent schema the writer lacks narrows the reader unless the writer implies it.
    @Test func addedDependentSchemaIsReported() throws {
        try expectIncompatible(
            writer: #"{"type":"object"}"#, reader: #"{"type":"object","dependentSchemas":{"a":{"required":["b"]}}}"#,
            document: #"{"a":1}"#)
        try expectIncompatible(
            writer: #"{"type":"object","dependencies":{"a":["b"]}}"#,
            reader: #"{"type":"object","dependencies":{"a":["b","c"]}}"#, document: #"{"a":1,"b":2}"#)
    }

    /// `maxContains` counts the items matching the reader's `contains`: a writer bound on
    /// fewer (narrower) items says nothing about them.
    @Test func maxContainsNeedsTheWritersCountToCoverTheReaders() throws {
        try expectIncompatible(
            writer: #"{"type":"array","contains":{"type":"integer"},"maxContains":1}"#,
            reader: #"{"type":"array","contains":{"type":"number"},"maxContains":1}"#, document: "[1, 1.5]")
    }

    // MARK: Numbers, patterns, formats: as the validator decides them

    /// Patterns taken to match every string do, by the validator (line breaks included);
    /// `^.*$` does not and stays a change.
    @Test func universalPatternsMatchEveryStringTheValidatorSees() throws {
        let strings = ["", "a", "\n", "a\nb", "é", "x_1", " ", "\u{FEFF}", "😀"]
        for pattern in [".*", "x*", "^", "(a|)", "", "^a*b*"] {
            let reader = #"{"type":"string","pattern":"# + JSONValue.string(pattern).serialized() + "}"
            expectCompatible(writer: #"{"type":"string"}"#, reader: reader)
            let validator = try JSONSchemaValidator(schema: JSONParser().parse(reader))
            for string in strings {
                #expect(validator.isValid(.string(string)), "\(pattern) rejects \(string.debugDescription)")
            }
        }
        try expectIncompatible(
            writer: #"{"type":"string"}"#, reader: #"{"type":"string","pattern":"^.*$"}"#, document: #""a\nb""#)
    }

    // MARK: Numbers, patterns, formats: as the validator decides them

    /// Doubles cannot tell 2^53 + 1 from 2^53; the validator compares the JSON text.
    @Test func boundsCompareExactly() throws {
        try expectIncompatible(
            writer: #"{"type":"integer","maximum":9007199254740993}"#,
            reader: #"{"type":"integer","maximum":9007199254740992}"#, document: "9007199254740993")
    }

    /// A tolerance made 3.0000000001 a multiple of 1; the validator's decimal check does not.
    @Test func multipleOfIsDecidedExactly() throws {
        try expectIncompatible(
            writer: #"{"const":3.0000000001}"#, reader: #"{"multipleOf":1}"#, document: "3.0000000001")
    }

    /// Swift's default regex `\d` matches any Unicode digit; the validator's ECMA-262 one
    /// only ASCII digits, so "٣" (Arabic-Indic three) fails the reader's pattern.
    @Test func patternsMatchAsTheValidatorMatches() throws {
        try expectIncompatible(
            writer: #"{"enum":["٣"]}"#, reader: #"{"type":"string","pattern":"\\d"}"#, document: #""٣""#)
    }

    /// With format assertion on, `format` constrains, and adding one narrows the reader.
    @Test func assertedFormatIsAConstraint() throws {
        try expectIncompatible(
            writer: #"{"type":"string"}"#, reader: #"{"type":"string","format":"email"}"#, document: #""a""#,
            options: JSONSchemaValidator.Options(formatAssertion: true))
    }

    // MARK: Conservative choices

    /// A custom meta-schema (held by the registry as a reference) may switch vocabularies
    /// off; the checker does not follow it, so only an unchanged schema is compatible. An
    /// unknown URI the validator cannot load just keeps the default draft.
    @Test func customMetaSchemaIsNotFollowed() {
        let meta = StoredSchema(
            id: 1, type: .json, text: #"{"$schema":"https://json-schema.org/draft/2020-12/schema"}"#, references: [])
        let reference = ResolvedReference(
            reference: SchemaReference(name: "meta.json", subject: "meta", version: 1), schema: meta)
        let text = #"{"$schema":"meta.json","type":"integer"}"#
        let writer = JSONSchemaCompatibilityHarness.schema(text, references: [reference])
        let reader = JSONSchemaCompatibilityHarness.schema(
            #"{"$schema":"meta.json","type":"number"}"#, references: [reference])
        let checker = JSONSchemaCompatibilityChecker()
        #expect(checker.incompatibilities(reader: writer, writer: writer).isEmpty)
        #expect(checker.incompatibilities(reader: reader, writer: writer).map(\.kind) == [Kind.keywordChanged])
        expectCompatible(
            writer: #"{"$schema":"http://json-schema.org/schema#","type":"integer"}"#,
            reader: #"{"$schema":"http://json-schema.org/schema#","type":"number"}"#)
    }

    typealias Kind = JSONSchemaCompatibilityKind
}
