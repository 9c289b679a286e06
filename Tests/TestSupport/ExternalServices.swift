import Foundation
import Testing

/// The servers a test command provides (scripts/test.sh, or `source scripts/test-services.sh`),
/// and the one rule for using them, written once: a test that needs one takes its URL from the
/// environment; without it the test is skipped with a note, except under CI=true, where a
/// missing server is a recorded failure (CI must never skip PostgreSQL or Redis silently).
public enum ExternalService: String, Sendable, CaseIterable {
    case postgres = "SR_TEST_POSTGRES_URL"
    case redis = "SR_TEST_REDIS_URL"

    /// The environment variable that carries the URL.
    public var variable: String { rawValue }

    public var displayName: String { self == .postgres ? "PostgreSQL" : "Redis" }

    /// Whether this run is CI's (`CI=true`): what is missing there fails instead of skipping.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The URL the test command provides, or nil; no note and no failure (for lists of test
    /// arguments, built before any test runs: a test then applies ``url(skipping:sourceLocation:)``).
    public var configuredURL: String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The URL, or nil after a note (a failure under CI) that names what is not run.
    /// - Parameter what: what the caller skips without it ("a Redis test", "PostgreSQL server tests").
    public func url(skipping what: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let url = configuredURL { return url }
        ExternalService.missing(
            "\(variable) is not set: run the tests with scripts/test.sh, which starts \(displayName)",
            note: "\(variable) is not set; \(what) not run (scripts/test.sh starts \(displayName))",
            sourceLocation: sourceLocation)
        return nil
    }

    /// `url` (a `postgres://` URL) naming `database` instead of its own, with its query (e.g.
    /// `connect_timeout`) kept.
    public static func postgresURL(_ url: String, database: String) -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let path = url[..<(url.firstIndex(of: "?") ?? url.endIndex)]
        let root = path[..<(path.lastIndex(of: "/") ?? path.endIndex)]
        return "\(root)/\(database)\(query)"
    }

    /// Whether a test that launches its own PostgreSQL and Redis can run: the binaries exist
    /// (scripts/test.sh installs them); the same rule as for URLs when they do not.
    public static func launchersAvailable(
        skipping what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Bool {
        let found =
            try await shell("command -v redis-server && ls /usr/lib/postgresql/*/bin/initdb").status == 0
        if !found {
            missing(
                "redis-server or PostgreSQL's initdb is missing: run the tests with scripts/test.sh",
                note: "redis-server or initdb missing; \(what) not run (scripts/test.sh installs them)",
                sourceLocation: sourceLocation)
        }
        return found
    }

    /// The rule itself: a failure under CI, a note otherwise.
    public static func missing(_ failure: String, note: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if isCI {
            Issue.record(Comment(rawValue: failure), sourceLocation: sourceLocation)
        } else {
            print("note: \(note)")
        }
    }
}
