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
            [String(max(0, limit))])
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
        try changeFeed.add(wake)
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

    /// The rows `sql` selects, with the horizon and head, in one REPEATABLE READ transaction (one snapshot).
    private func readPage(_ sql: String, _ parameters: [String?]) async throws -> ChangePage {
        try await read { connection in
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let rows = try connection.query(sql, parameters)
                let bounds = try connection.query(
                    "SELECT horizon, greatest(horizon, (SELECT coalesce(max(position), 0) FROM changes)) FROM change_log"
                )
                try connection.execute("COMMIT")
                let changes = try (0..<rows.count).map { try Self.change(rows, $0) }
                let horizon = bounds.isEmpty ? 0 : bounds.int(0, 0)
                let head = bounds.isEmpty ? 0 : bounds.int(0, 1)
                return ChangePage(changes: changes, horizon: ChangePosition(horizon), head: ChangePosition(head))
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Row `row` of a `changeColumns` result.
    private static func change(_ rows: PostgresRows, _ row: Int) throws -> Change {
        guard let kind = ChangeKind(rawValue: rows.text(row, 1)) else {
            throw RegistryError(.storeError, "postgres: unknown change kind '\(rows.text(row, 1))' in the change log")
        }
        return Change(
            position: ChangePosition(rows.int(row, 0)), kind: kind, subject: rows.optionalText(row, 2),
            versions: rows.text(row, 3).split(separator: ",").compactMap { Int($0) },
            schemaID: rows.optionalText(row, 4).flatMap { SchemaID($0) }, subjectEmptied: rows.bool(row, 5),
            setting: rows.optionalText(row, 6))
    }
}

extension StoredSetting {
    /// The change kind a write of this setting logs.
    var changeKind: ChangeKind { self == .compatibility ? .compatibilityChanged : .modeChanged }
}
