import Dispatch

/// A serial dispatch queue for blocking calls (libsqlite3, libpq, hiredis), and the way async
/// callers wait for them.
///
/// Blocking C calls must never run on Swift's cooperative pool or a NIO event loop: callers
/// suspend on a continuation while the queue's own thread does the work. The queue also
/// serialises the work, which is what lets its owner keep a non-thread-safe connection (and
/// its reconnect state) without a lock: everything the owner touches only inside ``run(_:)``
/// is confined to the queue.
public final class SerialWorker: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue, after the work queued before it, and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Queues `body` on the queue and returns at once: for work that answers its callers itself
    /// (group commit), where waiting through a task would only add a hop to the pool.
    public func enqueue(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Runs `body` on the queue; for work that cannot fail (closing).
    public func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                body()
                continuation.resume()
            }
        }
    }
}
