import Foundation
import Testing

@testable import SchemaFormats

/// Every file of Avro C's schema_tests/pass must parse and every file of schema_tests/fail
/// must be rejected, except those the committed skip list names with a reason.
@Suite("Avro schema_tests folders")
struct AvroSchemaFolderTests {
    static func skipped() throws -> Set<String> {
        let text = try String(
            contentsOf: AvroTestSupport.fixtures.appendingPathComponent("skip-list.txt"), encoding: .utf8)
        return Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                line.split(separator: ":").first.map { String($0).trimmingCharacters(in: .whitespaces) }
            })
    }

    static func files(_ folder: String) throws -> [String] {
        let directory = AvroTestSupport.fixtures.appendingPathComponent("schema_tests/\(folder)")
        let skipped = try skipped()
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            .filter { !skipped.contains("\(folder)/\($0)") }
    }

    static func text(_ folder: String, _ file: String) throws -> String {
        try String(
            contentsOf: AvroTestSupport.fixtures.appendingPathComponent("schema_tests/\(folder)/\(file)"),
            encoding: .utf8)
    }

    @Test func foldersAreNotEmpty() throws {
        #expect(try Self.files("pass").count >= 27)
        #expect(try Self.files("fail").count >= 12)
    }

    @Test(arguments: try files("pass"))
    func passes(_ file: String) throws {
        let text = try Self.text("pass", file)
        let parsed = try AvroTestSupport.parse(text)
        // The normal form is stable: parsing it again gives it back.
        #expect(try AvroTestSupport.parse(parsed.canonicalText).canonicalText == parsed.canonicalText)
    }

    @Test(arguments: try files("fail"))
    func fails(_ file: String) throws {
        let message = AvroTestSupport.error(try Self.text("fail", file))
        #expect(message?.hasPrefix("Invalid AVRO schema: ") == true, "\(file) was accepted")
    }
}
