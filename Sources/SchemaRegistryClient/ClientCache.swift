import SRPWire
import SwiftProtobuf
import Synchronization

/// How a client caches what it reads (see ``SchemaRegistryClient/cached``).
public struct ClientCacheConfiguration: Sendable {
    /// Bytes of GetSchemaById answers kept (schemas by id never change; the oldest are evicted).
    public var schemaBytes: Int
    /// Bytes of answers that can change (versions, latest, lookups, config, mode), kept exact by a
    /// watch on the client's connection.
    public var mutableBytes: Int

    public init(schemaBytes: Int = 64 << 20, mutableBytes: Int = 16 << 20) {
        self.schemaBytes = schemaBytes
        self.mutableBytes = mutableBytes
    }
}

/// Counters of a client's cache, for the application to read.
public struct ClientCacheStatistics: Sendable, Hashable {
    /// Schemas by id answered from memory, and fetched.
    public var schemaHits = 0
    public var schemaMisses = 0
    /// Mutable lookups answered from memory, fetched, and fetched because the watch that keeps
    /// them exact was not live (connecting, or cut).
    public var mutableHits = 0
    public var mutableMisses = 0
    public var mutableBypassed = 0
    /// What the cache holds now.
    public var entries = 0
    public var bytes = 0
    /// Times the mutable part was emptied because the watch (re)started or said RESYNC.
    public var resyncs = 0
}

/// What a cached answer can be invalidated by.
enum CacheTag: Hashable, Sendable {
    /// Versions, latest and lookups of one subject.
    case subject(String)
    /// The compatibility level or mode asked of a subject (empty: the global one). A global
    /// change invalidates every entry of its kind (subjects without their own inherit it).
    case config(String)
    case mode(String)
}

/// An answer kept decoded (a hit copies a struct of copy-on-write fields: no decoding, no allocation).
typealias CachedAnswer = any SwiftProtobuf.Message & Sendable

/// A bounded map of answers, accounted by their encoded size plus their key's, FIFO-evicted.
/// Pure state behind the client's lock.
struct AnswerStore<Key: Hashable> {
    struct Entry {
        var value: CachedAnswer
        var cost: Int
        var tag: CacheTag?
    }

    let capacity: Int
    private(set) var entries: [Key: Entry] = [:]
    private var order: [Key] = []
    private var orderStart = 0
    private(set) var bytes = 0

    init(capacity: Int) { self.capacity = capacity }

    func get(_ key: Key) -> CachedAnswer? { entries[key]?.value }

    /// - Parameter cost: the answer's encoded size plus its key's.
    mutating func put(_ key: Key, _ value: CachedAnswer, cost: Int, tag: CacheTag?) {
        guard cost <= capacity else { return }
        if let old = entries.removeValue(forKey: key) { bytes -= old.cost }
        entries[key] = Entry(value: value, cost: cost, tag: tag)
        order.append(key)
        bytes += cost
        while bytes > capacity, orderStart < order.count {
            let victim = order[orderStart]
            orderStart += 1
            if let old = entries.removeValue(forKey: victim) { bytes -= old.cost }
        }
        // The eviction order keeps stale keys until compacted, at most once per doubling.
        if orderStart > 1_024 && orderStart * 2 > order.count {
            order = order[orderStart...].filter { entries[$0] != nil }
            orderStart = 0
        }
    }

    mutating func remove(where shouldRemove: (CacheTag?) -> Bool) {
        for (key, entry) in entries where shouldRemove(entry.tag) {
            entries.removeValue(forKey: key)
            bytes -= entry.cost
        }
    }

    mutating func removeAll() {
        entries = [:]
        order = []
        orderStart = 0
        bytes = 0
    }
}

