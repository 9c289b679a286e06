import Foundation
import Logging
import SchemaRegistryCore
import SchemaRegistryServer
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

/// The key ring's refreshes overlap (the periodic one and an explicit one). Found by
/// `AuthTests` under load: a periodic read taken before a key was created landed after the
/// explicit refresh that loaded it, and the server was open again for one interval.
@Suite struct APIKeyRingTests {
    /// A store of keys (in memory), except that the first read of the keys is held after it
    /// was taken until the test releases it: a stale read, delivered late.
    final class FirstReadHeldStore: APIKeyStore {
        let base: InMemoryStore
        private let held = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let reads = Atomic<Int>(0)
        let firstReadTaken = AsyncStream<Void>.makeStream()

        init(base: InMemoryStore) { self.base = base }

        func createAPIKey(_ record: APIKeyRecord) async throws { try await base.createAPIKey(record) }
        func revokeAPIKey(id: String) async throws -> Bool { try await base.revokeAPIKey(id: id) }

        func apiKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
            let records = try await base.apiKeys(includeRevoked: includeRevoked)
            if reads.add(1, ordering: .relaxed).oldValue == 0 {
                await withCheckedContinuation { continuation in
                    held.withLock { $0 = continuation }
                    firstReadTaken.continuation.yield()
                }
            }
            return records
        }

        func release() { held.withLock { $0?.resume() } }
    }

    @Test func aStaleRefreshNeverUndoesANewerOne() async throws {
        let base = InMemoryStore()
        let store = FirstReadHeldStore(base: base)
        let ring = APIKeyRing(store: store, mode: .automatic, logger: Logger(label: "test"))

        // A refresh reads "no keys" and is held before applying it.
        let stale = Task { try await ring.refresh() }
        var taken = store.firstReadTaken.stream.makeAsyncIterator()
        await taken.next()

        // Meanwhile a key is created and a newer refresh loads it.
        let (id, key) = APIKeyText.generate()
        try await store.createAPIKey(
            APIKeyRecord(
                id: id, name: "t", role: .read, subjectPrefixes: [], keyHash: APIKeyText.hash(key), createdAt: 0))
        try await ring.refresh()
        guard case .allowed(let principal) = ring.authenticate(apiKey: key) else {
            Issue.record("the new key is not accepted")
            return
        }

        // The stale read lands last: it must change nothing.
        store.release()
        try await stale.value
        #expect(ring.isRequired)
        guard case .allowed = ring.authenticate(apiKey: key) else {
            Issue.record("the stale refresh forgot the new key")
            return
        }
        guard case .rejected = ring.authenticate(apiKey: "") else {
            Issue.record("the stale refresh opened the server again")
            return
        }
        #expect(!principal.isRevoked)
        try await base.close()
    }
}
