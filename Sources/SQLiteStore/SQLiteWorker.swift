import Resilience
import SchemaRegistryCore

/// One connection confined to one ``SerialWorker`` queue.
///
/// sqlite calls block their thread (disk I/O, fsync, busy waits), so they run on the worker's
/// queue, never on Swift's cooperative pool. The queue also serialises use of the connection,
/// which is what makes it safe to open with `SQLITE_OPEN_NOMUTEX`.
final class SQLiteWorker: @unchecked Sendable {
    // @unchecked: `connection` is only read or written on `worker`'s queue, which serialises every access.
    private let worker: SerialWorker
    private var connection: SQLiteConnection?

    init(label: String, connection: SQLiteConnection) {
        self.worker = SerialWorker(label: label)
        self.connection = connection
    }

    /// Runs `body` with the connection on the worker's queue and returns its result.
    ///
    /// Errors reach the caller as `RegistryError`s; anything else is wrapped as a store error.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await worker.run {
            guard let connection = self.connection, connection.isOpen else {
                throw RegistryError(.storeError, "sqlite: the store is closed")
            }
            do {
                return try body(connection)
            } catch let error as RegistryError {
                throw error
            } catch {
                throw RegistryError(.storeError, "sqlite: \(error)")
            }
        }
    }

    /// Queues `body` on the worker's queue with the connection, or nil once the store is closed,
    /// and returns at once: ``SQLiteGroupCommit`` answers its callers itself, so a task waiting
    /// for the queue would only add a hop through the cooperative pool per batch.
    func enqueue(_ body: @escaping @Sendable (SQLiteConnection?) -> Void) {
        worker.enqueue {
            body(self.connection.flatMap { $0.isOpen ? $0 : nil })
        }
    }

    /// Closes the connection after the work already queued has run; later `run`s throw.
    func close() async {
        await worker.run {
            self.connection?.close()
            self.connection = nil
        }
    }
}
