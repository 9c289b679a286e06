import ArgumentParser
import Foundation
import SRPWire
import SchemaRegistryClient
import Synchronization

/// `schema-registry bench-watch`: how long a registration takes to reach many watchers, and
/// what the client cache's hits cost beside the same call's round trip (issue 20's targets;
/// numbers are reported, never asserted). benches/watch/run.sh runs it.
struct WatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-watch",
        abstract: "Measure registration -> watcher latency with many watchers, and client-cache hits vs round trips.",
        discussion: """
            Opens --watchers connections to --watch-port (default: --port), each watching subjects bench-watch-*, \
            then registers --registrations schemas through --port, one every --interval-ms, and reports the \
            latency from each registration's send to each watcher's receipt (p50/p99/max over all pairs). With \
            two instances on one PostgreSQL, point --watch-port at the other one. Then, unless --no-cache, times \
            GetSchemaById round trips against cached lookups for --cache-seconds each. A server needs \
            max-connections-per-address above --watchers.
            """)

    @Option var host = "127.0.0.1"
    @Option var port = 7911
    @Option(help: "Where the watchers connect (default: --port).") var watchPort: Int?
    @Option var watchers = 1_000
    @Option var registrations = 200
    @Option(help: "Pause between registrations.") var intervalMs = 10
    @Option(help: "Seconds for each cache measurement.") var cacheSeconds: Double = 3
    @Flag(help: "Skip the cache measurement.") var noCache = false
    @Flag(
        help:
            "Each watcher watches subjects of its own, and registration n goes to watcher n % --watchers: every event reaches one watcher while all stay connected (default: every watcher gets every event)."
    ) var spread = false

    func run() async throws {
        guard (1...10_000).contains(watchers), (1...100_000).contains(registrations), cacheSeconds <= 60 else {
            throw ValidationError("watchers 1-10000, registrations 1-100000, cache-seconds <= 60")
        }
        try await measureEventLatency()
        if !noCache { try await measureCache() }
    }

    private func client(port: Int, cache: Bool = false) -> SchemaRegistryClient {
        var configuration = ClientConfiguration(host: host, port: port)
        configuration.connectTimeout = .seconds(60)
        if cache { configuration.cache = ClientCacheConfiguration() }
        return SchemaRegistryClient(configuration: configuration)
    }

    private func measureEventLatency() async throws {
        let run = UInt32.random(in: 0..<UInt32.max)
        let prefix = "bench-watch-\(run)-"
        let clock = ContinuousClock()
        let samples = Samples(registrations: registrations)
        let expected = spread ? registrations : watchers * registrations
        let watchers = self.watchers
        let spread = self.spread
        /// Watcher w's subjects (all of them share `prefix` without --spread); a subject ends in its registration's index.
        func watchedPrefix(_ watcher: Int) -> String { spread ? "\(prefix)\(watcher)-" : prefix }
        var clients: [SchemaRegistryClient] = []
        var streams: [WatchStream] = []
        for number in 0..<watchers {
            let watcher = client(port: watchPort ?? port)
            // Receipt is timed on the connection's event loop, as the frame is decoded: what an
            // application reacting in `onReceive` sees, without the task wake-ups behind `events`.
            let stream = try await watcher.watch(.with { $0.subjectPrefixes = [watchedPrefix(number)] }) { batch in
                let now = clock.now
                for event in batch.events where event.type == .versionRegistered {
                    guard let dash = event.subject.lastIndex(of: "-"),
                        let index = Int(event.subject[event.subject.index(after: dash)...])
                    else { continue }
                    samples.received(index, at: now)
                }
            }
            streams.append(stream)
            clients.append(watcher)
        }
        let writer = client(port: port)
        var roundTrips: [Duration] = []
        for index in 0..<registrations {
            let schema = #"{"type":"record","name":"R\#(index)","fields":[{"name":"a","type":"int"}]}"#
            let sent = clock.now
            samples.sent(index, at: sent)
            _ = try await writer.registerSchema(
                .with {
                    $0.subject = watchedPrefix(index % watchers) + String(index)
                    $0.schema = schema
                })
            let acknowledged = clock.now
            samples.acknowledged(index, at: acknowledged)
            roundTrips.append(acknowledged - sent)
            try await Task.sleep(for: .milliseconds(intervalMs))
        }
        // Bounded: every watcher has had 30 s after the last registration.
        let deadline = clock.now + .seconds(30)
        while samples.receivedCount < expected && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        for watcher in clients { await watcher.close() }
        await writer.close()
        withExtendedLifetime(streams) {}
        let (fromSend, fromAck) = samples.latencies()
        print(
            "event latency, watchers \(watchers)\(spread ? " (spread: each event to one of them)" : ""), registrations \(registrations), received \(fromSend.count)/\(expected):\n"
                + "  from the registration's send: \(Self.summary(fromSend))\n"
                + "  from its acknowledgement (commit + answer; an event ahead of the answer counts 0): "
                + "\(Self.summary(fromAck))\n"
                + "  registration round trip: \(Self.summary(roundTrips.sorted()))")
    }

    private static func summary(_ sorted: [Duration]) -> String {
        guard !sorted.isEmpty else { return "-" }
        func at(_ p: Double) -> String { milliseconds(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) }
        return "p50 \(at(0.5)) ms, p99 \(at(0.99)) ms, max \(milliseconds(sorted.last!)) ms"
    }

    private func measureCache() async throws {
        let plain = client(port: port)
        let cached = client(port: port, cache: true)
        let subject = "bench-watch-cache"
        let id = try await plain.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = #"{"type":"record","name":"C","fields":[{"name":"a","type":"int"}]}"#
            }
        ).id
        let latest = Srp_GetSchemaByVersionRequest.with {
            $0.subject = subject
            $0.version = -1
        }
        // The watch that keeps mutable answers exact must be live before hits count.
        _ = try await cached.cached.schemaVersion(latest)
        for _ in 0..<500 where (cached.cacheStatistics?.mutableHits ?? 0) == 0 {
            try await Task.sleep(for: .milliseconds(10))
            _ = try await cached.cached.schemaVersion(latest)
        }
        let roundTrips = try await rate { _ = try await plain.getSchemaById(.with { $0.id = id }) }
        let latestTrips = try await rate { _ = try await plain.getSchemaByVersion(latest) }
        let hits = try await rate { _ = try await cached.cached.schema(id: id) }
        let latestHits = try await rate { _ = try await cached.cached.schemaVersion(latest) }
        print(
            "GetSchemaById: round trip \(Int(roundTrips))/s, cached \(Int(hits))/s (\(String(format: "%.0f", hits / roundTrips))x); "
                + "latest version: round trip \(Int(latestTrips))/s, cached \(Int(latestHits))/s "
                + "(\(String(format: "%.0f", latestHits / latestTrips))x); \(cached.cacheStatistics.map { "\($0)" } ?? "")"
        )
        await plain.close()
        await cached.close()
    }

    /// Calls per second of `call`, one at a time, for `cacheSeconds` (bounded by 10 million calls).
    private func rate(_ call: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(cacheSeconds * 1000))
        var calls = 0
        while calls < 10_000_000 {
            for _ in 0..<64 { try await call() }
            calls += 64
            if clock.now >= end { break }
        }
        let elapsed = clock.now - start
        return Double(calls) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// When each registration was sent and acknowledged, and when each watcher received it.
    private final class Samples: Sendable {
        private struct State {
            var sent: [ContinuousClock.Instant?]
            var acknowledged: [ContinuousClock.Instant?]
            /// (registration, receipt), in arrival order.
            var receipts: [(Int, ContinuousClock.Instant)] = []
        }
        private let state: Mutex<State>

        init(registrations: Int) {
            state = Mutex(
                State(
                    sent: Array(repeating: nil, count: registrations),
                    acknowledged: Array(repeating: nil, count: registrations)))
        }

        func sent(_ index: Int, at instant: ContinuousClock.Instant) { state.withLock { $0.sent[index] = instant } }
        func acknowledged(_ index: Int, at instant: ContinuousClock.Instant) {
            state.withLock { $0.acknowledged[index] = instant }
        }
        func received(_ index: Int, at instant: ContinuousClock.Instant) {
            state.withLock { state in
                guard state.sent.indices.contains(index) else { return }
                state.receipts.append((index, instant))
            }
        }
        var receivedCount: Int { state.withLock { $0.receipts.count } }

        /// Sorted latencies from send and from acknowledgement.
        func latencies() -> (fromSend: [Duration], fromAck: [Duration]) {
            state.withLock { state in
                var fromSend: [Duration] = []
                var fromAck: [Duration] = []
                for (index, receipt) in state.receipts {
                    if let sent = state.sent[index] { fromSend.append(receipt - sent) }
                    if let acknowledged = state.acknowledged[index] {
                        fromAck.append(max(.zero, receipt - acknowledged))
                    }
                }
                return (fromSend.sorted(), fromAck.sorted())
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
