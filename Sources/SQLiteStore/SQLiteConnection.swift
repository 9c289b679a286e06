import CSQLite
import SchemaRegistryCore

/// A value bound to a statement parameter.
enum SQLiteValue {
    case null
    case int(Int)
    case text(String)
    /// Raw bytes bound as TEXT: used for range bounds that must compare bytewise (see `SQLiteStore.prefixRange`).
    case textBytes([UInt8])

    static func bool(_ value: Bool) -> SQLiteValue { .int(value ? 1 : 0) }
}

/// One connection to a database file: a thin, synchronous wrapper over the sqlite3 C API.
///
/// Not thread-safe on purpose: each connection is confined to one serial queue (`SQLiteWorker`),
/// which is why it is opened with `SQLITE_OPEN_NOMUTEX` and needs no locks of its own.
final class SQLiteConnection {
    private var handle: OpaquePointer?
    /// Prepared statements by SQL text, reused across calls (preparing is the costly part of a query).
    private var statements: [StatementKey: OpaquePointer] = [:]
    /// The changes appended to the change log in the open transaction (`SQLiteStore.appendChange`),
    /// ascending: the group commit drops those of a savepoint it rolls back, and hands the rest
    /// to the change observers once COMMIT returned.
    var appendedChanges: [Change] = []

    /// Tells SQLite to copy bound text before the bind call returns (the C macro is not imported).
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    /// Process-wide settings made once, before the first connection initialises SQLite.
    private static let processSettings: Void = { _ = sr_sqlite_disable_memory_statistics() }()

    init(path: String, readOnly: Bool) throws {
        Self.processSettings
        // NOMUTEX: the connection is only ever used from one serial queue at a time.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw SQLiteConnection.error(message, code)
        }
        handle = db
        sqlite3_extended_result_codes(db, 0)
        do {
            // Wait for other processes' locks rather than failing at once.
            try execute("PRAGMA busy_timeout = 5000")
            try execute("PRAGMA foreign_keys = ON")
            if readOnly {
                // Readers never write; query_only makes a stray write fail loudly instead of racing the writer.
                try execute("PRAGMA query_only = ON")
            } else {
                // WAL lets the reader connections read beside the writer; FULL syncs the WAL on every commit,
                // so a commit that returned survives a crash of the process (and of the machine).
                try execute("PRAGMA journal_mode = WAL")
                try execute("PRAGMA synchronous = FULL")
            }
            // Functions live per connection: ranked search's score (issue 19).
            try SQLiteSearchRank.register(on: db)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    var isOpen: Bool { handle != nil }

    /// Whether a transaction is open: false after COMMIT, and after an error SQLite answered by
    /// rolling the whole transaction back (SQLITE_FULL, SQLITE_IOERR, ...), which a group commit
    /// must notice, since the batch's earlier work went with it.
    var inTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Finalizes every cached statement and closes the connection. Safe to call twice.
    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    // MARK: Running SQL

    /// Runs SQL that returns no rows; may hold several statements (migrations), so it is not cached.
    func execute(_ sql: String) throws {
        let db = try openHandle()
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(errorMessage)
            throw Self.error(message, code)
        }
    }

