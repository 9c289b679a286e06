import SchemaRegistryCore
import Synchronization

extension InMemoryStore: ChangeLog {
    public func changeLogID() async throws -> String { try withLog { _ in database.changeLogID } }

    public func changes(after: ChangePosition, limit: Int) async throws -> ChangePage {
        try withLog { $0.page(after: after, limit: limit) }
    }

    public func latestChanges(limit: Int) async throws -> ChangePage { try withLog { $0.latest(limit: limit) } }

    public func pruneChanges(through position: ChangePosition) async throws {
        try withLog { $0.prune(through: position) }
    }

    public func observeCommits(_ wake: @escaping @Sendable () -> Void) async throws -> any ChangeObservation {
        database.changeObservers.add(wake)
    }
}

/// `InMemoryStore`'s change log: kept in the store's state and appended under the same lock as
/// the write it describes, so a change is in the log exactly when it happened, in that order.
struct InMemoryChangeLog: Sendable {
    private(set) var changes: [Change] = []
    private(set) var horizon: ChangePosition = 0
    /// The highest position ever handed out: positions are never reused, even after a prune.
    private(set) var lastPosition: ChangePosition = 0

    mutating func append(
        _ kind: ChangeKind, subject: String?, versions: [Int] = [], schemaID: SchemaID? = nil,
        subjectEmptied: Bool = false, setting: String? = nil
    ) {
        lastPosition += 1
        changes.append(
            Change(
                position: lastPosition, kind: kind, subject: subject, versions: versions, schemaID: schemaID,
                subjectEmptied: subjectEmptied, setting: setting))
    }

    func page(after: ChangePosition, limit: Int) -> ChangePage {
        page(Array(changes.lazy.filter { $0.position > after }.prefix(max(0, limit))))
    }

    func latest(limit: Int) -> ChangePage {
        page(Array(changes.suffix(max(0, limit))))
    }

    /// Beyond the head, the horizon rises only to the head (later positions must stay above it).
    mutating func prune(through position: ChangePosition) {
        changes.removeAll { $0.position <= position }
        horizon = max(horizon, min(position, lastPosition))
    }

    private func page(_ selected: [Change]) -> ChangePage {
        ChangePage(changes: selected, horizon: horizon, head: max(horizon, changes.last?.position ?? 0))
    }
}

/// The wakes registered with `observeCommits` on any instance sharing one `Database`.
final class InMemoryChangeObservers: Sendable {
    private let wakes = Mutex<(next: Int, all: [Int: @Sendable () -> Void])>((0, [:]))

    func add(_ wake: @escaping @Sendable () -> Void) -> any ChangeObservation {
        let id = wakes.withLock { state in
            defer { state.next += 1 }
            state.all[state.next] = wake
            return state.next
        }
        return Observation { [weak self] in self?.wakes.withLock { _ = $0.all.removeValue(forKey: id) } }
    }

    /// Calls every wake, outside the lock.
    func wakeAll() {
        wakes.withLock { Array($0.all.values) }.forEach { $0() }
    }

    private struct Observation: ChangeObservation {
        let remove: @Sendable () -> Void
        func cancel() { remove() }
    }
}

/// A random id for a new `Database`'s log (no Foundation in this target's store).
func randomLogID() -> String {
    (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
}
