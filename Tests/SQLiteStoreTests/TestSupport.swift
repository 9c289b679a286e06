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
