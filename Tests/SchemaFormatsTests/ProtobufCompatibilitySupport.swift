import Foundation
import SwiftProtobuf
import TestSupport
import Testing

@testable import SchemaFormats

/// Descriptors for the compatibility tests, compiled by protoc (not by our compiler, so the
/// checker is tested on its own): `protoc --descriptor_set_out --include_imports`, the last file
/// of the set is the schema, the others its dependencies.
enum ProtocDescriptors {
    static let protoc = "/usr/bin/protoc"

    /// nil when protoc is not installed (the test is skipped; under `CI=true` that is a failure).
    static func compile(_ files: [(path: String, text: String)]) throws -> CompiledProtoFile? {
        guard FileManager.default.isExecutableFile(atPath: protoc) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("protoc is missing: scripts/install-deps.sh installs protobuf-compiler")
            }
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proto-compat-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let output = directory.appendingPathComponent("out.pb")
        // ChildProcess, not Foundation's Process: its run() crashes a process with ~1,350
        // descriptors open, which this test process has when the server suites run beside it.
        let run = try ChildProcess.run(
            protoc,
            [
                "--descriptor_set_out=\(output.path)", "--include_imports", "-I", directory.path, "-I", "/usr/include",
                files.last!.path,
            ],
            directory: directory.path)
        let message = run.errors
        guard run.status == 0 else { throw ProtocFailure(message: message) }
        let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: [UInt8](try Data(contentsOf: output)))
        guard let file = set.file.last else { throw ProtocFailure(message: "empty descriptor set") }
        let dependencies = Dictionary(set.file.dropLast().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return CompiledProtoFile(file: file, dependencies: dependencies)
    }

    struct ProtocFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "protoc: \(message)" }
    }
}

/// The differences when `reader` reads what `writer` wrote; nil when protoc is missing.
/// Each side may bring its own imported files (path, text), e.g. two versions of a reference.
func protoDifferences(
    writer: String, reader: String, writerImports: [(path: String, text: String)] = [],
    readerImports: [(path: String, text: String)]? = nil
) throws -> [ProtobufDifference]? {
    guard let old = try ProtocDescriptors.compile(writerImports + [("schema.proto", writer)]),
        let new = try ProtocDescriptors.compile((readerImports ?? writerImports) + [("schema.proto", reader)])
    else { return nil }
    return ProtobufCompatibility.differences(reader: new, writer: old)
}

extension [ProtobufDifference] {
    var incompatibleKinds: [String] { filter { !$0.isCompatible }.map(\.kind.rawValue) }
    var compatibleKinds: [String] { filter(\.isCompatible).map(\.kind.rawValue) }
    /// `KIND@location` of each incompatible difference.
    var incompatible: [String] { filter { !$0.isCompatible }.map { "\($0.kind.rawValue)@\($0.location)" } }
    var compatible: [String] { filter(\.isCompatible).map { "\($0.kind.rawValue)@\($0.location)" } }
}

/// A proto3 file with `body` after the syntax line.
func proto3(_ body: String) -> String { "syntax = \"proto3\";\n" + body }

/// A proto2 file with `body` after the syntax line.
func proto2(_ body: String) -> String { "syntax = \"proto2\";\n" + body }