/// The client's cache: schemas by id (immutable) and mutable answers, which are served from
/// memory only while the client's watch is live and are dropped by its events.
///
/// Exactness: a fetched answer is stored only if no event arrived while it was fetched (a
/// generation counter), so an answer older than an event already applied is never kept; an
/// event that arrives after an answer was stored removes it. Between a commit on the server and
/// its event reaching this client, a lookup can return the value from before the commit: that
/// window (milliseconds on a healthy connection) is the bound on staleness. When the watch is
/// cut, mutable answers are not served from memory until it is live again, and it restarts with
/// an empty mutable part.
final class ClientCache: Sendable {
    private struct State {
        var schemas: AnswerStore<UInt32>
        var mutable: AnswerStore<[UInt8]>
        var live = false
        var generation: UInt64 = 0
        var statistics = ClientCacheStatistics()
    }

    private let state: Mutex<State>

    init(configuration: ClientCacheConfiguration) {
        state = Mutex(
            State(
                schemas: AnswerStore(capacity: configuration.schemaBytes),
                mutable: AnswerStore(capacity: configuration.mutableBytes)))
    }

    var statistics: ClientCacheStatistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.entries = state.schemas.entries.count + state.mutable.entries.count
            statistics.bytes = state.schemas.bytes + state.mutable.bytes
            return statistics
        }
    }

    // MARK: Schemas by id

    func schema(_ id: UInt32) -> Srp_Schema? {
        state.withLock { state in
            let hit = state.schemas.get(id) as? Srp_Schema
            if hit != nil { state.statistics.schemaHits += 1 } else { state.statistics.schemaMisses += 1 }
            return hit
        }
    }

    func storeSchema(_ id: UInt32, _ schema: Srp_Schema) {
        let cost = Self.cost(of: schema, keyBytes: 4)
        state.withLock { $0.schemas.put(id, schema, cost: cost, tag: nil) }
    }

    /// What an entry is charged: its encoded size (about what its strings hold), its key and
    /// the bookkeeping of a decoded message and a dictionary slot.
    static func cost(of answer: CachedAnswer, keyBytes: Int) -> Int {
        ((try? answer.serializedBytes() as [UInt8])?.count ?? 0) + keyBytes + 128
    }

    // MARK: Mutable answers

    /// The cached answer, or the generation to store a fetched one under (nil: do not store,
    /// the watch is not live).
    enum MutableLookup {
        case hit(CachedAnswer)
        case miss(generation: UInt64?)
    }

    func mutable(_ key: [UInt8]) -> MutableLookup {
        state.withLock { state in
            guard state.live else {
                state.statistics.mutableBypassed += 1
                return .miss(generation: nil)
            }
            if let hit = state.mutable.get(key) {
                state.statistics.mutableHits += 1
                return .hit(hit)
            }
            state.statistics.mutableMisses += 1
            return .miss(generation: state.generation)
        }
    }

    func storeMutable(_ key: [UInt8], _ answer: CachedAnswer, tag: CacheTag, generation: UInt64) {
        let cost = Self.cost(of: answer, keyBytes: key.count)
        state.withLock { state in
            guard state.live, state.generation == generation else { return }
            state.mutable.put(key, answer, cost: cost, tag: tag)
        }
    }

    // MARK: The watch

    /// The watch answered (live) or failed (not live); either way what was cached may be stale.
    func watchChanged(live: Bool) {
        state.withLock { state in
            state.live = live
            state.generation &+= 1
            state.mutable.removeAll()
            state.statistics.resyncs += 1
        }
    }

    func apply(_ events: [Srp_WatchEvent]) {
        state.withLock { state in
            state.generation &+= 1
            for event in events {
                let subject = event.subject
                switch event.type {
                case .versionRegistered, .versionsDeleted, .subjectDeleted:
                    state.mutable.remove { $0 == .subject(subject) }
                case .configChanged:
                    state.mutable.remove { tag in
                        guard case .config(let asked) = tag else { return false }
                        return subject.isEmpty || asked == subject
                    }
                case .modeChanged:
                    state.mutable.remove { tag in
                        guard case .mode(let asked) = tag else { return false }
                        return subject.isEmpty || asked == subject
                    }
                case .resync, .unspecified, .UNRECOGNIZED:
                    state.mutable.removeAll()
                    state.statistics.resyncs += 1
                }
            }
        }
    }
}
