import Dispatch
import Resilience
import SchemaRegistryCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tells this process about commits other processes made to the change log: a connection of its
/// own that LISTENs on `sr_changes` (`sr_append_change` notifies it) and calls `wake` when a
/// notification arrives, with the highest position the notifications named (nil when one's
/// payload is not a position, and after a (re)connect).
///
/// The connection blocks in poll(), so it runs on a dispatch queue of its own, never on Swift's
/// cooperative pool. It wakes every 100 ms to see whether it was stopped. After a connection
/// loss it reconnects with backoff, and wakes once after every (re)connect: notifications sent
/// while it was disconnected are lost, and a wake makes the observers read the log, which is
/// what they would have done.
final class PostgresChangeListener: Sendable {
    static let channel = "sr_changes"
    /// 100 ms doubling to 5 s: the store's own writes wake observers directly meanwhile.
    static let reconnectBackoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(5))

    private let conninfo: String
    private let wake: @Sendable (ChangePosition?) -> Void
    private let queue: DispatchQueue
    private let stopped = Atomic<Bool>(false)
    /// (Re)connections made so far: what tests read.
    let connections = Atomic<Int>(0)

    init(conninfo: String, wake: @escaping @Sendable (ChangePosition?) -> Void) {
        self.conninfo = conninfo
        self.wake = wake
        queue = DispatchQueue(label: "postgres.change-listener")
    }

    func start() {
        queue.async { self.listen() }
    }

    /// Asks the loop to end (within 100 ms); does not wait.
    func requestStop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Ends the loop and waits until its connection is closed.
    func stop() async {
        requestStop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func listen() {
        var backoff = Self.reconnectBackoff
        while !isStopped {
            do {
                let connection = try PostgresConnection(conninfo: conninfo)
                defer { connection.close() }
                try connection.execute("LISTEN \(Self.channel)")
                backoff.succeeded()
                connections.add(1, ordering: .relaxed)
                wake(nil)
                while !isStopped {
                    let notified = try connection.awaitNotifications(timeoutMilliseconds: 100)
                    if notified.count > 0 { wake(notified.highestPosition) }
                }
            } catch {
                pause(backoff.failed())
            }
        }
    }

    /// Sleeps `delay` in short steps, so that a stop is not held up by a long backoff.
    private func pause(_ delay: Duration) {
        let end = ContinuousClock.now + delay
        while !isStopped, ContinuousClock.now < end {
            usleepMilliseconds(min(50, Self.milliseconds(end - ContinuousClock.now)))
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

private func usleepMilliseconds(_ milliseconds: Int) {
    usleep(useconds_t(milliseconds * 1000))
}
