import Foundation
import Logging
import NIOCore
import NIOEmbedded
import SQLiteStore
import SRPWire
import SchemaRegistryCore
import Testing

@testable import SchemaRegistryServer

/// The connection handler on NIO's `EmbeddedChannel`: reads, writability and timers are
/// driven by the test, so flow control is checked step by step, not by waiting on sockets.
/// Only answers served on the event loop are used (L1 hits, rejections, GOAWAY): a request
/// run in a task would complete from another thread, which the embedded loop does not allow.
/// For the same reason nothing awaits while a channel is open.
@Suite("SRPConnectionHandler on EmbeddedChannel")
struct ConnectionHandlerEmbeddedTests {
    /// Counts the reads the handler passes on towards the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    /// A connection past its handshake, with schema 1 (`schemaBytes` long) in L1.
    final class Connection {
        /// Released on the thread that made it, before `close()` awaits (an embedded loop
        /// must not be touched, even by its deinit, from another thread).
        private(set) var channel: EmbeddedChannel!
        let reads = ReadCounter()
        private let store: SQLiteStore
        private let directory: String
        private var received = ByteBuffer()
        private var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 64 << 20)

        init(schemaBytes: Int = 16, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
            var configuration = ServerConfiguration()
            configuration.compression = false
            configure(&configuration)
            directory = NSTemporaryDirectory() + "sr-embedded-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try SQLiteStore(path: directory + "/registry.db")
            let schemas = SchemaTier(capacityBytes: 64 << 20, compressionThreshold: 1 << 30, store: store)
            schemas.registered(
                StoredSchema(
                    id: 1, type: .json, text: "\"" + String(repeating: "a", count: max(0, schemaBytes - 2)) + "\"",
                    references: []))
            let metrics = ServerMetrics()
            let logger = Logger(label: "embedded-test")
            let shared = SRPConnectionHandler.Shared(
                configuration: configuration,
                dispatcher: RequestDispatcher(
                    service: RegistryService(store: store, formats: [:]), schemas: schemas,
                    info: .init(serverID: "embedded", version: "test", startedAt: .now),
                    metrics: metrics, logger: logger, keys: nil),
                schemas: schemas, logger: logger, metrics: metrics, keyRing: nil,
                overload: OverloadGuard(limit: AdaptiveConcurrencyLimit(maximum: 64, latencyTarget: .seconds(1))),
                answers: GlobalAnswerBudget(capacityBytes: 0), decompression: DecompressionBudget(capacityBytes: 0))
            channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandlers(reads, SRPConnectionHandler(shared: shared))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7911)).wait()
            var hello = ByteBuffer(bytes: SRPPreface.bytes)
            let helloBody = Srp_HelloRequest.with { $0.protocolVersions = [1] }
            hello.writeFrame(
                kind: .request, flags: [], code: SRPMethod.hello.rawValue, requestID: 1,
                encodedBody: ByteBuffer(bytes: try helloBody.serializedBytes() as [UInt8]))
            try channel.writeInbound(hello)
            #expect(try frames().map(\.header.code) == [StatusCode.ok.rawValue], "HELLO_OK")
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// Sends GetSchemaById(1) with request ids `ids`, in one read.
        func sendGets(_ ids: ClosedRange<UInt32>) throws {
            var bytes = ByteBuffer()
            for id in ids {
                bytes.writeFrame(
                    kind: .request, flags: [], code: SRPMethod.getSchemaById.rawValue, requestID: id,
                    encodedBody: ByteBuffer(bytes: [0x08, 0x01]))
            }
            try channel.writeInbound(bytes)
        }

        /// The writes since the last call, one buffer each. Answers go out at the end of the
        /// loop's tick: with `endTick` the embedded loop first runs what is due (which also
        /// runs any resume tick); without it, only what was written at once is seen.
        func writes(endTick: Bool = true) throws -> [ByteBuffer] {
            if endTick { channel.embeddedEventLoop.run() }
            var writes: [ByteBuffer] = []
            while let chunk = try channel.readOutbound(as: ByteBuffer.self) { writes.append(chunk) }
            return writes
        }

        /// The frames of the writes since the last call (see ``writes(endTick:)``).
        func frames(endTick: Bool = true) throws -> [Frame] {
            try frames(of: writes(endTick: endTick))
        }

        /// The frames of `writes`, taken from the connection's output in order.
        func frames(of writes: [ByteBuffer]) throws -> [Frame] {
            for var chunk in writes { received.writeBuffer(&chunk) }
            var frames: [Frame] = []
            while case .frame(let frame)? = try decoder.decode(buffer: &received) { frames.append(frame) }
            return frames
        }

        func close() async throws {
            _ = try? channel.finish()
            channel = nil
            try await store.close()
        }
    }

    private func ids(_ frames: [Frame]) -> [UInt32] { frames.map(\.header.requestID) }

    @Test("a lone answer waits for the end of the tick; a pipelined read's answers go at once, in one write")
    func answersWrittenAtEndOfTickOrAtOnce() async throws {
        let connection = try Connection()
        try connection.sendGets(2...2)
        #expect(try connection.writes(endTick: false).isEmpty, "nothing before the tick ends")
        #expect(ids(try connection.frames()) == [2])

        try connection.sendGets(3...10)
        let writes = try connection.writes(endTick: false)
        #expect(writes.count == 1, "written at once, in one write for eight answers")
        #expect(ids(try connection.frames(of: writes)) == Array(3...10))
        try await connection.close()
    }

    @Test("a throttled pipeline resumes when the mute ends, with no further bytes from the client")
    func throttledPipelineResumes() async throws {
        let connection = try Connection {
            $0.connection.tokenRate = 100  // 10 ms per token
            $0.connection.tokenBurst = 2
        }
        try connection.sendGets(2...6)
        var frames = try connection.frames()
        #expect(ids(frames) == [2, 3, 4])
        #expect(frames.map(\.header.code) == [0, 0, StatusCode.throttled.rawValue])
        // Muted: a read asked for now is held.
        let readsBefore = connection.reads.reads
        connection.channel.read()
        #expect(connection.reads.reads == readsBefore)
        // The machine's clock is the real one, the timer's the embedded loop's: let both pass.
        // (A blocking sleep: the embedded loop must stay on the thread that created it.)
        usleep(30_000)
        connection.channel.embeddedEventLoop.advanceTime(by: .milliseconds(30))
        frames = try connection.frames()
        #expect(ids(frames) == [5, 6], "the frames read before the mute are decoded when it ends")
        #expect(frames.allSatisfy { $0.header.code == 0 })
        #expect(connection.reads.reads == readsBefore + 1, "the held read is passed on")
        try await connection.close()
    }

    @Test("the output budget pauses decoding and holds reads; the next tick resumes both")
    func outputBudgetPausesAndResumes() async throws {
        let connection = try Connection(schemaBytes: 100_000)
        try connection.sendGets(2...21)
        // 1 MiB of answers per pass: eleven 100 KB answers cross it, and are written at once.
        var frames = try connection.frames(endTick: false)
        #expect(ids(frames) == Array(2...12))
        let readsBefore = connection.reads.reads
        connection.channel.read()
        #expect(connection.reads.reads == readsBefore, "paused at the budget: the read is held")
        connection.channel.embeddedEventLoop.run()
        frames = try connection.frames()
        #expect(ids(frames) == Array(13...21))
        #expect(connection.reads.reads == readsBefore + 1)
        try await connection.close()
    }

    @Test("writability flips: reads and paused decoding wait for the socket, then resume")
    func writabilityFlips() async throws {
        let connection = try Connection(schemaBytes: 100_000)
        connection.channel.isWritable = false
        connection.channel.pipeline.fireChannelWritabilityChanged()
        let readsBefore = connection.reads.reads
        connection.channel.read()
        #expect(connection.reads.reads == readsBefore, "not writable: the read is held")
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        #expect(connection.reads.reads == readsBefore + 1, "writable again: the held read is passed on")

        try connection.sendGets(2...21)
        #expect(ids(try connection.frames(endTick: false)) == Array(2...12))
        connection.channel.isWritable = false
        connection.channel.pipeline.fireChannelWritabilityChanged()
        connection.channel.embeddedEventLoop.run()
        #expect(try connection.frames().isEmpty, "the resume tick waits while the socket is full")
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        connection.channel.embeddedEventLoop.run()
        #expect(ids(try connection.frames()) == Array(13...21))
        try await connection.close()
    }

    @Test("a frame that stops arriving is closed by the frame timer; a completed frame disarms it")
    func frameTimer() async throws {
        let connection = try Connection { $0.frameTimeout = .seconds(30) }
        var request = ByteBuffer()
        request.writeFrame(
            kind: .request, flags: [], code: SRPMethod.getSchemaById.rawValue, requestID: 2,
            encodedBody: ByteBuffer(bytes: [0x08, 0x01]))
        try connection.channel.writeInbound(request.readSlice(length: 5)!)
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        try connection.channel.writeInbound(request)
        #expect(ids(try connection.frames()) == [2])
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        #expect(connection.channel.isActive, "the frame arrived whole: no timer runs")

        try connection.channel.writeInbound(ByteBuffer(bytes: [0, 0]))
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        let frames = try connection.frames()
        #expect(frames.map(\.header.kind) == [.goAway])
        #expect(frames.first?.header.code == StatusCode.idleTimeout.rawValue)
        #expect(!connection.channel.isActive)
        try await connection.close()
    }

    @Test("drain on shutdown: GOAWAY SHUTTING_DOWN, then the connection closes")
    func drainOnShutdown() async throws {
        let connection = try Connection()
        try connection.sendGets(2...2)
        #expect(ids(try connection.frames()) == [2])
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        let frames = try connection.frames()
        #expect(frames.map(\.header.kind) == [.goAway])
        #expect(frames.first?.header.code == StatusCode.shuttingDown.rawValue)
        #expect(frames.first?.header.requestID == 2, "GOAWAY names the last request dispatched")
        #expect(!connection.channel.isActive)
        // A second shutdown signal does nothing more.
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(try connection.frames().isEmpty)
        try await connection.close()
    }
}
