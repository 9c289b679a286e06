import Foundation

/// A fresh directory under the system temp directory, removed by ``remove()``: one way for
/// every test to get scratch space, instead of each building its own path.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public var path: String { url.path }

    /// Creates the directory (named `prefix-<UUID>`).
    public init(prefix: String = "sr-test") throws {
        url = URL(fileURLWithPath: Self.uniquePath(prefix), isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A file or directory inside this one.
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// A path under the temp directory that nothing uses yet, not created: for a program under
    /// test that must create it itself (a server's data directory, a log file).
    public static func uniquePath(_ prefix: String) -> String {
        let base = NSTemporaryDirectory()
        return base + (base.hasSuffix("/") ? "" : "/") + "\(prefix)-\(UUID().uuidString)"
    }
}

/// Runs `body` with a new temporary directory and removes it afterwards, thrown or not.
public func withTemporaryDirectory<T>(
    prefix: String = "sr-test", _ body: (TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try await body(directory)
}
