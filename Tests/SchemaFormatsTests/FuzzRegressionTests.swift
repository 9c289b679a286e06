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
}
