import Foundation
import SwiftProtobuf
import TestSupport
import Testing

@testable import SchemaFormats

/// ``ProtoFileCompiler`` against protoc on the fixture corpus (`Fixtures/proto`): every file of
/// `valid/` (and every well-known type) must compile to the `FileDescriptorProto` that
/// `protoc --descriptor_set_out` writes; every file of `invalid/` must be refused by both.
/// Files under `invalid/support/` are only imported by the invalid files.
@Suite("Protobuf compiler against protoc on the fixture corpus")
struct ProtoOracleTests {
    static let corpus = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures/proto")
    static let validDirectory = corpus.appending(path: "valid")
    static let invalidDirectory = corpus.appending(path: "invalid")

    /// Paths relative to `directory`, sorted; `skipping` a subfolder.
    static func protoFiles(in directory: URL, skipping: String? = nil) -> [String] {
        let base = directory.standardizedFileURL.path + "/"
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        var paths: [String] = []
        while let url = enumerator?.nextObject() as? URL {
            let path = url.standardizedFileURL.path
            guard path.hasSuffix(".proto"), path.hasPrefix(base) else { continue }
            let relative = String(path.dropFirst(base.count))
            if let skipping, relative.hasPrefix(skipping + "/") { continue }
            paths.append(relative)
        }
        return paths.sorted()
    }

    static let valid = protoFiles(in: validDirectory)
    static let invalid = protoFiles(in: invalidDirectory, skipping: "support")
    static let wellKnown = WellKnownProtos.files.keys.sorted()

    // MARK: protoc

    struct ProtocRun {
        var descriptor: Google_Protobuf_FileDescriptorProto?
        var errors: String
    }

    /// protoc's path, or nil after a note (a recorded failure under CI=true, where protoc must be
    /// installed: scripts/install-deps.sh installs Debian's protobuf-compiler).
    static func protocPath(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/protoc") {
            return "\(directory)/protoc"
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(
                "protoc is missing: scripts/install-deps.sh installs protobuf-compiler", sourceLocation: sourceLocation)
        } else {
            print("note: protoc is missing; the oracle comparison is not run (scripts/install-deps.sh installs it)")
        }
        return nil
    }

    /// `protoc --descriptor_set_out=<tmp> -I <include> -I /usr/include <file>`.
    static func protoc(_ protoc: String, file: String, include: URL) throws -> ProtocRun {
        let output = FileManager.default.temporaryDirectory.appending(path: "proto-oracle-\(UUID().uuidString).pb")
        defer { try? FileManager.default.removeItem(at: output) }
        // ChildProcess, not Foundation's Process: its run() crashes a process with ~1,350
        // descriptors open, which this test process has when the server suites run beside it.
        let run = try ChildProcess.run(
            protoc, ["--descriptor_set_out=\(output.path)", "-I", include.path, "-I", "/usr/include", file])
        let message = run.errors
        guard run.status == 0 else { return ProtocRun(descriptor: nil, errors: message) }
        let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: try Data(contentsOf: output))
        return ProtocRun(descriptor: set.file.first { $0.name == file }, errors: message)
    }

    /// Ours: imports read from `include`, the well-known types built in.
    static func ours(_ file: String, include: URL) throws(ProtoSourceError) -> CompiledProtoFile {
        let read = { (path: String) -> String? in
            try? String(contentsOf: include.appending(path: path), encoding: .utf8)
        }
        let source = read(file) ?? WellKnownProtos.files[file] ?? ""
        return try ProtoFileCompiler.compile(fileName: file, source: source, imports: read)
    }

    static func compare(_ file: String, include: URL) throws {
        guard let protoc = protocPath() else { return }
        let expected = try Self.protoc(protoc, file: file, include: include)
        let descriptor = try #require(expected.descriptor, "protoc refuses \(file): \(expected.errors)")
        let compiled: CompiledProtoFile
        do {
            compiled = try ours(file, include: include)
        } catch {
            Issue.record("we refuse \(file), protoc accepts it: \(error)")
            return
        }
        #expect(
            compiled.file == descriptor,
            "\(file) differs\n--- ours:\n\(compiled.file.textFormatString())\n--- protoc:\n\(descriptor.textFormatString())"
        )
    }

    // MARK: Tests

    @Test("the corpus is not empty")
    func corpusPresent() {
        #expect(Self.valid.count >= 20)
        #expect(Self.invalid.count >= 20)
    }

    @Test("the same descriptor as protoc", arguments: valid)
    func sameAsProtoc(_ file: String) throws {
        try Self.compare(file, include: Self.validDirectory)
    }

    @Test("the well-known types compile to protoc's descriptors", arguments: wellKnown)
    func wellKnownTypes(_ file: String) throws {
        try Self.compare(file, include: URL(filePath: "/usr/include"))
    }

    @Test("refused by protoc and by us, with a location", arguments: invalid)
    func refusedByBoth(_ file: String) throws {
        guard let protoc = Self.protocPath() else { return }
        let expected = try Self.protoc(protoc, file: file, include: Self.invalidDirectory)
        #expect(expected.descriptor == nil, "protoc accepts \(file)")
        do {
            let compiled = try Self.ours(file, include: Self.invalidDirectory)
            Issue.record("we accept \(file) (protoc: \(expected.errors)):\n\(compiled.file.textFormatString())")
        } catch {
            #expect(error.file.hasSuffix(".proto"), "\(error)")
        }
    }
}
