import Foundation
import Testing

@testable import SchemaFormats

/// The flattened ``ValidationPlan`` must answer exactly as the graph walk: every case of the
/// official suite (required, optional, formats asserting), and shapes the suite leaves thin.
@Suite("JSON Schema validation plan")
struct JSONSchemaPlanTests {
    @Test(arguments: JSONSchemaSuite.drafts.map(\.0))
    func planAgreesWithTheGraphWalkOnTheSuite(draftDirectory: String) throws {
        let draft = JSONSchemaSuite.drafts.first { $0.0 == draftDirectory }!.1
        var planned = 0
        var cases = 0
        for (directory, formatAssertion) in [
            (draftDirectory, false), (draftDirectory + "/optional", false), (draftDirectory + "/optional/format", true),
        ] {
            let options = JSONSchemaValidator.Options(defaultDraft: draft, formatAssertion: formatAssertion)
            for file in JSONSchemaSuite.files(directory) {
                let url = JSONSchemaSuite.suite.appendingPathComponent("tests").appendingPathComponent(file)
                for testCase in try JSONSchemaSuite.parse(url).arrayValue ?? [] {
                    guard
                        let validator = try? JSONSchemaValidator(
                            schema: testCase["schema"] ?? .bool(true), documents: JSONSchemaSuite.remotes,
                            options: options)
                    else { continue }
                    cases += 1
                    guard let plan = validator.plan else { continue }
                    planned += 1
                    for test in testCase["tests"]?.arrayValue ?? [] {
                        let data = test["data"] ?? .null
                        #expect(
                            plan.isValid(data) == validator.walkIsValid(data),
                            "\(file) | \(testCase["description"]?.stringValue ?? "") | \(test["description"]?.stringValue ?? "")"
                        )
                    }
                }
            }
        }
        // Most suite schemas are plain enough for the plan; if none were, this proved nothing.
        #expect(planned * 2 > cases, "\(planned) of \(cases) schemas planned")
    }

    private func agree(_ schemaText: String, _ documents: [String], expected: [Bool]) throws {
        let validator = try JSONSchemaValidator(schema: try JSONParser().parse(schemaText))
        #expect(validator.plan != nil)
        for (document, valid) in zip(documents, expected) {
            let value = try JSONParser().parse(document)
            #expect(validator.isValid(value) == valid, "\(document)")
            #expect(validator.walkIsValid(value) == valid, "\(document)")
            #expect(validator.validate(value).isEmpty == valid, "\(document)")
        }
    }

    @Test func fusedObjectCheckMatchesPropertiesRequiredAndAdditional() throws {
        let schema = """
            {"properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": true},
             "required": ["b", "a", "b", "z"], "additionalProperties": false}
            """
        try agree(
            schema,
            [
                #"{"a": 1, "b": "x", "z": 1}"#,  // z required but not a property: additional
                #"{"a": 1, "b": "x"}"#,  // z missing
                #"{"b": "x", "a": 1, "c": null}"#,  // out of order, z missing
            ], expected: [false, false, false])
        try agree(
            #"{"properties": {"a": {"type": "integer"}, "b": true}, "required": ["b", "a"], "additionalProperties": {"type": "null"}}"#,
            [
                #"{"b": 0, "a": 1}"#, #"{"a": 1}"#, #"{"x": null, "b": 0, "a": 1}"#, #"{"x": 1, "b": 0, "a": 1}"#,
                #"{"a": "1", "b": 0}"#, #"[]"#,
            ], expected: [true, false, true, false, false, true])
    }

    @Test func boundsAtEqualDoublesCompareExactly() throws {
        try agree(
            #"{"maximum": 9007199254740993, "exclusiveMinimum": 9007199254740991}"#,
            ["9007199254740993", "9007199254740994", "9007199254740992", "9007199254740991", "\"x\""],
            expected: [true, false, true, false, true])
    }

    @Test func stringLengthsCountCodePoints() throws {
        try agree(
            #"{"type": "string", "maxLength": 2, "minLength": 2, "pattern": "^[a-zé]+$"}"#,
            [#""éé""#, #""ééé""#, #""é""#, #""ab""#, #""a1""#], expected: [true, false, false, true, false])
    }

    @Test func recursiveSchemasAnswerAsTheGraphWalkAtAnyDepth() throws {
        let recursive = try JSONSchemaValidator(
            schema: try JSONParser().parse(
                ##"{"type": "object", "properties": {"next": {"$ref": "#"}}, "additionalProperties": false}"##))
        #expect(recursive.plan?.instanceDepthLimit != nil)
        // Past the limit the plan hands over to the graph walk, whose depth guard then
        // decides (400 levels are within it, 600 are not).
        for (depth, valid) in [(0, true), (1, true), (10, true), (400, true), (600, false)] {
            let text = String(repeating: #"{"next": "#, count: depth) + "{}" + String(repeating: "}", count: depth)
            let value = try JSONParser(maximumDepth: 1024).parse(text)
            #expect(recursive.isValid(value) == valid, "depth \(depth)")
            #expect(recursive.walkIsValid(value) == valid, "depth \(depth)")
            let bad = try JSONParser(maximumDepth: 1024).parse(text.replacingOccurrences(of: "{}", with: #"{"x": 1}"#))
            #expect(!recursive.isValid(bad), "depth \(depth)")
        }
    }

    @Test func inPlaceCyclesAndDynamicSchemasKeepTheGraphWalk() throws {
        let loop = try JSONSchemaValidator(
            schema: try JSONParser().parse(##"{"anyOf": [{"$ref": "#"}, {"type": "string"}]}"##))
        #expect(loop.plan == nil)
        let dynamic = try JSONSchemaValidator(
            schema: try JSONParser().parse(##"{"$dynamicAnchor": "a", "items": {"$dynamicRef": "#a"}}"##))
        #expect(dynamic.plan == nil)
    }
}
