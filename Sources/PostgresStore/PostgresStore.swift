import CLibPQ
import SchemaRegistryCore

/// The production store on PostgreSQL, through libpq.
///
/// A bounded pool of connections, each confined to a serial dispatch queue of its own (see
/// `PostgresWorker`), so that no Swift cooperative thread or NIO event loop ever blocks on
/// libpq. Several registry instances may share one database: registrations serialise on
/// PostgreSQL advisory locks (see `register(_:)`), not on anything in this process.
public final class PostgresStore: SchemaStore, StorePoolReporting {
    public var kind: String { "postgres" }

    /// How many migration steps opening this store applied (0 when the database was up to date).
    let appliedMigrations: Int

    let pool: PostgresPool
    /// Concurrent registrations share one statement and one commit (see `PostgresGroupCommit`).
    let registrations: PostgresGroupCommit
    /// `observeCommits`' wakes and the LISTEN connection behind them (see `PostgresStore+ChangeLog`).
    let changeFeed: PostgresChangeFeed
    /// Connections of the pool: size, busy, callers waiting, operations and their time.
    public var poolMeter: StorePoolMeter { pool.meter }

    /// Connects and brings the database layout up to date.
    ///
    /// - Parameters:
    ///   - url: a libpq conninfo (`host=... dbname=...`) or a `postgres://` URL. Without a
    ///     `connect_timeout` of its own, connecting gives up after 2 seconds.
    ///   - poolSize: the most connections this store opens (at least 1). They are opened on first
    ///     use and reopened, with backoff, after they break.
    /// - Throws: `RegistryError(.unavailable)` when the server cannot be reached;
    ///   `RegistryError(.storeError)` when migrating fails or the layout is newer than this build.
    public init(url: String, poolSize: Int = 4) async throws {
        try LibPQ.require()
        pool = PostgresPool(conninfo: url, size: poolSize)
        let changeFeed = PostgresChangeFeed(conninfo: url)
        self.changeFeed = changeFeed
        registrations = PostgresGroupCommit(pool: pool) { changeFeed.wakeAll() }
        do {
            appliedMigrations = try await pool.run { try PostgresMigrations.migrate($0) }
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Closes every connection once its current work has run. Calls after this throw.
    public func close() async throws {
        await changeFeed.close()
        await pool.close()
    }

    // MARK: Running work

    /// Runs reads on a pooled connection, retried once on a fresh connection if a pooled one went stale.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(retryOnStaleConnection: true, body)
    }

    /// Runs one statement that writes (autocommit); never retried, since it may have committed.
    func writeStatement<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(body)
    }

    /// Runs work in one transaction on a pooled connection.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.transaction(body)
    }

    // MARK: SQL helpers

    /// The bounds of the subjects that start with `prefix`: `lower <= subject < upper`.
    ///
    /// A range rather than LIKE: user input ('%', '_') needs no escaping and the "C"-collated
    /// index is used even by generic prepared plans. Under "C" collation text compares by UTF-8
    /// bytes, which is code point order, so the exclusive upper bound is the prefix with its last
    /// code point incremented (dropping trailing U+10FFFF); nil means no upper bound.
    static func prefixBounds(_ prefix: String) -> (lower: String, upper: String?) {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if next == 0xD800 { next = 0xE000 }  // surrogates are not scalars
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                var upper = String.UnicodeScalarView()
                upper.append(contentsOf: scalars)
                return (prefix, String(upper))
            }
        }
        return (prefix, nil)
    }

    /// The row key for a subject, or '' for the global setting.
    static func settingKey(_ subject: String?) -> String { subject ?? "" }
}
