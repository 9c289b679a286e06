import SchemaRegistryCore
import Synchronization

/// The wakes registered with `observeCommits`, and the LISTEN connection that tells them about
/// other processes' commits. The listener runs while at least one observation is open, and
/// stops when the last is cancelled or the store closes.
final class PostgresChangeFeed: Sendable {
    private struct State {
        var nextID = 0
        var wakes: [Int: @Sendable (ChangePosition?) -> Void] = [:]
        var listener: PostgresChangeListener?
        var closed = false
    }

    private let conninfo: String
    private let state = Mutex(State())

    init(conninfo: String) {
        self.conninfo = conninfo
    }

    /// The running listener, if any (tests read its connection count).
    var listener: PostgresChangeListener? { state.withLock { $0.listener } }

    func add(_ wake: @escaping @Sendable (ChangePosition?) -> Void) throws -> any ChangeObservation {
        let (id, started) = try state.withLock { state -> (Int, PostgresChangeListener?) in
            guard !state.closed else { throw RegistryError(.storeError, "postgres: the store is closed") }
            defer { state.nextID += 1 }
            state.wakes[state.nextID] = wake
            guard state.listener == nil else { return (state.nextID, nil) }
            let listener = PostgresChangeListener(conninfo: conninfo) { [weak self] in self?.wakeAll(knownThrough: $0) }
            state.listener = listener
            return (state.nextID, listener)
        }
        started?.start()
        return Observation { [weak self] in self?.remove(id) }
    }

    /// Calls every registered wake, outside the lock (a wake may cancel its own observation).
    /// `knownThrough`: every change through it has committed (from a NOTIFY); nil for this
    /// process's own commits, whose positions it does not know.
    func wakeAll(knownThrough position: ChangePosition? = nil) {
        state.withLock { Array($0.wakes.values) }.forEach { $0(position) }
    }

    /// Stops the listener and refuses new observations; returns once its connection is closed.
    func close() async {
        let listener = state.withLock { state in
            state.closed = true
            state.wakes.removeAll()
            defer { state.listener = nil }
            return state.listener
        }
        await listener?.stop()
    }

    private func remove(_ id: Int) {
        let idle = state.withLock { state -> PostgresChangeListener? in
            state.wakes[id] = nil
            guard state.wakes.isEmpty else { return nil }
            defer { state.listener = nil }
            return state.listener
        }
        idle?.requestStop()
    }

    private struct Observation: ChangeObservation {
        let remove: @Sendable () -> Void
        func cancel() { remove() }
    }
}