    /// Runs one write statement; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> Int {
        let statement = try prepared(sql, bindings)
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw lastError(code) }
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query, calling `body` for each row until it returns false or the rows end.
    ///
    /// The statement is always reset afterwards: a statement left mid-step would keep its read
    /// transaction open and pin the reader to an old snapshot.
    func query(_ sql: String, _ bindings: [SQLiteValue] = [], _ body: (SQLiteRow) throws -> Bool) throws {
        let statement = try prepared(sql, bindings)
        defer { sqlite3_reset(statement) }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw lastError(code) }
            if try !body(SQLiteRow(statement: statement)) { return }
        }
    }

    /// Every row of a query, mapped by `transform`.
    func rows<T>(_ sql: String, _ bindings: [SQLiteValue] = [], _ transform: (SQLiteRow) throws -> T) throws -> [T] {
        var result: [T] = []
        try query(sql, bindings) { row in
            result.append(try transform(row))
            return true
        }
        return result
    }

    /// The first row of a query, mapped by `transform`, or nil when there is none.
    func firstRow<T>(_ sql: String, _ bindings: [SQLiteValue] = [], _ transform: (SQLiteRow) throws -> T) throws -> T? {
        var result: T?
        try query(sql, bindings) { row in
            result = try transform(row)
            return false
        }
        return result
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int {
        handle.map { Int(sqlite3_last_insert_rowid($0)) } ?? 0
    }

    // MARK: Transactions

    enum TransactionKind: String {
        /// Takes the write lock only when the first write happens (or never, for reads).
        case deferred = "DEFERRED"
        /// Takes the write lock at BEGIN, so what the transaction reads cannot change before it writes.
        case immediate = "IMMEDIATE"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    func transaction<T>(_ kind: TransactionKind = .deferred, _ body: () throws -> T) throws -> T {
        try run("BEGIN \(kind.rawValue)")
        let result: T
        do {
            result = try body()
        } catch {
            // A failed ROLLBACK (the transaction already ended) must not hide the original error.
            _ = try? run("ROLLBACK")
            throw error
        }
        do {
            try run("COMMIT")
        } catch {
            _ = try? run("ROLLBACK")
            throw error
        }
        return result
    }

    // MARK: Internals

    private func openHandle() throws -> OpaquePointer {
        guard let handle else { throw RegistryError(.storeError, "sqlite: the store is closed") }
        return handle
    }

    /// The cached statement for `sql`, reset and with `bindings` bound.
    private func prepared(_ sql: String, _ bindings: [SQLiteValue]) throws -> OpaquePointer {
        let db = try openHandle()
        let statement: OpaquePointer
        if let cached = statements[StatementKey(sql)] {
            statement = cached
        } else {
            var newStatement: OpaquePointer?
            let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &newStatement, nil)
            guard code == SQLITE_OK, let newStatement else { throw lastError(code) }
            statements[StatementKey(sql)] = newStatement
            statement = newStatement
        }
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in bindings.enumerated() {
            try bind(value, at: Int32(offset + 1), in: statement)
        }
        return statement
    }

    private func bind(_ value: SQLiteValue, at index: Int32, in statement: OpaquePointer) throws {
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(statement, index)
        case .int(let int):
            code = sqlite3_bind_int64(statement, index, sqlite3_int64(int))
        case .text(let text):
            // The explicit byte count keeps any NUL inside the text; TRANSIENT copies it.
            code = sqlite3_bind_text(statement, index, text, Int32(text.utf8.count), Self.transient)
        case .textBytes(let bytes):
            // A nil pointer would bind NULL, so empty bytes bind as empty text.
            if bytes.isEmpty { return try bind(.text(""), at: index, in: statement) }
            code = bytes.withUnsafeBytes { raw in
                let chars = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
                return sqlite3_bind_text(statement, index, chars, Int32(raw.count), Self.transient)
            }
        }
        guard code == SQLITE_OK else { throw lastError(code) }
    }

    private func lastError(_ code: Int32) -> RegistryError {
        guard let handle else { return Self.error(String(cString: sqlite3_errstr(code)), code) }
        return Self.error(String(cString: sqlite3_errmsg(handle)), code)
    }

    static func error(_ message: String, _ code: Int32) -> RegistryError {
        RegistryError(.storeError, "sqlite: \(message) (\(code))")
    }
}

/// The current row of a stepping statement. Valid only inside the `query` callback that received it.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    func int(_ column: Int32) -> Int {
        Int(sqlite3_column_int64(statement, column))
    }

    func double(_ column: Int32) -> Double {
        sqlite3_column_double(statement, column)
    }

    func bool(_ column: Int32) -> Bool {
        sqlite3_column_int64(statement, column) != 0
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(statement, column) == SQLITE_NULL
    }

    /// The column as text; NULL reads as the empty string.
    func text(_ column: Int32) -> String {
        // Text first, then bytes: that order gives the byte count of the UTF-8 form just produced.
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
}
