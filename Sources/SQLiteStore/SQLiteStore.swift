import CSQLite
import SchemaRegistryCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The embedded store: one SQLite file in WAL mode.
///
/// Every write goes through one writer connection on one serial queue, so registrations are
/// serialised: versions under a subject are contiguous and an identical schema gets one id.
/// Reads go to a few reader connections on queues of their own, which WAL lets run beside the
/// writer. No sqlite call ever runs on the caller's thread (see `SQLiteWorker`).
///
/// A write is acknowledged (its method returns) only after its transaction commits with
/// `synchronous=FULL`, so it survives the process being killed. Writes that queue for the
/// writer together share that transaction (group commit, `SQLiteGroupCommit`).
public final class SQLiteStore: SchemaStore, StorePoolReporting {
    public var kind: String { "sqlite" }

    /// The database file.
    public let path: String
    /// How many migration steps opening this store applied (0 when the file was up to date).
    let appliedMigrations: Int

    private let writer: SQLiteWorker
    /// Every write goes through it: concurrent writes share one transaction and one fsync.
    let groupCommit: SQLiteGroupCommit
    private let readers: [SQLiteWorker]
    /// The writer and readers, as a pool: "in use" counts work queued or running on them.
    public let poolMeter: StorePoolMeter
    /// Told after commits that appended to the change log (see `SQLiteStore+ChangeLog`), by the
    /// group commit: once per committed transaction, before its writers resume.
    let changeObservers: ChangeObservers
    /// Round-robin position over `readers`.
    private let nextReader = Atomic<Int>(0)

    /// Opens the database at `path`, creating it (and its parent directories) if needed, and
    /// brings its layout up to date.
    ///
    /// - Parameter readerCount: connections that serve reads beside the writer (at least 1).
    /// - Throws: `RegistryError(.storeError)` if the file cannot be opened, or if it was written
    ///   by a newer build (its layout version is higher than this build knows).
    public init(path: String, readerCount: Int = 2) throws {
        guard sqlite3_threadsafe() != 0 else {
            throw RegistryError(.storeError, "sqlite: the library was built without thread support")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RegistryError(.storeError, "sqlite: cannot create directory \(directory.path): \(error)")
        }
        self.path = path
        // The writer first: it sets WAL mode and migrates before any reader looks at the file.
        let writerConnection = try SQLiteConnection(path: path, readOnly: false)
        appliedMigrations = try SQLiteMigrations.migrate(writerConnection)
        writer = SQLiteWorker(label: "sqlite.writer", connection: writerConnection)
        let observers = ChangeObservers()
        changeObservers = observers
        groupCommit = SQLiteGroupCommit(writer: writer) { observers.wakeAll(.appended($0)) }
        readers = try (0..<max(1, readerCount)).map { index in
            SQLiteWorker(label: "sqlite.reader.\(index)", connection: try SQLiteConnection(path: path, readOnly: true))
        }
        poolMeter = StorePoolMeter(connections: readers.count + 1)
    }

    /// Closes every connection once the work already queued on it has run. Calls after this throw.
    public func close() async throws {
        // Readers first: the last connection to close checkpoints the WAL, and that should be the writer.
        for reader in readers {
            await reader.close()
        }
        await writer.close()
    }

    // MARK: Running work

    /// Runs read-only work on one of the reader connections.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        let started = poolMeter.operationStarted()
        defer { poolMeter.operationEnded(startedAt: started) }
        return try await readers[Int(UInt(bitPattern: index) % UInt(readers.count))].run(body)
    }

    /// Runs work on the writer connection, atomically, and returns once it is committed.
    ///
    /// The work shares an IMMEDIATE transaction with the writes queued beside it (group commit,
    /// see ``SQLiteGroupCommit``), inside a savepoint of its own: if it throws, only its own
    /// changes are undone.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let started = poolMeter.operationStarted()
        defer { poolMeter.operationEnded(startedAt: started) }
        return try await groupCommit.submit(body)
    }

    // MARK: SQL helpers

    /// A condition matching `column` values that start with `prefix`, and its bindings.
    ///
    /// A range rather than LIKE: user input needs no escaping, and the index on the column is used.
    /// The upper bound is the prefix's bytes followed by 0xFF, a byte that never occurs in UTF-8,
    /// so every string that starts with the prefix sorts below it under SQLite's bytewise BINARY
    /// collation, and no string that does not start with it falls in between.
    static func prefixRange(_ column: String, _ prefix: String) -> (sql: String, bindings: [SQLiteValue]) {
        if prefix.isEmpty { return ("1", []) }
        return ("(\(column) >= ? AND \(column) < ?)", [.text(prefix), .textBytes(Array(prefix.utf8) + [0xFF])])
    }

    /// The row key for a subject, or '' for the global setting.
    static func settingKey(_ subject: String?) -> String { subject ?? "" }
}
