import Resilience
import SchemaRegistryCore
import Synchronization

/// One connection slot confined to one ``SerialWorker`` queue.
///
/// libpq calls block their thread for network round trips (and for lock waits inside the
/// server), so they must never run on Swift's cooperative pool or on a NIO event loop.
final class PostgresWorker: @unchecked Sendable {
    // @unchecked: every mutable field is only read or written on `worker`'s queue, which serialises access.
    private let worker: SerialWorker
    private let conninfo: String
    private var connection: PostgresConnection?
    private var closed = false
    /// Reconnection backoff, and when the next attempt may be made.
    private var backoff = PostgresWorker.reconnectBackoff
    private var retryAt: ContinuousClock.Instant?

    /// 100 ms doubling, capped at 1 s. A connect to a down server on the same network fails in
    /// microseconds, and writes must resume within a second or so of the server coming back.
    static let reconnectBackoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1))

    init(label: String, conninfo: String) {
        self.worker = SerialWorker(label: label)
        self.conninfo = conninfo
    }

    /// Runs `body` with a healthy connection on the worker's queue, (re)connecting first if needed.
    ///
    /// - Parameter retryOnStaleConnection: when a connection that was idle in the pool turns out
    ///   to be broken (the server restarted, a proxy dropped it), run `body` once more on a fresh
    ///   one. Only for work that is safe to repeat (reads): a write whose COMMIT was lost in
    ///   transit may have committed.
    func run<T: Sendable>(
        retryOnStaleConnection: Bool = false, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await worker.run {
            let reused = self.connection != nil
            do {
                return try self.runOnQueue(body)
            } catch let error as RegistryError where retryOnStaleConnection && reused && error.code == .unavailable {
                return try self.runOnQueue(body)
            }
        }
    }

    /// Closes the connection after the work already queued has run; later `run`s throw.
    func close() async {
        await worker.run {
            self.closed = true
            self.connection?.close()
            self.connection = nil
        }
    }

    private func runOnQueue<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard !closed else { throw RegistryError(.storeError, "postgres: the store is closed") }
        let connection = try connected()
        do {
            return try body(connection)
        } catch let error as RegistryError {
            // A broken connection is dropped here and replaced on next use (after backoff if that fails).
            if !connection.isHealthy { drop() }
            throw error
        } catch {
            if !connection.isHealthy { drop() }
            throw RegistryError(.storeError, "postgres: \(error)")
        }
    }

    private func connected() throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        drop()
        // Backoff: while the server is down, fail at once instead of paying connect_timeout per call.
        if let retryAt, ContinuousClock.now < retryAt {
            throw RegistryError(
                .unavailable, "postgres unavailable: reconnecting after \(backoff.failures) failed attempts")
        }
        do {
            let fresh = try PostgresConnection(conninfo: conninfo)
            connection = fresh
            backoff.succeeded()
            retryAt = nil
            return fresh
        } catch {
            retryAt = ContinuousClock.now + backoff.failed()
            throw error
        }
    }

    private func drop() {
        connection?.close()
        connection = nil
    }
}

/// A bounded pool of workers. A caller borrows an idle worker for one unit of work (one
/// statement or one whole transaction), so no work waits behind a transaction blocked on a lock.
final class PostgresPool: Sendable {
    private struct State {
        var idle: [PostgresWorker]
        var waiters: [CheckedContinuation<PostgresWorker, any Error>] = []
        var closed = false
    }

    private let workers: [PostgresWorker]
    private let state: Mutex<State>
    let meter: StorePoolMeter

    init(conninfo: String, size: Int) {
        workers = (0..<max(1, size)).map { PostgresWorker(label: "postgres.\($0)", conninfo: conninfo) }
        state = Mutex(State(idle: workers))
        meter = StorePoolMeter(connections: workers.count)
    }

    /// Runs `body` on a borrowed worker's connection.
    func run<T: Sendable>(
        retryOnStaleConnection: Bool = false, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let worker = try await acquire()
        let started = meter.operationStarted()
        defer {
            meter.operationEnded(startedAt: started)
            release(worker)
        }
        return try await worker.run(retryOnStaleConnection: retryOnStaleConnection, body)
    }

    /// Runs `body` in one transaction on a borrowed worker's connection.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await run { connection in try connection.transaction { try body(connection) } }
    }

    /// Closes every connection once its current work has run; later calls throw.
    func close() async {
        let waiters = state.withLock { state -> [CheckedContinuation<PostgresWorker, any Error>] in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            waiter.resume(throwing: RegistryError(.storeError, "postgres: the store is closed"))
        }
        for worker in workers {
            await worker.close()
        }
    }

    private func acquire() async throws -> PostgresWorker {
        meter.waitStarted()
        defer { meter.waitEnded() }
        return try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<PostgresWorker, any Error>) in
            let result: Result<PostgresWorker, any Error>? = state.withLock { state in
                if state.closed { return .failure(RegistryError(.storeError, "postgres: the store is closed")) }
                if let worker = state.idle.popLast() { return .success(worker) }
                state.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    private func release(_ worker: PostgresWorker) {
        let waiter = state.withLock { state -> CheckedContinuation<PostgresWorker, any Error>? in
            if state.waiters.isEmpty {
                state.idle.append(worker)
                return nil
            }
            return state.waiters.removeFirst()
        }
        // Handed straight to the longest waiter: first come, first served.
        waiter?.resume(returning: worker)
    }
}
