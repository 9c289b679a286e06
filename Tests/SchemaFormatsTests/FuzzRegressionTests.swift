import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Inputs that fuzz/ (libFuzzer) found failing, fixed, and kept: each is also a seed
/// (`fuzz/corpus/<target>/regression-*`), so the fuzzers start from them too.
@Suite("Fuzz regressions: SchemaFormats")
struct FuzzRegressionTests {
    /// FuzzPayloads, LeakSanitizer: a compiled schema's nodes and resources form cycles (a
    /// resource points at its root node, `$ref` at its target), and nothing broke them, so
    /// every JSON schema parsed leaked its whole graph. ``SchemaGraph`` breaks them now.
    @Test(
        "a compiled JSON schema is freed with its validator",
        arguments: [
            "true",
            #"{"type":"string"}"#,
            ##"{"properties":{"next":{"$ref":"#"}}}"##,
            ##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"items":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"}"##,
            ##"{"$id":"https://x/a","$dynamicAnchor":"n","properties":{"c":{"$dynamicRef":"#n"}}}"##,
            ##"{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveAnchor":true,"items":{"$recursiveRef":"#"}}"##,
        ])
    func compiledSchemaIsFreed(_ text: String) throws {
        weak var root: SchemaNode?
        weak var resource: SchemaResource?
        do {
            let validator = try JSONSchemaValidator(schema: JSONParser().parse(text))
            root = validator.root
            resource = validator.root.resource
            _ = validator.validate(.array([.null, .object(JSONObject())]))
            #expect(root != nil)
        }
        #expect(root == nil, "the root node of \(text) outlived its validator")
        #expect(resource == nil, "the root resource of \(text) outlived its validator")
    }

    /// FuzzJSONSchema, stack overflow: a schema that refers to itself without descending
    /// into the instance recursed until the process crashed (any payload validated against
    /// `{"$ref": "#"}` took the server down). Evaluation depth is bounded now and such an
    /// instance is invalid, with one error that says why, even under `not`.
    @Test(
        "a schema that loops on itself makes the payload invalid instead of crashing",
        arguments: [
            ##"{"$schema": "https://json-schema.org/draft/2019-12/schema", "$ref": ""}"##,
            ##"{"$ref":"#"}"##,
            ##"{"not":{"$ref":"#"}}"##,
            ##"{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}"##,
            // Found by the compatibility soundness test: branching loops took exponential time
            // until evaluation stopped at the bound instead of trying the other branches.
            ##"{"anyOf":[{"$ref":"#"},{"$ref":"#"}]}"##,
            ##"{"oneOf":[{"$ref":"#"},{"$ref":"#"},{"$ref":"#"}],"unevaluatedProperties":false}"##,
        ])
    func selfReferenceIsBounded(_ text: String) throws {
        let format = JSONSchemaFormat()
        let parsed = try format.parse(text, references: [], normalize: false)
        let errors = try #require(format.validate(payload: Array(#"{"a":[1]}"#.utf8), against: parsed))
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("refers to itself") == true)
        let validator = try #require(parsed.model as? JSONSchemaValidator)
        #expect(!validator.isValid(.null))
    }

    /// The bound leaves room for real documents: a recursive schema over an instance nested
    /// as deep as the JSON parser allows still validates.
    @Test func deepRecursiveInstanceStillValidates() throws {
        let format = JSONSchemaFormat()
        let parsed = try format.parse(
            ##"{"type":"array","items":{"$ref":"#"}}"##, references: [], normalize: false)
        let depth = 250
        let payload = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try #require(format.validate(payload: Array(payload.utf8), against: parsed)).isEmpty)
    }
}
