import Dispatch
import Foundation
import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SQLiteStore

/// Runs `body` with a store on a new file in a new temp directory; closes and removes both afterwards.
func withStore(_ body: (SQLiteStore, TemporaryDirectory) async throws -> Void) async throws {
    let directory = try TemporaryDirectory(prefix: "sqlite-store-tests")
    defer { directory.remove() }
    let store = try SQLiteStore(path: directory.path("registry.db"))
    do {
        try await body(store, directory)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

/// Holds `store`'s writer inside a write until `release` is signalled, so that later writes
/// queue behind it and provably share one group-committed batch (GroupCommitTests,
/// OneStepRegistrationTests).
func holdWriter(_ store: SQLiteStore) async throws -> (release: DispatchSemaphore, done: Task<Void, any Error>) {
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
func waitForQueued(_ store: SQLiteStore, _ count: Int) async {
    let queued = await eventually { store.groupCommit.queuedCount == count }
    #expect(queued, "\(store.groupCommit.queuedCount) writes queued, not \(count)")
}
