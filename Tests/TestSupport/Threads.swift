import Foundation

/// Runs blocking work (a blocking socket, a child process, libpq) on a thread of its own: the
/// cooperative pool, and Dispatch's small global pool on two cores, must stay free for the
/// in-process servers and the stores' own queues.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Runs a shell command on a thread of its own (it blocks) and returns its exit status and output.
///
/// Through ``ChildProcess`` rather than Foundation's `Process` (whose `waitUntilExit()` was seen
/// to hang on Linux with the child already a zombie, after `pg_ctl start` left a daemon behind).
/// Output goes to a file, not a pipe, for the same daemon's sake (it may keep its stdout open).
@discardableResult
public func shell(_ command: String) async throws -> (status: Int32, output: String) {
    let path = TemporaryDirectory.uniquePath("sr-shell") + ".out"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let finished = try await onOwnThread {
        try ChildProcess.run("/bin/sh", ["-c", "exec >'\(path)' 2>&1 </dev/null; \(command)"])
    }
    return (finished.status, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
}
