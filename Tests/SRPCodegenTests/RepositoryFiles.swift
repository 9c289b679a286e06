import Foundation
import SRPCodegen
import SwiftProtobuf
import TestSupport
import Testing

/// The repository's proto sources, descriptor set and generated files, found from this file's path.
enum Repository {
    /// `Tests/SRPCodegenTests/RepositoryFiles.swift` → the repository root.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static let protoDirectory = root.appendingPathComponent("proto")
    static let descriptorSet = protoDirectory.appendingPathComponent("srp.desc")

    /// The top-level `*.proto` file names, sorted byte-wise (the order generate.sh passes them to protoc).
    static func protoFileNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: protoDirectory.path)
            .filter { name in
                var isDirectory: ObjCBool = false
                let path = protoDirectory.appendingPathComponent(name).path
                return name.hasSuffix(".proto")
                    && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func protoFiles() throws -> [(name: String, contents: [UInt8])] {
        try protoFileNames().map { name in
            (name, [UInt8](try Data(contentsOf: protoDirectory.appendingPathComponent(name))))
        }
    }

    static func read(_ relativePath: String) throws -> String {
        String(decoding: try Data(contentsOf: root.appendingPathComponent(relativePath)), as: UTF8.self)
    }

    static func readDescriptorSet() throws -> Google_Protobuf_FileDescriptorSet {
        try Google_Protobuf_FileDescriptorSet(serializedBytes: [UInt8](try Data(contentsOf: descriptorSet)))
    }

    /// The first executable called `name` on PATH.
    static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs a process to completion; returns its exit status and standard error.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL) throws -> (Int32, String) {
        let run = try ChildProcess.run(executable.path, arguments, directory: directory.path)
        return (run.status, run.errors)
    }
}
