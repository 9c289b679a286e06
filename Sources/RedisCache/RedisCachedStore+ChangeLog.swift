import SchemaRegistryCore

/// The change log is the wrapped store's: every write already goes to it, and the log must come
/// from the source of truth (a cache could lose or reorder changes). Nothing here touches Redis.
extension RedisCachedStore: ChangeLog {
    /// The wrapped store's log, or an error naming it when that store keeps none.
    private var changeLog: any ChangeLog {
        get throws {
            guard let log = store as? any ChangeLog else {
                throw RegistryError(.storeError, "redis cache: the \(store.kind) store keeps no change log")
            }
            return log
        }
    }

    public func changeLogID() async throws -> String {
        try await changeLog.changeLogID()
    }

    public func changes(after: ChangePosition, limit: Int) async throws -> ChangePage {
        try await changeLog.changes(after: after, limit: limit)
    }

    public func latestChanges(limit: Int) async throws -> ChangePage {
        try await changeLog.latestChanges(limit: limit)
    }

    public func pruneChanges(through position: ChangePosition) async throws {
        try await changeLog.pruneChanges(through: position)
    }

    public func observeCommits(_ wake: @escaping @Sendable () -> Void) async throws -> any ChangeObservation {
        try await changeLog.observeCommits(wake)
    }

    public func observeCommits(notices wake: @escaping @Sendable (CommitNotice) -> Void) async throws
        -> any ChangeObservation
    {
        try await changeLog.observeCommits(notices: wake)
    }
}
