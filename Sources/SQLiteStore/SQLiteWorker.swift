import Dispatch
import SchemaRegistryCore

/// One connection confined to one serial dispatch queue.
///
/// sqlite calls block their thread (disk I/O, fsync, busy waits), so they must never run on
/// Swift's cooperative pool: callers suspend on a continuation while the queue's own thread
/// does the work. The queue also serialises use of the connection, which is what makes it
/// safe to open with `SQLITE_OPEN_NOMUTEX`.
final class SQLiteWorker: @unchecked Sendable {
    // @unchecked: `connection` is only read or written on `queue`, which serialises every access.
    private let queue: DispatchQueue
    private var connection: SQLiteConnection?

    init(label: String, connection: SQLiteConnection) {
        self.queue = DispatchQueue(label: label)
        self.connection = connection
    }

    /// Runs `body` with the connection on the worker's queue and returns its result.
    ///
    /// Errors reach the caller as `RegistryError`s; anything else is wrapped as a store error.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                guard let connection = self.connection, connection.isOpen else {
                    continuation.resume(throwing: RegistryError(.storeError, "sqlite: the store is closed"))
                    return
                }
                do {
                    continuation.resume(returning: try body(connection))
                } catch let error as RegistryError {
                    continuation.resume(throwing: error)
                } catch {
                    continuation.resume(throwing: RegistryError(.storeError, "sqlite: \(error)"))
                }
            }
        }
    }

    /// Closes the connection after the work already queued has run; later `run`s throw.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection?.close()
                self.connection = nil
                continuation.resume()
            }
        }
    }
}
