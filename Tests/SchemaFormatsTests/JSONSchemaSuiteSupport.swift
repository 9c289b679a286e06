import Foundation

@testable import SchemaFormats

/// Runs the official JSON-Schema-Test-Suite (copied under Fixtures/) against
/// ``JSONSchemaValidator``, with the suite's remotes registered at http://localhost:1234/.
enum JSONSchemaSuite {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let suite = fixtures.appendingPathComponent("json-schema-test-suite")
    static let drafts: [(String, JSONSchemaDraft)] = [
        ("draft4", .draft4), ("draft6", .draft6), ("draft7", .draft7), ("draft2019-09", .draft2019_09),
        ("draft2020-12", .draft2020_12),
    ]

    struct Outcome {
        /// "draft/file.json | case | test" keys of failing tests.
        var failures: [String] = []
        var passed = 0
        var total = 0
    }

    static func parse(_ url: URL) throws -> JSONValue {
        try JSONParser(maximumDepth: 1024).parse(String(decoding: Data(contentsOf: url), as: UTF8.self))
    }

    /// Every remote document, keyed by the URL the suite serves it at.
    static let remotes: [String: JSONValue] = {
        let root = suite.appendingPathComponent("remotes")
        var result: [String: JSONValue] = [:]
        let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        for path in paths where path.hasSuffix(".json") {
            result["http://localhost:1234/" + path] = try? parse(root.appendingPathComponent(path))
        }
        return result
    }()

    /// The `.json` files directly in `directory` (relative to tests/), sorted.
    static func files(_ directory: String) -> [String] {
        let url = suite.appendingPathComponent("tests").appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory + "/" + $0 }
    }

    /// Every case key ("file | case") and test key ("file | case | test") in the files.
    static func keys(_ files: [String]) throws -> Set<String> {
        var keys: Set<String> = []
        for file in files {
            for testCase in try parse(suite.appendingPathComponent("tests").appendingPathComponent(file)).arrayValue
                ?? []
            {
                let caseKey = file + " | " + (testCase["description"]?.stringValue ?? "")
                keys.insert(caseKey)
                for test in testCase["tests"]?.arrayValue ?? [] {
                    keys.insert(caseKey + " | " + (test["description"]?.stringValue ?? ""))
                }
            }
        }
        return keys
    }

    static func run(_ files: [String], draft: JSONSchemaDraft, formatAssertion: Bool = false) throws -> Outcome {
        var outcome = Outcome()
        let options = JSONSchemaValidator.Options(defaultDraft: draft, formatAssertion: formatAssertion)
        for file in files {
            for testCase in try parse(suite.appendingPathComponent("tests").appendingPathComponent(file)).arrayValue
                ?? []
            {
                let caseKey = file + " | " + (testCase["description"]?.stringValue ?? "")
                let validator = try? JSONSchemaValidator(
                    schema: testCase["schema"] ?? .bool(true), documents: remotes, options: options)
                for test in testCase["tests"]?.arrayValue ?? [] {
                    outcome.total += 1
                    let expected = test["valid"]?.boolValue ?? true
                    let data = test["data"] ?? .null
                    if let validator, validator.isValid(data) == expected,
                        validator.validate(data).isEmpty == expected
                    {
                        outcome.passed += 1
                    } else {
                        outcome.failures.append(caseKey + " | " + (test["description"]?.stringValue ?? ""))
                    }
                }
            }
        }
        return outcome
    }

    /// The skip list: test key → reason. Lines are `file | case | test | why`.
    static func skipList() throws -> [(key: String, why: String, line: String)] {
        let text = try String(
            decoding: Data(contentsOf: fixtures.appendingPathComponent("json-schema-skip-list.txt")), as: UTF8.self)
        return text.split(separator: "\n").compactMap { raw in
            let line = String(raw)
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { return nil }
            let parts = line.components(separatedBy: " | ")
            let key = parts.prefix(3).joined(separator: " | ")
            return (key, parts.count >= 4 ? parts[3...].joined(separator: " | ") : "", line)
        }
    }
}
