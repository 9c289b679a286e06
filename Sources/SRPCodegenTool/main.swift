// srp-codegen: renders SRPMethod.swift, the client stubs and the C client's method table from proto/'s descriptor set.
//
//   srp-codegen --descriptor-set proto/srp.desc --proto-dir proto --output-root . [--check]
//
// proto/generate.sh runs it after protoc has written the descriptor set; `--check` verifies instead of writing.

import Foundation
import SRPCodegen
import SwiftProtobuf

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

let usage = """
    usage: srp-codegen [--descriptor-set FILE] [--proto-dir DIR] [--output-root DIR] [--check]

      --descriptor-set FILE  descriptor set written by protoc --include_imports --include_source_info
                             (default: proto/srp.desc)
      --proto-dir DIR        directory whose *.proto files are digested into the headers (default: proto)
      --output-root DIR      repository root the generated paths are relative to (default: .)
      --check                write nothing; exit 1 with a diff if a generated file is missing or differs
    """

struct Failure: Error {
    var message: String
    var exitCode: Int32 = 1
}

struct Options {
    var descriptorSet = "proto/srp.desc"
    var protoDirectory = "proto"
    var outputRoot = "."
    var check = false

    init(_ arguments: [String]) throws(Failure) {
        var remaining = arguments[...]
        func value(for flag: String) throws(Failure) -> String {
            guard let value = remaining.popFirst() else {
                throw Failure(message: "\(flag) needs a value\n\n\(usage)", exitCode: 64)
            }
            return value
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--descriptor-set": descriptorSet = try value(for: argument)
            case "--proto-dir": protoDirectory = try value(for: argument)
            case "--output-root": outputRoot = try value(for: argument)
            case "--check": check = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default: throw Failure(message: "unknown argument \(argument)\n\n\(usage)", exitCode: 64)
            }
        }
    }
}

func readBytes(_ path: String) throws(Failure) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw Failure(message: "cannot read \(path)")
    }
    return [UInt8](data)
}

func joined(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

func run() throws(Failure) -> Int32 {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))

    // The digest of proto/*.proto (top level only), as recorded in the headers.
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: options.protoDirectory)
    } catch {
        throw Failure(message: "cannot list \(options.protoDirectory): \(error)")
    }
    var protoFiles: [(name: String, contents: [UInt8])] = []
    for name in names where name.hasSuffix(".proto") {
        var isDirectory: ObjCBool = false
        let path = joined(options.protoDirectory, name)
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            continue
        }
        protoFiles.append((name, try readBytes(path)))
    }
    guard !protoFiles.isEmpty else { throw Failure(message: "no *.proto files in \(options.protoDirectory)") }
    let digest = protoDigest(files: protoFiles)

    let descriptorSet: Google_Protobuf_FileDescriptorSet
    do {
        descriptorSet = try Google_Protobuf_FileDescriptorSet(serializedBytes: try readBytes(options.descriptorSet))
    } catch let failure as Failure {
        throw failure
    } catch {
        throw Failure(message: "\(options.descriptorSet) is not a FileDescriptorSet: \(error)")
    }

    let files: [String: String]
    do {
        files = try generateFiles(descriptorSet: descriptorSet, protoDigest: digest)
    } catch {
        throw Failure(message: "\(options.descriptorSet): \(error)")
    }

    var stale: [String] = []
    for relativePath in files.keys.sorted() {
        let contents = files[relativePath]!
        let path = joined(options.outputRoot, relativePath)
        let onDisk = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        if onDisk == contents {
            if !options.check { print("srp-codegen: \(relativePath) is up to date") }
            continue
        }
        if options.check {
            stale.append(relativePath)
            let diff =
                unifiedDiff(
                    old: onDisk ?? "", new: contents,
                    oldLabel: "a/\(relativePath)" + (onDisk == nil ? " (missing)" : " (on disk)"),
                    newLabel: "b/\(relativePath) (generated)") ?? ""
            FileHandle.standardError.write(Data(diff.utf8))
            continue
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(message: "cannot write \(path): \(error)")
        }
        print("srp-codegen: wrote \(relativePath)")
    }
    if !stale.isEmpty {
        throw Failure(
            message: "\(stale.joined(separator: ", ")) \(stale.count == 1 ? "is" : "are") out of date "
                + "(proto digest \(digest)); run proto/generate.sh and commit what it writes")
    }
    return 0
}

do {
    exit(try run())
} catch {
    FileHandle.standardError.write(Data("srp-codegen: error: \(error.message)\n".utf8))
    exit(error.exitCode)
}
