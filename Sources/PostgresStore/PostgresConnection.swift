import CLibPQ
import SchemaRegistryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The rows of one result, copied out of the `PGresult` so that it can be cleared at once.
///
/// Text format throughout: values are parsed here, which keeps the SQL free of binary layouts.
struct PostgresRows: Sendable {
    var rows: [[String?]]

    var isEmpty: Bool { rows.isEmpty }
    var count: Int { rows.count }

    func text(_ row: Int, _ column: Int) -> String { rows[row][column] ?? "" }
    func optionalText(_ row: Int, _ column: Int) -> String? { rows[row][column] }
    func int(_ row: Int, _ column: Int) -> Int { Int(rows[row][column] ?? "") ?? 0 }
    /// PostgreSQL prints booleans as `t` / `f`.
    func bool(_ row: Int, _ column: Int) -> Bool { rows[row][column] == "t" }
}

/// One libpq connection. Not thread-safe: a `PostgresWorker` confines it to one serial queue.
///
/// Every libpq call here blocks its thread (network round trips), which is why none of this
/// may run on Swift's cooperative pool.
final class PostgresConnection {
    private var handle: OpaquePointer?
    /// SQL text -> prepared statement name: each statement is prepared once per connection.
    private var prepared: [String: String] = [:]

    /// Connects; throws `unavailable` when the server cannot be reached.
    ///
    /// `connect_timeout` comes first so that a value in the caller's URL or conninfo (expanded
    /// from `dbname`, later in the list) overrides it; the default makes writes fail fast
    /// rather than hang when the server is gone.
    init(conninfo: String, connectTimeoutSeconds: Int = 2) throws {
        // Keepalives and tcp_user_timeout: a server that vanishes mid-query (failover, partition)
        // breaks the connection within seconds instead of leaving a worker blocked for good.
        let keywords = [
            "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
            "tcp_user_timeout", "dbname",
        ]
        let values = [String(connectTimeoutSeconds), "10", "5", "3", "15000", conninfo]
        let handle = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else {
            throw RegistryError(.unavailable, "postgres unavailable: out of memory creating a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(handle))
            PQfinish(handle)
            throw RegistryError(.unavailable, "postgres unavailable: \(message)")
        }
        self.handle = handle
        // libpq prints notices (e.g. "relation already exists, skipping") to stderr; they are not errors.
        _ = try execute("SET client_min_messages = warning")
    }

    deinit { close() }

    /// Whether the connection is open and healthy.
    var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        prepared.removeAll()
    }

    // MARK: Statements

    /// Runs one or more statements without parameters (migrations, BEGIN, COMMIT).
    @discardableResult
    func execute(_ sql: String) throws -> PostgresRows {
        let handle = try openHandle()
        return try consume(PQexec(handle, sql), sql: sql)
    }

    /// Runs `sql` with text parameters (`$1`, `$2`, ...), preparing it on first use.
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        // libpq takes C strings: a NUL would silently cut the value short, and PostgreSQL text
        // cannot hold one anyway, so refuse rather than store something else.
        if parameters.contains(where: { $0?.utf8.contains(0) == true }) {
            throw RegistryError(.storeError, "postgres: text containing NUL characters cannot be stored")
        }
        let handle = try openHandle()
        let name = try statementName(for: sql, parameterCount: parameters.count, on: handle)
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let constCopies = copies.map { UnsafePointer<CChar>($0) }
        let result = constCopies.withUnsafeBufferPointer { buffer in
            PQexecPrepared(handle, name, Int32(parameters.count), buffer.baseAddress, nil, nil, 0)
        }
        return try consume(result, sql: sql)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // The connection may be gone; the caller's error matters more than the rollback's.
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    // MARK: Notifications

    /// Notifications (LISTEN) taken from the connection.
    struct Notifications {
        var count = 0
        /// The highest payload read as a change position; nil when none arrived or one's payload
        /// was not a position (then nothing can be said about what they cover).
        var highestPosition: ChangePosition?
    }

    /// Waits up to `timeoutMilliseconds` for input on the socket and returns the notifications
    /// (LISTEN) that arrived; a count of 0 on timeout.
    ///
    /// - Throws: `unavailable` when the connection is lost (the server closed it, the network failed).
    func awaitNotifications(timeoutMilliseconds: Int32) throws -> Notifications {
        let handle = try openHandle()
        var notifications = Self.takeNotifications(handle)
        if notifications.count > 0 { return notifications }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw RegistryError(.unavailable, "postgres unavailable: no socket") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0 && errno != EINTR {
            throw RegistryError(.unavailable, "postgres unavailable: poll failed (errno \(errno))")
        }
        if ready > 0 {
            // Reads what arrived; fails when the peer closed the connection or the socket errored.
            guard PQconsumeInput(handle) == 1, isHealthy else {
                throw RegistryError(.unavailable, "postgres unavailable: \(Self.message(PQerrorMessage(handle)))")
            }
            notifications = Self.takeNotifications(handle)
        }
        return notifications
    }

    private static func takeNotifications(_ handle: OpaquePointer) -> Notifications {
        var taken = Notifications()
        var allPositions = true
        while let notification = PQnotifies(handle) {
            let position = notification.pointee.extra.flatMap { ChangePosition(String(cString: $0)) }
            PQfreemem(notification)
            taken.count += 1
            if let position {
                taken.highestPosition = max(taken.highestPosition ?? 0, position)
            } else {
                allPositions = false
            }
        }
        if !allPositions { taken.highestPosition = nil }
        return taken
    }

    // MARK: Internals

    private func openHandle() throws -> OpaquePointer {
        guard let handle else { throw RegistryError(.unavailable, "postgres unavailable: connection closed") }
        return handle
    }

    private func statementName(for sql: String, parameterCount: Int, on handle: OpaquePointer) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "sr_\(prepared.count)"
        // Parameter types are left to the server (nil): the SQL casts where inference is ambiguous.
        _ = try consume(PQprepare(handle, name, sql, Int32(parameterCount), nil), sql: sql)
        prepared[sql] = name
        return name
    }

    /// Copies a result's rows, clears it, and maps failures to `RegistryError`s.
    private func consume(_ result: OpaquePointer?, sql: String) throws -> PostgresRows {
        defer { PQclear(result) }
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK { return PostgresRows(rows: []) }
        if status == PGRES_TUPLES_OK, let result {
            let rowCount = PQntuples(result)
            let columnCount = PQnfields(result)
            var rows: [[String?]] = []
            rows.reserveCapacity(Int(rowCount))
            for row in 0..<rowCount {
                rows.append(
                    (0..<columnCount).map { column in
                        PQgetisnull(result, row, column) != 0 ? nil : String(cString: PQgetvalue(result, row, column))
                    })
            }
            return PostgresRows(rows: rows)
        }
        throw error(from: result, sql: sql)
    }

    private func error(from result: OpaquePointer?, sql: String) -> RegistryError {
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        var message = result.map { Self.message(PQresultErrorMessage($0)) } ?? ""
        if message.isEmpty, let handle { message = Self.message(PQerrorMessage(handle)) }
        // Class 08 is "connection exception"; a bad status means the socket is gone: both are retryable.
        if !isHealthy || sqlState?.hasPrefix("08") == true || sqlState == "57P01" {
            return RegistryError(.unavailable, "postgres unavailable: \(message)")
        }
        return RegistryError(.storeError, "postgres: \(message) [\(sqlState ?? "?")]")
    }

    private static func message(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "unknown error" }
        var text = String(cString: pointer)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer<CChar>($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
