import Dispatch
import Resilience
import Synchronization

/// A small pool of blocking hiredis connections behind a circuit breaker.
///
/// hiredis blocks its thread for I/O, so each connection lives on a serial DispatchQueue of its
/// own and callers suspend on a continuation (never blocking a Swift cooperative thread or an
/// event loop). Connections are made lazily and dropped on the first connection error or
/// timeout; the `CircuitBreaker` then refuses calls instantly until a probe succeeds.
public final class RedisClient: Sendable {
    private let workers: [RedisWorker]
    private let nextWorker = Atomic<Int>(0)
    let breaker: CircuitBreaker
    private let counters = RedisCounters()

    /// - Parameters:
    ///   - url: `redis://host[:port][/db]`.
    ///   - poolSize: connections (each with its own queue), at least 1.
    ///   - commandTimeout: how long one command (or pipeline) may wait for the server.
    ///   - connectTimeout: how long connecting may take.
    public convenience init(
        url: String, poolSize: Int = 2, commandTimeout: Duration = .milliseconds(200),
        connectTimeout: Duration = .milliseconds(200), initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(5)
    ) throws {
        try self.init(
            url: url, poolSize: poolSize, commandTimeout: commandTimeout, connectTimeout: connectTimeout,
            initialBackoff: initialBackoff, maximumBackoff: maximumBackoff, now: { ContinuousClock.now })
    }

    /// As the public initializer, with the breaker's time source injected (tests use a manual clock).
    init(
        url: String, poolSize: Int = 2, commandTimeout: Duration = .milliseconds(200),
        connectTimeout: Duration = .milliseconds(200), initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(5), now: @escaping @Sendable () -> ContinuousClock.Instant
    ) throws {
        let endpoint = try RedisEndpoint(url: url)
        let breaker = CircuitBreaker(initialBackoff: initialBackoff, maximumBackoff: maximumBackoff, now: now)
        self.breaker = breaker
        self.workers = (0..<max(1, poolSize)).map { index in
            RedisWorker(
                label: "redis.\(index)", endpoint: endpoint, breaker: breaker, connectTimeout: connectTimeout,
                commandTimeout: commandTimeout)
        }
    }

    /// Whether Redis is believed reachable (the breaker is closed).
    public var isAvailable: Bool { breaker.isClosed }

    /// Counters for metrics.
    public var metrics: RedisCacheMetrics {
        RedisCacheMetrics(
            hits: counters.hits.load(ordering: .relaxed), misses: counters.misses.load(ordering: .relaxed),
            mappingHits: counters.mappingHits.load(ordering: .relaxed),
            mappingMisses: counters.mappingMisses.load(ordering: .relaxed),
            errors: counters.errors.load(ordering: .relaxed), breakerOpens: breaker.opens)
    }

    func recordHits(_ count: Int) { counters.hits.add(count, ordering: .relaxed) }
    func recordMisses(_ count: Int) { counters.misses.add(count, ordering: .relaxed) }
    func recordMappingHit() { counters.mappingHits.add(1, ordering: .relaxed) }
    func recordMappingMiss() { counters.mappingMisses.add(1, ordering: .relaxed) }

    /// Runs one command; server error replies come back as `.error`, not as throws.
    /// - Throws: `RedisError` when the breaker is open, the connection fails or the command times out.
    public func command(_ arguments: [String]) async throws -> RedisReply {
        try await pipeline([arguments.map { Array($0.utf8) }])[0]
    }

    /// Runs one binary-safe command.
    public func command(bytes arguments: [[UInt8]]) async throws -> RedisReply {
        try await pipeline([arguments])[0]
    }

    /// Runs commands in one round trip on one connection; returns one reply per command.
    public func pipeline(_ commands: [[[UInt8]]]) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        let admission = breaker.admit()
        if admission == .reject {
            counters.errors.add(1, ordering: .relaxed)
            throw RedisError(.unavailable, "redis is unavailable (circuit open)")
        }
        let index = nextWorker.wrappingAdd(1, ordering: .relaxed).oldValue
        let worker = workers[Int(UInt(bitPattern: index) % UInt(workers.count))]
        do {
            return try await worker.run(commands, isProbe: admission == .probe)
        } catch {
            counters.errors.add(1, ordering: .relaxed)
            throw error
        }
    }
}

/// Cache counters, for metrics.
public struct RedisCacheMetrics: Sendable, Hashable {
    /// Lookups answered by Redis (a cached "not found" counts as a hit).
    public var hits: Int
    /// Lookups Redis could not answer, so the store did.
    public var misses: Int
    /// Mapping reads (subject versions, config, mode) answered by a current cached value.
    public var mappingHits: Int
    /// Mapping reads the store answered (absent, stale or Redis unavailable).
    public var mappingMisses: Int
    /// Redis calls that failed (refused by the open breaker, connection errors, timeouts).
    public var errors: Int
    /// Times the circuit breaker opened.
    public var breakerOpens: Int
}

private final class RedisCounters: Sendable {
    let hits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)
    let mappingHits = Atomic<Int>(0)
    let mappingMisses = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
}

/// One connection confined to one serial queue (see `RedisClient`).
final class RedisWorker: @unchecked Sendable {
    // @unchecked: `connection` and `generation` are only touched on `worker`'s queue, which serialises them.
    private let worker: SerialWorker
    private let endpoint: RedisEndpoint
    private let breaker: CircuitBreaker
    private let connectTimeout: Duration
    private let commandTimeout: Duration
    private var connection: RedisConnection?
    /// `breaker.opens` when `connection` was made: a later failure elsewhere means this one is suspect too.
    private var generation = 0

    init(
        label: String, endpoint: RedisEndpoint, breaker: CircuitBreaker, connectTimeout: Duration,
        commandTimeout: Duration
    ) {
        self.worker = SerialWorker(label: label)
        self.endpoint = endpoint
        self.breaker = breaker
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    func run(_ commands: [[[UInt8]]], isProbe: Bool) async throws -> [RedisReply] {
        try await worker.run { try self.runOnQueue(commands, isProbe: isProbe) }
    }

    private func runOnQueue(_ commands: [[[UInt8]]], isProbe: Bool) throws -> [RedisReply] {
        // A call queued behind one that failed must not wait for its own timeout.
        if !isProbe && !breaker.isClosed {
            throw RedisError(.unavailable, "redis is unavailable (circuit open)")
        }
        if generation != breaker.opens { connection = nil }
        do {
            let connection = try self.connection ?? connect()
            if isProbe {
                let pong = try connection.run([Array("PING".utf8)])
                guard pong == .status("PONG") else { throw RedisError(.connection, "unexpected PING reply \(pong)") }
            }
            let replies = try connection.pipeline(commands)
            breaker.recordSuccess(wasProbe: isProbe)
            return replies
        } catch {
            connection = nil
            breaker.recordFailure(wasProbe: isProbe)
            generation = breaker.opens
            throw error
        }
    }

    private func connect() throws -> RedisConnection {
        generation = breaker.opens
        let made = try RedisConnection(
            endpoint: endpoint, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        connection = made
        return made
    }
}
