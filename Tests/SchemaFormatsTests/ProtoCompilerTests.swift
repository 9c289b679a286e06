import Foundation
import SwiftProtobuf
import Testing

@testable import SchemaFormats

/// ``ProtoFileCompiler``'s errors (each with file:line:column) and limits.
@Suite("Protobuf compiler: errors and limits")
struct ProtoCompilerTests {
    private func compile(_ text: String, files: [String: String] = [:]) throws(ProtoSourceError) -> CompiledProtoFile {
        try ProtoFileCompiler.compile(fileName: "x.proto", source: text, imports: { files[$0] })
    }

    private func failure(_ text: String, files: [String: String] = [:]) -> ProtoSourceError? {
        do {
            _ = try compile(text, files: files)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "errors name the file, line and column",
        arguments: [
            ("syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n}", 4, 1, "expected ';'"),
            ("syntax = \"proto3\";\nmessage A {\n  Missing x = 1;\n}", 3, 3, "\"Missing\" is not defined"),
            ("syntax = \"proto3\";\nmessage A {\n  int32 x = 1;\n  int32 y = 1;\n}", 4, 9, "already been used"),
            ("syntax = \"proto3\";\nmessage A {\n  reserved 2;\n  int32 x = 2;\n}", 4, 9, "reserved number 2"),
            ("syntax = \"proto3\";\nmessage A {\n  reserved \"x\";\n  int32 x = 1;\n}", 4, 9, "is reserved"),
            ("syntax = \"proto3\";\nmessage A {\n  int32 x = 19001;\n}", 3, 13, "19000 through 19999"),
            ("syntax = \"proto3\";\nenum E {\n  A = 1;\n}", 3, 3, "must be zero"),
            ("syntax = \"proto3\";\nmessage A {\n  required int32 x = 1;\n}", 3, 12, "required"),
            ("edition = \"2023\";", 1, 1, "editions are not supported"),
            ("syntax = \"proto3\";\nmessage A { string s = 1; }\n/* open", 3, 1, "comment is not closed"),
        ])
    func located(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(failure(text))
        #expect(error.file == "x.proto")
        #expect(error.line == line && error.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("missing imports and cycles are located at the import")
    func imports() throws {
        let missing = try #require(failure("syntax = \"proto3\";\nimport \"nope.proto\";"))
        #expect(missing.line == 2 && missing.message.contains("nope.proto"), "\(missing)")
        let files = [
            "b.proto": "syntax = \"proto3\"; import \"c.proto\"; message B {}",
            "c.proto": "syntax = \"proto3\"; import \"b.proto\"; message C {}",
        ]
        let cycle = try #require(failure("syntax = \"proto3\";\nimport \"b.proto\";", files: files))
        #expect(cycle.message.contains("b.proto -> c.proto -> b.proto"), "\(cycle)")
        #expect(cycle.file == "c.proto" && cycle.line == 1, "\(cycle)")
    }

    @Test("imports resolve transitively, public imports re-export, the well-known types are built in")
    func dependencies() throws {
        let files = [
            "a.proto":
                "syntax = \"proto3\"; package a; import public \"google/protobuf/timestamp.proto\"; message A {}",
            "b.proto": "syntax = \"proto3\"; import public \"a.proto\";",
        ]
        let compiled = try compile(
            "syntax = \"proto3\"; import \"b.proto\"; message M { a.A a = 1; google.protobuf.Timestamp t = 2; }",
            files: files)
        #expect(compiled.file.messageType[0].field.map(\.typeName) == [".a.A", ".google.protobuf.Timestamp"])
        #expect(Set(compiled.dependencies.keys) == ["a.proto", "b.proto", "google/protobuf/timestamp.proto"])
    }

    @Test("10,000 nested messages are refused without a crash")
    func deepNesting() throws {
        let deep = "syntax = \"proto3\";\n" + String(repeating: "message A { ", count: 10_000)
        let error = try #require(failure(deep))
        #expect(error.message.contains("nest deeper than"), "\(error)")
        let deepGroups =
            "syntax = \"proto2\";\n" + String(repeating: "message A { optional group G = 1 { ", count: 10_000)
        #expect(failure(deepGroups) != nil)
        let deepOption =
            "syntax = \"proto3\"; import \"google/protobuf/descriptor.proto\"; option (x) = "
            + String(repeating: "{ a ", count: 10_000)
        #expect(failure(deepOption) != nil)
    }

    @Test("a 10 MB file is compiled in bounded time")
    func bigFile() throws {
        var big = "syntax = \"proto3\";\n"
        var message = 0
        while big.utf8.count < 10_000_000 {
            message += 1
            big += "message M\(message) {\n"
            for number in 1...100 { big += "  string field_with_a_long_name_\(number) = \(number); // comment\n" }
            big += "}\n"
        }
        let start = ContinuousClock.now
        let compiled = try compile(big)
        #expect(compiled.file.messageType.count == message)
        #expect(ContinuousClock.now - start < .seconds(120))
    }

    @Test("garbage is refused with a location, never a crash")
    func garbage() {
        for text in ["\u{0}", "message", "message {", "syntax = ", "\"unterminated", "enum E { A = ", "{{{{", "}"] {
            let error = failure(text)
            #expect(error != nil, "accepted \(text)")
        }
    }
}
