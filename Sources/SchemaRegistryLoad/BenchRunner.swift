import Foundation
import Histogram
import NIOCore
import NIOPosix
import SRPWire
import SchemaRegistryClient

/// What `schema-registry bench` is told.
public struct BenchSettings: Sendable {
    /// The wire: `srp`, or `resp` for a Redis server driven by the same load loop.
    public var wire: BenchProtocol = .srp
    public var host = "127.0.0.1"
    public var port = 7911
    public var connections = 50
    /// Requests outstanding per connection (pipeline depth).
    public var inFlight = 1
    /// Seconds of measured load, after a 1 s warm-up.
    public var duration: Double = 10
    /// Stop after this many responses in total.
    public var maxRequests = 50_000_000
    public var payloadBytes = 1024
    /// Offer LZ4 (SRP).
    public var lz4 = false
    /// Client event-loop threads.
    public var threads = 1
    /// Print the result as one JSON object.
    public var json = false

    public init() {}
}

/// Closed-loop load of cached GetSchemaById (or Redis GET): registers one schema (or SETs one
/// key), keeps `connections` x `inFlight` requests outstanding for `duration` seconds, and
/// prints throughput and latency.
public struct BenchRunner: Sendable {
    public var settings: BenchSettings

    public init(settings: BenchSettings) {
        self.settings = settings
    }

    /// Prepares the data, runs the load and prints the result (text, or JSON with `json`).
    public func run() async throws {
        let request = try await prepare(wire: settings.wire, port: settings.port)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: settings.threads)
        do {
            try await drive(wire: settings.wire, port: settings.port, request: request, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func drive(wire: BenchProtocol, port: Int, request: ByteBuffer, group: MultiThreadedEventLoopGroup)
        async throws
    {
        var channels: [(any Channel, NIOLoopBound<BenchConnectionHandler>, EventLoopFuture<Void>)] = []
        for _ in 0..<settings.connections {
            let loop = group.next()
            let done = loop.makePromise(of: Void.self)
            let lz4 = settings.lz4
            let depth = settings.inFlight
            let channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            BenchConnectionHandler(wire: wire, depth: depth, request: request, lz4: lz4, done: done))
                    }
                }
                .connect(host: settings.host, port: port).get()
            let bound = try await channel.eventLoop.submit {
                NIOLoopBound(
                    try channel.pipeline.syncOperations.handler(type: BenchConnectionHandler.self),
                    eventLoop: channel.eventLoop)
            }.get()
            channels.append((channel, bound, done.futureResult))
        }

