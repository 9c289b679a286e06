import Foundation
import TestSupport
import Testing

/// Runs the built `schema-registry` binary.
public enum CLI {
    public struct Result: CustomStringConvertible, Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    public struct BinaryMissing: Error, CustomStringConvertible {
        public var description: String
    }

    /// `SCHEMA_REGISTRY_BIN`, else the binary next to the running tests, else the newest
    /// `.build*/**/debug/schema-registry` in the repository.
    public static func binary() throws -> String {
        let files = FileManager.default
        if let path = ProcessInfo.processInfo.environment["SCHEMA_REGISTRY_BIN"], !path.isEmpty {
            guard files.isExecutableFile(atPath: path) else {
                throw BinaryMissing(description: "SCHEMA_REGISTRY_BIN=\(path) is not an executable")
            }
            return path
        }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [
            testBinary.deletingLastPathComponent().appendingPathComponent("schema-registry").path,
            URL(fileURLWithPath: Bundle.main.bundlePath).deletingLastPathComponent()
                .appendingPathComponent("schema-registry").path,
        ].filter { files.isExecutableFile(atPath: $0) }
        if candidates.isEmpty {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let scratch = (try? files.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix(".build") }) ?? []
            for directory in scratch {
                let base = root.appendingPathComponent(directory)
                let triples = (try? files.contentsOfDirectory(atPath: base.path)) ?? []
                for path in ["debug"] + triples.map({ "\($0)/debug" }) {
                    let candidate = base.appendingPathComponent(path).appendingPathComponent("schema-registry").path
                    if files.isExecutableFile(atPath: candidate) { candidates.append(candidate) }
                }
            }
            candidates.sort { modified($0) > modified($1) }
        }
        guard let found = candidates.first else {
            throw BinaryMissing(
                description: "no schema-registry binary found: run swift build first (or set SCHEMA_REGISTRY_BIN)")
        }
        return found
    }

    private static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// Runs the binary with `arguments`, feeding `stdin` (empty when nil), off the cooperative pool.
    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:])
        async throws
        -> Result
    {
        let executable = try binary()
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Swift.Result {
                        try runBlocking(executable, arguments, stdin: stdin ?? "", environment: environment)
                    })
            }
        }
    }

    private static func runBlocking(
        _ executable: String, _ arguments: [String], stdin: String, environment: [String: String]
    ) throws -> Result {
        var inherited = ProcessInfo.processInfo.environment
        inherited["SCHEMA_REGISTRY_URL"] = nil
        let finished = try ChildProcess.run(
            executable, arguments, environment: inherited.merging(environment) { _, new in new },
            input: Array(stdin.utf8))
        return Result(status: finished.status, stdout: finished.output, stderr: finished.errors)
    }

    public static func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(text)")
    }
}
