import Synchronization

/// One backend read per key however many callers miss it at once: the first caller runs the
/// read, every caller that arrives while it runs awaits the same result.
///
/// The entry is removed as soon as the read finishes, so a caller arriving afterwards reads
/// again: a result is never reused beyond the callers that overlapped with it.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let inFlight = Mutex<[Key: Task<Value, any Error>]>([:])
    private let joinedCount = Atomic<Int>(0)

    /// Runs `read` for `key`, or joins the run already under way.
    func run(_ key: Key, _ read: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = inFlight.withLock { running in
            if let task = running[key] {
                joinedCount.add(1, ordering: .relaxed)
                return task
            }
            let task = Task {
                // Removing here, not in the callers, closes the window in which a late caller
                // could join a read that has already finished.
                defer { _ = self.inFlight.withLock { $0.removeValue(forKey: key) } }
                return try await read()
            }
            running[key] = task
            return task
        }
        return try await task.value
    }

    /// Keys being read right now (for tests and diagnostics).
    var count: Int { inFlight.withLock { $0.count } }

    /// Callers that joined a read already under way instead of starting one: reads saved.
    var joined: Int { joinedCount.load(ordering: .relaxed) }
}
