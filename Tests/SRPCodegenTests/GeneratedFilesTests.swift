import Foundation
import SRPCodegen
import SwiftProtobuf
import TestSupport
import Testing

/// The committed generated files are what proto/ says they should be. When one of these fails, run
/// proto/generate.sh and commit what it writes.
@Suite("Generated files match proto/")
struct GeneratedFilesTests {
    @Test("Rendering the committed srp.desc reproduces the committed files byte for byte")
    func golden() throws {
        let digest = protoDigest(files: try Repository.protoFiles())
        let files = try generateFiles(descriptorSet: try Repository.readDescriptorSet(), protoDigest: digest)
        #expect(Set(files.keys) == Set(GeneratedFile.all))
        for path in GeneratedFile.all {
            let committed = try Repository.read(path)
            let rendered = try #require(files[path])
            let diff = unifiedDiff(
                old: committed, new: rendered, oldLabel: "a/\(path)", newLabel: "b/\(path) (rendered)")
            #expect(diff == nil, "\(path) is stale; run proto/generate.sh:\n\(diff ?? "")")
        }
    }

    @Test("The generated headers record the digest of proto/*.proto on disk")
    func headersAreFresh() throws {
        let digest = protoDigest(files: try Repository.protoFiles())
        for path in GeneratedFile.all {
            let recorded = recordedProtoDigest(in: try Repository.read(path))
            #expect(
                recorded == digest,
                """
                \(path) was generated from other proto sources (\(recorded ?? "no digest")) than proto/ has now \
                (\(digest)); run proto/generate.sh and commit what it writes
                """)
        }
    }

    @Test("protoc regenerates proto/srp.desc byte for byte")
    func descriptorSetIsFresh() throws {
        guard let protoc = Repository.executable(named: "protoc") else {
            Issue.record(
                """
                protoc is not on PATH, so proto/srp.desc cannot be checked: install protobuf-compiler \
                (apt-get install -y protobuf-compiler)
                """)
            return
        }
        let scratch = try TemporaryDirectory(prefix: "srp-codegen")
        defer { scratch.remove() }
        let output = scratch.url.appendingPathComponent("srp.desc")

        // The same invocation as proto/generate.sh.
        let (status, errors) = try Repository.run(
            protoc,
            ["--proto_path=.", "--include_imports", "--include_source_info", "--descriptor_set_out=\(output.path)"]
                + (try Repository.protoFileNames()),
            in: Repository.protoDirectory)
        try #require(status == 0, "protoc failed: \(errors)")

        let regenerated = try Data(contentsOf: output)
        let committed = try Data(contentsOf: Repository.descriptorSet)
        #expect(
            regenerated == committed,
            """
            proto/srp.desc (\(committed.count) bytes) differs from what protoc makes of proto/*.proto \
            (\(regenerated.count) bytes); run proto/generate.sh
            """)
    }

    @Test(
        "The generated files are stable under swift format",
        .enabled(if: Repository.executable(named: "swift-format") != nil, "swift-format is not on PATH"))
    func swiftFormatLeavesThemAlone() throws {
        let swiftFormat = try #require(Repository.executable(named: "swift-format"))
        let configuration = Repository.root.appendingPathComponent(".swift-format")
        for path in GeneratedFile.swiftFiles {
            let run = try ChildProcess.run(
                swiftFormat.path,
                ["format", "--configuration", configuration.path, Repository.root.appendingPathComponent(path).path])
            let formatted = run.output
            try #require(run.status == 0, "swift-format failed on \(path): \(run.errors)")
            let committed = try Repository.read(path)
            let diff = unifiedDiff(
                old: committed, new: formatted, oldLabel: "a/\(path)", newLabel: "b/\(path) (formatted)")
            #expect(diff == nil, "swift format would change \(path):\n\(diff ?? "")")
        }
    }
}
