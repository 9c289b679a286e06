import SchemaRegistryCore

/// The durable change log watch subscriptions are fed from (`ChangeLog`).
///
/// Rows are appended by the write they describe, on the writer connection, inside that write's
/// savepoint: a write rolled back takes its rows with it, and one that commits commits them. SQLite
/// has one writer, so commit order is the order rows were appended and AUTOINCREMENT positions
/// follow it (and are never reused, even after a prune emptied the table).
extension SQLiteStore: ChangeLog {
    /// Migration step 4: the table, and one meta row holding the log's id and horizon. A database
    /// that already had data starts with an empty log.
    static let changeLogMigrationStep = """
        CREATE TABLE changes (
            position INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            subject TEXT,
            versions TEXT NOT NULL,
            schema_id INTEGER,
            subject_emptied INTEGER NOT NULL DEFAULT 0,
            setting TEXT
        );
        CREATE TABLE change_log (
            only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
            log_id TEXT NOT NULL,
            horizon INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- A random (version 4) UUID, made once: the log's identity for the life of this file.
        INSERT INTO change_log (only_row, log_id, horizon) VALUES (
            1,
            lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
                || substr(lower(hex(randomblob(2))), 2) || '-'
                || substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2) || '-'
                || lower(hex(randomblob(6))),
            0);
        """

    public func changeLogID() async throws -> String {
        try await read { connection in
            guard let id = try connection.firstRow("SELECT log_id FROM change_log", [], { $0.text(0) }) else {
                throw RegistryError(.storeError, "sqlite: the change log has no id row")
            }
            return id
        }
    }

    public func changes(after: ChangePosition, limit: Int) async throws -> ChangePage {
        try await readPage(
            "SELECT \(Self.changeColumns) FROM changes WHERE position > ? ORDER BY position LIMIT ?",
            [.int(Int(clamping: after)), .int(max(0, limit))])
    }

    public func latestChanges(limit: Int) async throws -> ChangePage {
        var page = try await readPage(
            "SELECT \(Self.changeColumns) FROM changes ORDER BY position DESC LIMIT ?", [.int(max(0, limit))])
        page.changes.reverse()
        return page
    }

    /// A position above the head raises the horizon only to the head: a horizon above positions
    /// not yet handed out would make their changes look pruned.
    public func pruneChanges(through position: ChangePosition) async throws {
        let through = Int(clamping: position)
        _ = try await write { connection in
            try connection.run(
                "UPDATE change_log SET horizon = max(horizon, min(?, (SELECT coalesce(max(position), 0) FROM changes)))",
                [.int(through)])
            try connection.run("DELETE FROM changes WHERE position <= ?", [.int(through)])
        }
    }

    public func observeCommits(_ wake: @escaping @Sendable () -> Void) async throws -> any ChangeObservation {
        changeObservers.add { _ in wake() }
    }

    /// As `observeCommits(_:)`; every wake is `.appended` with the changes of one COMMIT of this
    /// process's writer. Another process writing the same file is only seen by reading the log.
    public func observeCommits(notices wake: @escaping @Sendable (CommitNotice) -> Void) async throws
        -> any ChangeObservation
    {
        changeObservers.add(wake)
    }

    // MARK: Writing

    /// Appends one change on the writer connection, inside the caller's write (so in its
    /// savepoint), and notes it on the connection for the group commit to hand to observers.
    static func appendChange(
        _ kind: ChangeKind, subject: String?, versions: [Int] = [], schemaID: SchemaID? = nil,
        subjectEmptied: Bool = false, setting: String? = nil, on connection: SQLiteConnection
    ) throws {
        try connection.run(
            """
            INSERT INTO changes (kind, subject, versions, schema_id, subject_emptied, setting)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [
                .text(kind.rawValue), subject.map { .text($0) } ?? .null,
                .text(versions.map(String.init).joined(separator: ",")), schemaID.map { .int($0) } ?? .null,
                .bool(subjectEmptied), setting.map { .text($0) } ?? .null,
            ])
        connection.appendedChanges.append(
            Change(
                position: ChangePosition(connection.lastInsertRowID), kind: kind, subject: subject, versions: versions,
                schemaID: schemaID, subjectEmptied: subjectEmptied, setting: setting))
    }

    // MARK: Reading

    /// The rows `sql` selects, with the horizon and head, from one read transaction (one snapshot).
    private func readPage(_ sql: String, _ bindings: [SQLiteValue]) async throws -> ChangePage {
        try await read { connection in
            try connection.transaction {
                let changes = try connection.rows(sql, bindings) { row in try Self.change(row) }
                let horizon = try connection.firstRow("SELECT horizon FROM change_log") { $0.int(0) } ?? 0
                let highest = try connection.firstRow("SELECT coalesce(max(position), 0) FROM changes") { $0.int(0) }
                return ChangePage(
                    changes: changes, horizon: ChangePosition(horizon),
                    head: ChangePosition(max(horizon, highest ?? 0)))
            }
        }
    }

    private static let changeColumns = "position, kind, subject, versions, schema_id, subject_emptied, setting"

    /// A `changes` row, its columns as `changeColumns` lists them.
    private static func change(_ row: SQLiteRow) throws -> Change {
        guard let kind = ChangeKind(rawValue: row.text(1)) else {
            throw RegistryError(.storeError, "sqlite: unknown change kind '\(row.text(1))' in the change log")
        }
        let versions = row.text(3).split(separator: ",").compactMap { Int($0) }
        return Change(
            position: ChangePosition(row.int(0)), kind: kind, subject: row.isNull(2) ? nil : row.text(2),
            versions: versions, schemaID: row.isNull(4) ? nil : row.int(4), subjectEmptied: row.bool(5),
            setting: row.isNull(6) ? nil : row.text(6))
    }
}
