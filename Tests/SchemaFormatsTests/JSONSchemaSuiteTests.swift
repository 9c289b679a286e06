import Foundation
import Testing

@testable import SchemaFormats

@Suite("JSON Schema official test suite")
struct JSONSchemaSuiteTests {
    @Test(arguments: JSONSchemaSuite.drafts.map(\.0))
    func requiredCasesPass(draftDirectory: String) throws {
        let draft = JSONSchemaSuite.drafts.first { $0.0 == draftDirectory }!.1
        let skipped = Set(try JSONSchemaSuite.skipList().map(\.key))
        let outcome = try JSONSchemaSuite.run(JSONSchemaSuite.files(draftDirectory), draft: draft)
        let unexpected = outcome.failures.filter { !skipped.contains($0) }
        print("JSON Schema suite \(draftDirectory) required: \(outcome.passed)/\(outcome.total) pass")
        if let path = ProcessInfo.processInfo.environment["JSON_SCHEMA_FAILURES"] {
            let text = outcome.failures.map { $0 + "\n" }.joined()
            let url = URL(fileURLWithPath: path + "." + draftDirectory)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(unexpected.isEmpty, "failing cases not in the skip list:\n\(unexpected.joined(separator: "\n"))")
    }

    @Test func skipListLinesNameExistingCasesAndSayWhy() throws {
        var files: [String] = []
        for (directory, _) in JSONSchemaSuite.drafts {
            files += JSONSchemaSuite.files(directory)
        }
        let keys = try JSONSchemaSuite.keys(files)
        for entry in try JSONSchemaSuite.skipList() {
            #expect(keys.contains(entry.key), "stale skip-list line: \(entry.line)")
            #expect(
                !entry.why.trimmingCharacters(in: .whitespaces).isEmpty,
                "skip-list line without a reason: \(entry.line)")
        }
    }

    @Test(arguments: JSONSchemaSuite.drafts.map(\.0))
    func optionalCasesReport(draftDirectory: String) throws {
        let draft = JSONSchemaSuite.drafts.first { $0.0 == draftDirectory }!.1
        let optional = try JSONSchemaSuite.run(JSONSchemaSuite.files(draftDirectory + "/optional"), draft: draft)
        let formats = try JSONSchemaSuite.run(
            JSONSchemaSuite.files(draftDirectory + "/optional/format"), draft: draft, formatAssertion: true)
        if let path = ProcessInfo.processInfo.environment["JSON_SCHEMA_FAILURES"] {
            let text = (optional.failures + formats.failures).map { $0 + "\n" }.joined()
            try text.write(
                to: URL(fileURLWithPath: path + ".optional." + draftDirectory), atomically: true, encoding: .utf8)
        }
        print(
            "JSON Schema suite \(draftDirectory) optional: \(optional.passed)/\(optional.total) pass;"
                + " optional/format (assertion mode): \(formats.passed)/\(formats.total) pass")
    }
}
