import SchemaRegistryCore
import Synchronization

/// The callbacks registered with `observeCommits`, called after this process's commits that
/// appended changes (SQLite has one writer, so this process sees every commit), with the changes.
final class ChangeObservers: Sendable {
    private struct State {
        var nextID = 0
        var wakes: [Int: @Sendable (CommitNotice) -> Void] = [:]
    }

    private let state = Mutex(State())

    /// Registers `wake`; the observation removes it when cancelled (idempotent).
    func add(_ wake: @escaping @Sendable (CommitNotice) -> Void) -> any ChangeObservation {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.wakes[state.nextID] = wake
            return state.nextID
        }
        return Observation { [weak self] in self?.state.withLock { _ = $0.wakes.removeValue(forKey: id) } }
    }

    /// Calls every registered wake, outside the lock (a wake may cancel its own observation).
    func wakeAll(_ notice: CommitNotice) {
        let wakes = state.withLock { Array($0.wakes.values) }
        wakes.forEach { $0(notice) }
    }

    private struct Observation: ChangeObservation {
        let remove: @Sendable () -> Void
        func cancel() { remove() }
    }
}