        // Warm up, then measure the difference between two snapshots.
        try await Task.sleep(for: .seconds(1))
        let before = try await snapshot(channels)
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(settings.duration * 1000))
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            if try await snapshot(channels).completed - before.completed >= settings.maxRequests { break }
        }
        let after = try await snapshot(channels)
        let elapsed = ContinuousClock.now - started
        for (channel, handler, done) in channels {
            try await channel.eventLoop.submit {
                handler.value.stop(try channel.pipeline.syncOperations.context(handler: handler.value))
            }.get()
            _ = try? await done.get()
            try? await channel.close()
        }
        report(wire: wire, before: before, after: after, elapsed: elapsed)
    }

    private struct Snapshot {
        var completed = 0
        var errors = 0
        var bytesIn = 0
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    }

    private func snapshot(_ channels: [(any Channel, NIOLoopBound<BenchConnectionHandler>, EventLoopFuture<Void>)])
        async throws -> Snapshot
    {
        var total = Snapshot()
        for (channel, handler, _) in channels {
            let (completed, errors, bytes, histogram) = try await channel.eventLoop.submit {
                let value = handler.value
                return (value.completed, value.errors, value.bytesIn, value.histogram)
            }.get()
            total.completed += completed
            total.errors += errors
            total.bytesIn += bytes
            total.histogram.add(histogram)
        }
        return total
    }

    private func report(wire: BenchProtocol, before: Snapshot, after: Snapshot, elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let completed = after.completed - before.completed
        // Percentiles cover the warm-up too (histograms cannot be subtracted); the warm-up is 1 s of 11+.
        let h = after.histogram
        let throughput = Double(completed) / seconds
        let result: [String: Any] = [
            "protocol": wire.rawValue, "connections": settings.connections, "in_flight": settings.inFlight,
            "payload_bytes": settings.payloadBytes, "lz4": settings.lz4, "seconds": (seconds * 100).rounded() / 100,
            "requests": completed, "errors": after.errors - before.errors,
            "throughput_rps": Int(throughput),
            "p50_us": h.valueAtPercentile(50), "p90_us": h.valueAtPercentile(90), "p99_us": h.valueAtPercentile(99),
            "p999_us": h.valueAtPercentile(99.9), "max_us": h.max,
            "bytes_in_per_response": completed > 0 ? (after.bytesIn - before.bytesIn) / completed : 0,
        ]
        if settings.json {
            let data = try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(
            """
            \(wire.rawValue) \(settings.connections) connections x \(settings.inFlight) in flight, \(settings.payloadBytes) B payload\(settings.lz4 ? ", lz4" : "")
              \(completed) requests in \(String(format: "%.2f", seconds)) s, \(after.errors - before.errors) errors
              throughput \(Int(throughput)) req/s
              latency p50 \(h.valueAtPercentile(50)) us  p90 \(h.valueAtPercentile(90)) us  p99 \(h.valueAtPercentile(99)) us  p99.9 \(h.valueAtPercentile(99.9)) us  max \(h.max) us
            """)
    }

    /// Creates what the load reads and returns one request: the GetSchemaById body (SRP) or
    /// the whole GET command (RESP).
    private func prepare(wire: BenchProtocol, port: Int) async throws -> ByteBuffer {
        let payload = BenchPayload.schema(bytes: settings.payloadBytes)
        switch wire {
        case .resp:
            let key = "bench:\(settings.payloadBytes)"
            let value = String(repeating: "x", count: settings.payloadBytes)
            try await RESPOneShot.set(host: settings.host, port: port, key: key, value: value)
            var command = ByteBuffer()
            command.writeString("*2\r\n$3\r\nGET\r\n$\(key.utf8.count)\r\n\(key)\r\n")
            return command
        case .srp:
            let client = SchemaRegistryClient(configuration: .init(host: settings.host, port: port))
            defer { Task { await client.close() } }
            let subject = "bench-\(settings.payloadBytes)"
            _ = try await client.setConfig(
                .with {
                    $0.subject = subject
                    $0.compatibility = .none
                })
            let registered = try await client.registerSchema(
                .with {
                    $0.subject = subject
                    $0.schema = payload
                })
            return ByteBuffer(
                bytes: try Srp_GetSchemaByIdRequest.with { $0.id = registered.id }.serializedBytes() as [UInt8])
        }
    }
}

/// A realistic Avro record schema of about `bytes` bytes.
enum BenchPayload {
    static func schema(bytes: Int) -> String {
        var fields: [String] = []
        var text = ""
        var index = 0
        repeat {
            fields.append(#"{"name":"field_\#(index)","type":["null","string"],"default":null,"doc":"f\#(index)"}"#)
            index += 1
            text =
                #"{"type":"record","name":"Bench\#(bytes)","namespace":"bench","fields":[\#(fields.joined(separator: ","))]}"#
        } while text.utf8.count < bytes
        return text
    }
}

/// A blocking RESP `SET` for bench setup (one command; no client library needed for that).
enum RESPOneShot {
    static func set(host: String, port: Int, key: String, value: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port).get()
        var command = ByteBuffer()
        command.writeString(
            "*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$\(value.utf8.count)\r\n\(value)\r\n")
        try await channel.writeAndFlush(command).get()
        // Give the server a moment to apply it before the load starts reading the key.
        try await Task.sleep(for: .milliseconds(50))
        try await channel.close().get()
    }
}
