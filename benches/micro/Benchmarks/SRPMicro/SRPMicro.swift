import Benchmark
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteStore
import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistryServer

/// The payload sizes of the issue: 100 B, 1 KiB, 10 KiB, 100 KiB.
let sizes = [100, 1024, 10 * 1024, 100 * 1024]

/// A `GetSchemaByIdResponse` whose schema text is about `size` bytes of JSON-ish text (which
/// compresses like real schemas: names repeat).
func response(size: Int) -> Srp_GetSchemaByIdResponse {
    var text = #"{"type":"record","name":"Bench","fields":["#
    var field = 0
    while text.utf8.count < size - 40 {
        text += #"{"name":"field_\#(field)","type":"string"},"#
        field += 1
    }
    text += #"{"name":"last","type":"long"}]}"#
    return .with {
        $0.schema = .with {
            $0.id = 42
            $0.schemaType = .avro
            $0.schema = text
        }
    }
}

func label(_ size: Int) -> String { size >= 1024 ? "\(size / 1024)KiB" : "\(size)B" }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2), maxIterations: 1_000_000)

    // What the harness itself costs per sample (subtract it from the cheap benchmarks below).
    Benchmark("baseline (empty sample)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(0) }
    }

    for size in sizes {
        let message = response(size: size)
        let plain = ByteBuffer(bytes: try! message.serializedBytes() as [UInt8])
        let compressed = LZ4Body.compress(plain, allocator: .init())

        Benchmark("protobuf encode GetSchemaByIdResponse \(label(size))") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try message.serializedBytes() as [UInt8]) }
        }
        Benchmark("protobuf decode GetSchemaByIdResponse \(label(size))") { benchmark in
            let bytes = Array(plain.readableBytesView)
            for _ in benchmark.scaledIterations { blackHole(try Srp_GetSchemaByIdResponse(serializedBytes: bytes)) }
        }
        Benchmark("frame encode \(label(size))") { benchmark in
            var out = ByteBuffer()
            out.reserveCapacity(plain.readableBytes + 64)
            for _ in benchmark.scaledIterations {
                out.clear()
                blackHole(out.writeFrame(kind: .response, flags: [], code: 0, requestID: 7, encodedBody: plain))
            }
        }
        Benchmark("frame decode \(label(size))") { benchmark in
            var wire = ByteBuffer()
            wire.writeFrame(kind: .response, flags: [], code: 0, requestID: 7, encodedBody: plain)
            for _ in benchmark.scaledIterations {
                var input = wire
                var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 1 << 20)
                blackHole(try decoder.decode(buffer: &input))
            }
        }
        Benchmark("lz4 compress \(label(size))") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(LZ4Body.compress(plain, allocator: .init())) }
        }
        if let compressed {
            Benchmark("lz4 decompress \(label(size))") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try LZ4Body.decompress(compressed, maxSize: 1 << 20, allocator: .init()))
                }
            }
        }
    }

    Benchmark("token bucket take") { benchmark in
        var bucket = TokenBucket(rate: 1e12, burst: 1e12, now: 0)
        var now: UInt64 = 0
        for _ in benchmark.scaledIterations {
            now &+= 1000
            blackHole(bucket.take(cost: 1, now: now))
        }
    }

    Benchmark("L1 lookup (hit)") { (benchmark: Benchmark, cache: EncodedSchemaCache) in
        var id: UInt32 = 0
        for _ in benchmark.scaledIterations {
            id = id % 10_000 + 1
            blackHole(cache.entry(for: id))
        }
    } setup: {
        let cache = EncodedSchemaCache(capacityBytes: 64 << 20, compressionThreshold: 512)
        for id in 1...10_000 {
            cache.insert(StoredSchema(id: id, type: .avro, text: #"{"type":"string"}"#, references: []))
        }
        return cache
    }

    Benchmark(
        "loopback round trip GetSchemaById 1KiB (cached)",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(3))
    ) { benchmark, loopback in
        for _ in benchmark.scaledIterations {
            blackHole(try await loopback.client.getSchemaById(.with { $0.id = loopback.id }))
        }
    } setup: {
        try await Loopback.start()
    }
}

/// A real server on 127.0.0.1 (SQLite in a temporary directory) and a connected client.
struct Loopback: Sendable {
    let client: SchemaRegistryClient
    let id: UInt32

    static func start() async throws -> Loopback {
        let directory = NSTemporaryDirectory() + "sr-micro-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.eventLoopThreads = 1
        configuration.metricsPort = nil
        configuration.restPort = nil
        let store = try SQLiteStore(path: directory + "/registry.db")
        let schemas = SchemaTier(capacityBytes: 64 << 20, compressionThreshold: 512, store: store)
        let service = RegistryService(
            store: store, formats: SchemaFormatCatalog.standard(), configuration: configuration.registry,
            onRegistered: { schemas.registered($0) })
        let server = SRPServer(
            configuration: configuration, service: service, schemas: schemas,
            group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "micro"))
        Task { try await server.run() }
        let port = try await server.localAddress.port!
        let client = SchemaRegistryClient(configuration: .init(host: "127.0.0.1", port: port))
        let registered = try await client.registerSchema(
            .with {
                $0.subject = "micro"
                $0.schema = response(size: 1024).schema.schema
            })
        return Loopback(client: client, id: registered.id)
    }
}
