import SchemaRegistryCore

/// The durable change log watch subscriptions are fed from (`ChangeLog`). Every write appends its
/// rows with `sr_append_change` in its own transaction; why positions follow commit order across
/// instances is written on `PostgresChangeLogMigration`.
extension PostgresStore: ChangeLog {
    public func changeLogID() async throws -> String {
        try await read { connection in
            let rows = try connection.query("SELECT log_id FROM change_log")
            guard !rows.isEmpty else { throw RegistryError(.storeError, "postgres: the change log has no id row") }
            return rows.text(0, 0)
        }
    }

    public func changes(after: ChangePosition, limit: Int) async throws -> ChangePage {
        try await readPage(
            """
            SELECT \(Self.changeColumns) FROM changes WHERE position > $1::bigint ORDER BY position LIMIT $2::integer
            """, [String(Int64(clamping: after)), String(max(0, limit))])
    }

    public func latestChanges(limit: Int) async throws -> ChangePage {
        var page = try await readPage(
            "SELECT \(Self.changeColumns) FROM changes ORDER BY position DESC LIMIT $1::integer",
            [String(max(0, limit))], descending: true)
        page.changes.reverse()
        return page
    }

    /// A position above the head raises the horizon only to the head: a horizon above positions
    /// not yet handed out would make their changes look pruned. (A change committing meanwhile
    /// has a position above every visible one, so above the horizon set here.)
    public func pruneChanges(through position: ChangePosition) async throws {
        let through = String(Int64(clamping: position))
        try await write { connection in
            try connection.query(
                """
                UPDATE change_log
                SET horizon = greatest(horizon, least($1::bigint, (SELECT coalesce(max(position), 0) FROM changes)))
                """, [through])
            try connection.query("DELETE FROM changes WHERE position <= $1::bigint", [through])
        }
    }

    /// Wakes for this process's commits at once, and for other processes' through LISTEN
    /// (`PostgresChangeListener`, started with the first observation).
    public func observeCommits(_ wake: @escaping @Sendable () -> Void) async throws -> any ChangeObservation {
        try changeFeed.add { _ in wake() }
    }

    /// As `observeCommits(_:)`; a wake from LISTEN is `.through` the highest position the
    /// notifications named (each transaction notifies the highest position it appended), any
    /// other wake `.unknown`.
    public func observeCommits(notices wake: @escaping @Sendable (CommitNotice) -> Void) async throws
        -> any ChangeObservation
    {
        try changeFeed.add { position in wake(position.map(CommitNotice.through) ?? .unknown) }
    }

    // MARK: Writing

    /// Appends one change in the caller's transaction. Must come after every other lock the
    /// transaction takes (see `PostgresChangeLogMigration`).
    static func appendChange(
        _ kind: ChangeKind, subject: String?, versions: [Int] = [], schemaID: SchemaID? = nil,
        subjectEmptied: Bool = false, setting: String? = nil, on connection: PostgresConnection
    ) throws {
        try connection.query(
            "SELECT sr_append_change($1::text, $2::text, $3::text, $4::bigint, $5::boolean, $6::text)",
            [
                kind.rawValue, subject, versions.map(String.init).joined(separator: ","), schemaID.map(String.init),
                subjectEmptied ? "true" : "false", setting,
            ])
    }

    // MARK: Reading

    private static let changeColumns = "position, kind, subject, versions, schema_id, subject_emptied, setting"

    /// The rows `sql` selects (ordered by position, `descending` or not), with the horizon and
    /// head, in ONE statement: a statement reads one snapshot, so the page and its bounds agree
    /// as they did in the REPEATABLE READ transaction this replaced. That transaction cost four
    /// round trips (BEGIN, page, bounds, COMMIT) per pass of the change hub, and the hub passes
    /// after every commit: 17% of the server's CPU in a PostgreSQL registration profile, 10%
    /// with this one statement (issue 19).
    private func readPage(_ sql: String, _ parameters: [String?], descending: Bool = false) async throws
        -> ChangePage
    {
        let statement = """
            SELECT b.horizon, b.head, p.* FROM (
                SELECT horizon, greatest(horizon, (SELECT coalesce(max(position), 0) FROM changes)) AS head
                FROM change_log
            ) b LEFT JOIN (\(sql)) p ON true
            ORDER BY p.position \(descending ? "DESC" : "ASC")
            """
        return try await read { connection in
            let rows = try connection.query(statement, parameters)
            // The log's one row always exists (migration); without it there is no page either.
            guard !rows.isEmpty else { return ChangePage(changes: [], horizon: 0, head: 0) }
            // An empty page is one row of bounds whose change columns are NULL.
            let changes = try (0..<rows.count).filter { rows.optionalText($0, 2) != nil }.map {
                try Self.change(rows, $0, from: 2)
            }
            return ChangePage(
                changes: changes, horizon: ChangePosition(rows.int(0, 0)), head: ChangePosition(rows.int(0, 1)))
        }
    }

    /// Row `row` of a result whose `changeColumns` start at column `first`.
    private static func change(_ rows: PostgresRows, _ row: Int, from first: Int) throws -> Change {
        guard let kind = ChangeKind(rawValue: rows.text(row, first + 1)) else {
            throw RegistryError(
                .storeError, "postgres: unknown change kind '\(rows.text(row, first + 1))' in the change log")
        }
        return Change(
            position: ChangePosition(rows.int(row, first)), kind: kind, subject: rows.optionalText(row, first + 2),
            versions: rows.text(row, first + 3).split(separator: ",").compactMap { Int($0) },
            schemaID: rows.optionalText(row, first + 4).flatMap { SchemaID($0) },
            subjectEmptied: rows.bool(row, first + 5), setting: rows.optionalText(row, first + 6))
    }
}

extension StoredSetting {
    /// The change kind a write of this setting logs.
    var changeKind: ChangeKind { self == .compatibility ? .compatibilityChanged : .modeChanged }
}
