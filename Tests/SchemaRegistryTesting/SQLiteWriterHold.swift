import Dispatch
import SchemaRegistryCore
import TestSupport
import Testing

@testable import SQLiteStore

/// Holds `store`'s writer inside a write until `release` is signalled, so that later writes
/// queue behind it and provably share one group-committed batch (the SQLite group-commit,
/// one-step registration and change-log tests).
public func holdWriter(_ store: SQLiteStore) async throws -> (
    release: DispatchSemaphore, done: Task<Void, any Error>
) {
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let done = Task {
        _ = try await store.write { _ in
            entered.signal()
            release.wait()
        }
    }
    try await onOwnThread { entered.wait() }
    return (release, done)
}

/// Waits until `count` writes are queued behind a held writer.
public func waitForQueued(_ store: SQLiteStore, _ count: Int) async {
    let queued = await eventually { store.groupCommit.queuedCount == count }
    #expect(queued, "\(store.groupCommit.queuedCount) writes queued, not \(count)")
}
