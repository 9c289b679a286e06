import Synchronization

/// Counters of one cache tier, as reported in server info (and later to metrics).
public struct CacheTierStatistics: Sendable, Hashable {
    /// "l1", "redis", ...
    public var tier: String
    public var hits: Int
    public var misses: Int
    /// Entries and bytes held; 0 when the tier does not know (a shared Redis).
    public var entries: Int
    public var bytes: Int
    /// False while the tier is bypassed (its circuit breaker is open).
    public var available: Bool
    /// Calls that failed and fell through to the next tier.
    public var errors: Int

    public init(
        tier: String, hits: Int, misses: Int, entries: Int = 0, bytes: Int = 0, available: Bool = true,
        errors: Int = 0
    ) {
        self.tier = tier
        self.hits = hits
        self.misses = misses
        self.entries = entries
        self.bytes = bytes
        self.available = available
        self.errors = errors
    }
}

/// How far the start-up warm-up of L1 has got.
public final class WarmUpProgress: Sendable {
    private let loadedCount = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)

    public init() {}

    /// Schemas loaded into L1 so far.
    public var loaded: Int { loadedCount.load(ordering: .relaxed) }
    /// Whether warm-up has finished (or was disabled, or failed and the server serves cold).
    public var isDone: Bool { finished.load(ordering: .relaxed) }

    func add(_ count: Int) { loadedCount.add(count, ordering: .relaxed) }
    func finish() { finished.store(true, ordering: .relaxed) }
}
