import Logging
import NIOCore
import SchemaRegistryCore
import Synchronization

/// Something the hub hands committed changes to: one per connection that watches. Called on
/// the subscriber's `eventLoop`: the hub hops once per event loop per delivery, not once per
/// subscriber (1,000 watchers on 2 loops cost 2 hops).
protocol ChangeSubscriber: AnyObject, Sendable {
    var eventLoop: any EventLoop { get }
    /// `changes` (ascending) are every change with a position in (previous `through`, `through`].
    func changesCommitted(_ changes: [PublishedChange], through: ChangePosition)
    /// The hub lost changes up to `position` (the store's log was pruned past the hub's head):
    /// every watch must resync there.
    func changesLost(resumeAfter position: ChangePosition)
}

/// The one reader of the store's change log in this process, and the fan-out to watchers.
///
/// It keeps a window of the newest changes (what a reconnecting watcher can resume from) and
/// reads the log after its head whenever the store says something committed (in this process,
/// or on another instance through PostgreSQL's NOTIFY), and every `pollInterval` anyway, so a
/// lost wake delays changes but never loses them. Watchers cost the store nothing: 1,000 of
/// them share one read. A wake that carries a commit's changes (SQLite's writer) that follow
/// the head directly is published without reading at all.
final class ChangeHub: Sendable {
    struct Configuration: Sendable {
        /// Changes kept in memory for watchers resuming from a position (`watch-replay-changes`).
        var replayChanges = 10_000
        /// Changes kept in the store's log (`watch-log-retention`); older ones are pruned.
        var logRetention: UInt64 = 100_000
        /// Read the log this often even without a wake.
        var pollInterval: Duration = .seconds(1)
        /// Changes read per store call.
        var readLimit = 1_000
    }

    /// Where a new watch starts.
    struct Start: Sendable {
        var logID: String
        var position: ChangePosition
        var resync: Bool
        /// Changes after `position` already read (a resume), ascending.
        var backlog: [PublishedChange]
    }

    private struct State {
        var logID: String?
        /// Every committed change with a position in (floor, head], ascending.
        var window: [PublishedChange] = []
        var floor: ChangePosition = 0
        var head: ChangePosition = 0
        /// By event loop, then by subscriber.
        var subscribers: [ObjectIdentifier: LoopSubscribers] = [:]
        var prunedThrough: ChangePosition = 0
    }

    /// What the wakes since the last pass said: whether one said nothing about positions (this
    /// process's commits, a poll tick, a failed pass), and the highest position the others named.
    private struct Wakes {
        var unknown = true
        var highest: ChangePosition = 0
    }

    let log: any ChangeLog
    let configuration: Configuration
    private let state = Mutex(State())
    private let pendingWakes = Mutex(Wakes())
    private let reads = Atomic<Int>(0)
    private let skipped = Atomic<Int>(0)
    private let handedOver = Atomic<Int>(0)
    private let logger: Logger

