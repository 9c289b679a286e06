/// A position in a store's change log: assigned when a change commits, strictly increasing in
/// commit order. Positions may skip numbers (a rolled-back transaction can consume one), so
/// readers ask for "everything after p", never for "p + 1".
public typealias ChangePosition = UInt64

/// What a committed write changed, as watchers are told (docs/PROTOCOL.md, Watch).
public enum ChangeKind: String, Sendable, Hashable, CaseIterable {
    /// A new version under a subject (`versions` = [the version], `schemaID` its id). A
    /// registration that found the schema already registered changes nothing and logs nothing.
    case registered = "registered"
    /// Versions marked soft-deleted (`versions`, those that changed).
    case softDeleted = "soft_deleted"
    /// Versions removed for good (`versions`, those removed).
    case permanentlyDeleted = "permanently_deleted"
    /// A compatibility level set (`setting` = its name) or removed (`setting` nil).
    case compatibilityChanged = "compatibility_changed"
    /// A mode set (`setting` = its name) or removed (`setting` nil).
    case modeChanged = "mode_changed"
}

/// One committed change.
public struct Change: Sendable, Hashable {
    public var position: ChangePosition
    public var kind: ChangeKind
    /// nil for the global compatibility level and mode.
    public var subject: String?
    /// Registered: the new version. Deleted: the versions the write changed, ascending.
    public var versions: [Int]
    /// Registered: the version's schema id.
    public var schemaID: SchemaID?
    /// Deleted: after this write the subject has no live version (soft) or no version at all
    /// (permanent): what a whole-subject delete leaves.
    public var subjectEmptied: Bool
    /// Config and mode: the new value's text (`CompatibilityLevel`/`RegistryMode` raw value);
    /// nil when the setting was removed.
    public var setting: String?

    public init(
        position: ChangePosition, kind: ChangeKind, subject: String?, versions: [Int] = [], schemaID: SchemaID? = nil,
        subjectEmptied: Bool = false, setting: String? = nil
    ) {
        self.position = position
        self.kind = kind
        self.subject = subject
        self.versions = versions
        self.schemaID = schemaID
        self.subjectEmptied = subjectEmptied
        self.setting = setting
    }
}

/// A read of the change log.
public struct ChangePage: Sendable, Hashable {
    /// Ascending by position.
    public var changes: [Change]
    /// Changes at or below this position may have been pruned: a reader whose last position is
    /// below it cannot be told exactly what it missed (it must resync).
    public var horizon: ChangePosition
    /// The highest position committed when the page was read (the horizon if the log is empty).
    public var head: ChangePosition

    public init(changes: [Change], horizon: ChangePosition, head: ChangePosition) {
        self.changes = changes
        self.horizon = horizon
        self.head = head
    }
}

/// Lets a store stop telling an observer about commits.
public protocol ChangeObservation: Sendable {
    func cancel()
}

/// A store's durable log of committed changes: what watch subscriptions are fed from.
///
/// Every write that changes something appends its ``Change`` rows in the same transaction as the
/// change itself, so a change is in the log if and only if it committed, and positions follow
/// commit order: a reader that has seen position p has seen every committed change at or
/// below p, on every instance sharing the store. That is what lets a watcher resume from its
/// last position without a silent gap.
public protocol ChangeLog: Sendable {
    /// Identifies this log for the life of the store's data: a database recreated from scratch
    /// gets a new id, so a position taken from another log is never trusted.
    func changeLogID() async throws -> String
    /// Committed changes with a position above `after`, ascending, at most `limit`.
    func changes(after: ChangePosition, limit: Int) async throws -> ChangePage
    /// The newest `limit` committed changes, ascending (what an instance starts its window with).
    func latestChanges(limit: Int) async throws -> ChangePage
    /// Removes changes at or below `position` and raises the horizon to it (keeps the log bounded).
    func pruneChanges(through position: ChangePosition) async throws
    /// Calls `wake` after commits that appended changes: always for this process's commits, and
    /// for other processes' where the store can tell (PostgreSQL: LISTEN/NOTIFY). A wake says only
    /// "read the log"; readers must not depend on one wake per commit. `wake` may run on a
    /// store's own thread (SQLite: the writer, right after COMMIT), so it must return at once.
    func observeCommits(_ wake: @escaping @Sendable () -> Void) async throws -> any ChangeObservation
    /// As `observeCommits(_:)`, and each wake says what the store can tell about the commit
    /// (``CommitNotice``): nothing, how far the log has committed, or the very changes one commit
    /// appended, so that an observer that has read everything before them need not read the log.
    func observeCommits(notices wake: @escaping @Sendable (CommitNotice) -> Void) async throws
        -> any ChangeObservation
}

/// What one wake of `ChangeLog.observeCommits(notices:)` says about the commit it follows.
public enum CommitNotice: Sendable, Hashable {
    /// Something committed: read the log to learn what.
    case unknown
    /// Every change through this position has committed (positions follow commit order), so an
    /// observer that has read that far need not read again. PostgreSQL: a NOTIFY carries the
    /// highest position its transaction appended, and this process's own commits are notified
    /// back to it too (issue 19).
    case through(ChangePosition)
    /// Every change one committed transaction appended, ascending. Positions follow commit order,
    /// so no other commit's change lies between the first and the last of them; one that lies
    /// below the first may not have been read yet (another process's commit, a wake that was
    /// missed), which an observer tells by its own head: it may take these as read only if it
    /// has read every change below the first (SQLite: the writer after its COMMIT, issue 19).
    case appended([Change])
}

extension ChangeLog {
    /// Stores that cannot tell what a wake covers: every wake says nothing.
    public func observeCommits(notices wake: @escaping @Sendable (CommitNotice) -> Void) async throws
        -> any ChangeObservation
    {
        try await observeCommits { wake(.unknown) }
    }
}