    init(log: any ChangeLog, configuration: Configuration = .init(), logger: Logger) {
        self.log = log
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether the hub has read the log once (watches are refused UNAVAILABLE before).
    var isReady: Bool { state.withLock { $0.logID != nil } }

    /// Waits (polling, bounded by `timeout`) until the log has been read once; false on timeout.
    func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isReady {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }

    // MARK: Watchers

    func register(_ subscriber: any ChangeSubscriber) {
        state.withLock { state in
            let loop = ObjectIdentifier(subscriber.eventLoop)
            state.subscribers[loop, default: LoopSubscribers(eventLoop: subscriber.eventLoop)]
                .members[ObjectIdentifier(subscriber)] = subscriber
        }
    }

    func unregister(_ subscriber: any ChangeSubscriber) {
        state.withLock { state in
            let loop = ObjectIdentifier(subscriber.eventLoop)
            state.subscribers[loop]?.members.removeValue(forKey: ObjectIdentifier(subscriber))
            if state.subscribers[loop]?.members.isEmpty == true { state.subscribers.removeValue(forKey: loop) }
        }
    }

    /// Where a watch starts: now (`after` nil), or after a position of this log the window still
    /// covers; otherwise now, with `resync`. nil before the hub has read the log once. A position
    /// above this hub's head (the client came from an instance that had read further) is taken
    /// as it is: positions are the store's, so the changes after it still reach this hub.
    func start(after: ChangePosition?, logID requestedLogID: String) -> Start? {
        state.withLock { state in
            guard let logID = state.logID else { return nil }
            guard let after else { return Start(logID: logID, position: state.head, resync: false, backlog: []) }
            guard requestedLogID == logID, after >= state.floor else {
                return Start(logID: logID, position: state.head, resync: true, backlog: [])
            }
            let firstAfter = state.window.partitioningIndex { $0.position > after }
            return Start(logID: logID, position: after, resync: false, backlog: Array(state.window[firstAfter...]))
        }
    }

    // MARK: Reading the log

    /// Reads the log until cancelled: first the newest window, then after each wake or poll.
    ///
    /// Wakes and poll ticks go into one stream read by one iterator for the whole run. (Racing
    /// a wake against a sleep in a task group cancelled the stream's reader whenever the sleep
    /// won, and a cancelled AsyncStream is finished for good: the loop then read the log
    /// without pause, a core's worth of CPU on an idle server.)
    func run() async {
        let (wakes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let ticker = Task { [pollInterval = configuration.pollInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                self.noteWake(knownThrough: nil)
                continuation.yield()
            }
        }
        var observation: (any ChangeObservation)?
        defer {
            ticker.cancel()
            observation?.cancel()
            continuation.finish()
        }
        var iterator = wakes.makeAsyncIterator()
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            // Taken before reading: a wake that arrives during the read makes another pass.
            let since = pendingWakes.withLock { wakes in
                defer { wakes = Wakes(unknown: false) }
                return wakes
            }
            do {
                if observation == nil {
                    observation = try await log.observeCommits(notices: { notice in
                        switch notice {
                        case .appended(let changes) where self.publishIfNext(changes):
                            return
                        case .appended, .unknown: self.noteWake(knownThrough: nil)
                        case .through(let position): self.noteWake(knownThrough: position)
                        }
                        continuation.yield()
                    })
                }
                if !isReady { try await loadWindow() }
                if !since.unknown, since.highest <= state.withLock({ $0.head }) {
                    // Only NOTIFYs of positions already read: typically this process's own
                    // commits, read when they woke the hub directly, notified back by PostgreSQL.
                    skipped.add(1, ordering: .relaxed)
                } else {
                    try await catchUp()
                }
                backoff = .milliseconds(100)
            } catch {
                noteWake(knownThrough: nil)
                if Task.isCancelled { return }
                logger.warning("reading the change log failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            reads.add(1, ordering: .relaxed)
            // A wake or the next poll tick, whichever first; nil once this task is cancelled.
            guard await iterator.next() != nil else { return }
        }
    }

    /// Passes over the log so far (tests check an idle hub waits instead of spinning).
    var passes: Int { reads.load(ordering: .relaxed) }

    /// Passes that did not read, because every wake since the last named a position already read.
    var passesWithoutRead: Int { skipped.load(ordering: .relaxed) }

    /// Commits published from the changes their wake carried, without a read.
    var commitsHandedOver: Int { handedOver.load(ordering: .relaxed) }

    /// Publishes a commit's changes, as its wake carried them, if they follow what the hub has
    /// read with nothing between: the first above the head is the head's successor. Positions
    /// follow commit order and no other commit's change lies among one commit's, so the hub
    /// then holds every change through the last. Otherwise (the hub has not read the log yet, or
    /// another process committed in between, or a wake was lost) false: read the log.
    /// Positions in SQLite's log have no gaps (AUTOINCREMENT in the writer's transaction, rolled
    /// back with it), the only store whose wakes carry changes.
    private func publishIfNext(_ changes: [Change]) -> Bool {
        let published = state.withLock { state -> Bool in
            guard state.logID != nil else { return false }
            let unread = changes.drop { $0.position <= state.head }
            guard let first = unread.first else { return true }
            guard first.position == state.head + 1 else { return false }
            Self.append(Array(unread), to: &state, configuration: configuration)
            return true
        }
        if published { handedOver.add(1, ordering: .relaxed) }
        return published
    }

    private func noteWake(knownThrough position: ChangePosition?) {
        pendingWakes.withLock { wakes in
            if let position {
                wakes.highest = max(wakes.highest, position)
            } else {
                wakes.unknown = true
            }
        }
    }

    private func loadWindow() async throws {
        let logID = try await log.changeLogID()
        let page = try await log.latestChanges(limit: configuration.replayChanges)
        let window = page.changes.map(PublishedChange.init)
        state.withLock { state in
            state.window = window
            // Every committed change above the first one read is in the window (the read took
            // the newest ones); with fewer than asked, the log holds nothing older but pruned.
            state.floor =
                page.changes.count < configuration.replayChanges
                ? page.horizon : (page.changes.first.map { $0.position - 1 } ?? page.head)
            state.head = page.changes.last?.position ?? page.head
            state.logID = logID
        }
        logger.info(
            "change log read",
            metadata: ["log_id": "\(logID)", "head": "\(page.head)", "window": "\(page.changes.count)"])
    }

    /// Reads everything after the head, publishing each page.
    func catchUp() async throws {
        while true {
            let head = state.withLock { $0.head }
            let page = try await log.changes(after: head, limit: configuration.readLimit)
            if page.horizon > head {
                if lost(horizon: page.horizon, resumeAfter: page.head) { return }
                continue
            }
            guard !page.changes.isEmpty else { return }
            publish(page.changes)
            if page.changes.count < configuration.readLimit { break }
        }
        try await pruneIfDue()
    }

    private func publish(_ page: [Change]) {
        state.withLock { state in
            // What a wake handed over while this page was read is published already.
            let unread = page.drop { $0.position <= state.head }
            if !unread.isEmpty { Self.append(Array(unread), to: &state, configuration: configuration) }
        }
    }

    /// Appends changes above the head to the window and hands them to every subscriber. Runs
    /// under the state's lock, so that the two publishers (a pass of `run`, a wake carrying its
    /// changes) queue their deliveries on each event loop in position order.
    private static func append(_ page: [Change], to state: inout State, configuration: Configuration) {
        let through = page.last!.position
        let changes = page.map(PublishedChange.init)
        state.window.append(contentsOf: changes)
        state.head = through
        let excess = state.window.count - configuration.replayChanges
        // Trimmed in chunks, not per change: removeFirst shifts the whole array.
        if excess > configuration.replayChanges / 4 {
            state.floor = state.window[excess - 1].position
            state.window.removeFirst(excess)
        }
        forEachSubscriber(of: state) { $0.changesCommitted(changes, through: through) }
    }

    /// The store pruned past the head (the hub was away for more than the log's retention):
    /// every watcher resyncs at `position`. False if a wake handed over the changes through
    /// `horizon` while the page was read (nothing is lost: read again from the new head).
    private func lost(horizon: ChangePosition, resumeAfter position: ChangePosition) -> Bool {
        let resynced = state.withLock { state in
            guard state.head < horizon else { return false }
            state.window = []
            state.floor = position
            state.head = position
            Self.forEachSubscriber(of: state) { $0.changesLost(resumeAfter: position) }
            return true
        }
        if resynced { logger.warning("the change log was pruned past this instance's head: watchers resync") }
        return resynced
    }

    /// Runs `body` for every subscriber, on its event loop: one hop per loop. Called under the
    /// state's lock, so deliveries queue in the order the state changed.
    private static func forEachSubscriber(
        of state: State, _ body: @escaping @Sendable (any ChangeSubscriber) -> Void
    ) {
        for group in state.subscribers.values {
            group.eventLoop.execute {
                for subscriber in group.members.values { body(subscriber) }
            }
        }
    }

    /// Keeps the store's log near `logRetention` changes (every instance may prune: it is idempotent).
    private func pruneIfDue() async throws {
        let (head, pruned) = state.withLock { ($0.head, $0.prunedThrough) }
        let retention = configuration.logRetention
        guard head > retention, head - retention >= pruned + retention / 10 else { return }
        try await log.pruneChanges(through: head - retention)
        state.withLock { $0.prunedThrough = head - retention }
    }
}

/// The subscribers on one event loop.
private struct LoopSubscribers: Sendable {
    let eventLoop: any EventLoop
    var members: [ObjectIdentifier: any ChangeSubscriber] = [:]
}

extension Array {
    /// The first index whose element satisfies `predicate`, which must be false then true along the array.
    fileprivate func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = startIndex
        var high = endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
