import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import SwiftProtobuf
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Abuse over real sockets (issue 7, "Staying up"): in each test a well-behaved client keeps
/// registering and reading schemas while something misbehaves beside it, and every one of its
/// calls must succeed. Nothing here asserts a latency; every loop is bounded in count and in
/// time; blocking socket work runs on threads of its own, never on the cooperative pool.
@Suite("Abuse")
struct AbuseTests {
    /// 1,000 connections that never send a byte: the server accepts them all, keeps serving,
    /// and closes every one with GOAWAY HANDSHAKE_TIMEOUT. (The bystander's own handshake must
    /// beat the same timeout: 3 s is a margin a loaded machine keeps; every wait below ends as
    /// soon as its condition holds.)
    @Test func aThousandSilentConnectionsAreClosedByTheHandshakeTimeout() async throws {
        let count = 1000
        try raiseOpenFileLimit(to: 4 * count + 512)
        try await withServer({
            $0.handshakeTimeout = .seconds(3)
            $0.maxConnectionsPerAddress = 2 * count
        }) { server in
            // ~2,000 descriptors in this process (both ends of each connection); child processes
            // of other tests are spawned safely meanwhile (TestSupport.ChildProcess).
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                let sockets = try await RawSockets.connect(port: server.port, count: count)
                let tally = FrameTally(sockets: count)
                let pumped = await sockets.pump(timeout: .seconds(90), onFrame: tally.record)
                return (tally, pumped)
            }
            let (tally, pumped) = outcome
            let timedOut = tally.count(where: {
                $0.header.kind == .goAway && $0.header.code == StatusCode.handshakeTimeout.rawValue
            })
            print(
                "silent connections: \(timedOut) of \(count) got GOAWAY HANDSHAKE_TIMEOUT; \(pumped.closedCount) closed; bystander made \(bystander.calls) calls"
            )
            #expect(timedOut == count)
            #expect(pumped.closedCount == count)
            #expect(
                tally.frames.allSatisfy { $0.count == 1 }, "each silent connection gets exactly one frame, its GOAWAY")
            bystander.expectAllSucceeded()
            // Every one of them was released (only the bystander's connection, now closed, is left to go).
            #expect(await eventually { server.server.connectionLimiter.open == 0 })
        }
    }

    /// Slowloris: clients trickling one byte every 100 ms (a scaled-down "one per second"),
    /// before the handshake (closed by the handshake timeout) and after it, inside a frame
    /// (closed by the frame timeout). The timeouts (3 s) are far below what the trickles take
    /// (40 s and more) and far above what a loaded machine needs for a real handshake.
    @Test func slowlorisIsClosedByTheHandshakeAndFrameTimeouts() async throws {
        try await withServer({
            $0.handshakeTimeout = .seconds(3)
            $0.frameTimeout = .seconds(3)
        }) { server in
            let perKind = 5
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                let sockets = try await RawSockets.connect(port: server.port, count: 2 * perKind)
                let tally = FrameTally(sockets: 2 * perKind)
                // The second half completes its handshake first (the first half's handshake
                // timeout is already running: it cannot be extended by trickling anyway).
                for index in perKind..<(2 * perKind) { sockets.send(index, Self.prefaceAndHello(nameLength: 8)) }
                _ = await sockets.pump(timeout: .seconds(60), onFrame: tally.record) {
                    (perKind..<(2 * perKind)).allSatisfy { tally.frameCount(of: $0) >= 1 }
                }
                #expect((perKind..<(2 * perKind)).allSatisfy { tally.frames[$0].first?.header.code == 0 })
                // What each trickles would take 40 s or more at this pace; the timeouts are 3 s.
                let slowHello = Self.prefaceAndHello(nameLength: 400)
                var slowRequest = ByteBuffer()
                slowRequest.writeFrame(
                    kind: .request, code: SRPMethod.registerSchema.rawValue, requestID: 1,
                    body: ByteBuffer(
                        bytes: try Srp_RegisterSchemaRequest.with {
                            $0.subject = "slow"
                            $0.schema = avroRecord("Slow", fields: 12)
                        }.serializedBytes() as [UInt8]))
                let trickles =
                    Array(repeating: slowHello, count: perKind)
                    + Array(repeating: Array(slowRequest.readableBytesView), count: perKind)
                let pumped = await sockets.pump(
                    timeout: .seconds(35), trickle: trickles, interval: .milliseconds(100), onFrame: tally.record)
                return (tally, pumped, trickles.map(\.count))
            }
            let (tally, pumped, trickleLengths) = outcome
            let before = (0..<perKind).map { tally.frames[$0].last }
            let after = (perKind..<(2 * perKind)).map { tally.frames[$0].last }
            print(
                "slowloris: trickled bytes before close: \(pumped.trickled); "
                    + "bystander made \(bystander.calls) calls")
            #expect(pumped.closedCount == 2 * perKind)
            for goAway in before {
                #expect(goAway?.header.kind == .goAway && goAway?.header.code == StatusCode.handshakeTimeout.rawValue)
            }
            for goAway in after {
                #expect(goAway?.header.kind == .goAway && goAway?.header.code == StatusCode.idleTimeout.rawValue)
                #expect(goAway.map(RawConnection.errorMessage)?.contains("frame-timeout-ms") == true)
            }
            // Each was cut off long before its bytes were all sent.
            #expect(zip(pumped.trickled, trickleLengths).allSatisfy { $0 < $1 })
            bystander.expectAllSucceeded()
        }
    }

    /// A client pipelining thousands of requests for a ~100 KiB schema and reading nothing:
    /// the server stops reading it (its requests back up in the kernel until the client's
    /// sends make no progress at all), holds only a bounded amount of answers in memory, keeps
    /// serving the bystander, and once the client reads, every answer arrives.
    @Test func aClientThatPipelinesAndNeverReadsIsBackpressured() async throws {
        try await withServer({ $0.connection.tokenRate = 0 }) { server in
            let setup = server.client()
            let big = try await setup.registerSchema(
                .with {
                    $0.subject = "big"
                    $0.schema = avroRecord("Big", fields: 2900)
                })
            await setup.close()
            let requests = 5000
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                let sockets = try await RawSockets.connect(port: server.port, count: 1)
                try await sockets.handshake()
                let stream = try pipelined(
                    .getSchemaById, Srp_GetSchemaByIdRequest.with { $0.id = big.id }, count: requests)
                let residentBefore = residentBytes()
                let sender = PipelineSender(
                    fd: sockets.fds[0], requests: stream, warmUpFrames: 16)
                let sending = Task { try await onOwnThread { sender.run() } }
                // Bounded: the sender gives up on its own after 60 s.
                _ = await eventually { sender.state.stalled || sender.state.finished }
                let stalled = sender.state
                let residentWhileStalled = residentBytes()
                let answers = AnswerCount()
                _ = await sockets.pump(timeout: .seconds(90), onFrame: answers.record) {
                    answers.total >= requests
                }
                let sent = try await sending.value
                return (stalled, sent, answers, residentWhileStalled - residentBefore)
            }
            let (stalled, sent, answers, residentGrowth) = outcome
            let answerBytes = requests * 100 * 1024
            print(
                "never-reading client: sends stalled=\(stalled.stalled) after \(stalled.bytesAtStall) bytes "
                    + "(\(sent.bytesSent) in all, \(sent.paddingFrames) PONG frames of padding); "
                    + "resident memory grew \(residentGrowth >> 20) MiB with \(answerBytes >> 20) MiB of answers pending; "
                    + "\(answers.ok) of \(requests) answers OK (\(answers.bodyBytes >> 20) MiB); "
                    + "bystander made \(bystander.calls) calls")
            // The server stopped reading: the client's sends made no progress while it read nothing.
            #expect(stalled.stalled)
            #expect(sent.completed)
            // What the server holds for this client is bounded, not ~500 MiB of answers.
            #expect(residentGrowth < answerBytes / 4)
            #expect(answers.ok == requests && answers.total == requests)
            #expect(answers.distinctIDs == requests)
            bystander.expectAllSucceeded()
        }
    }

    /// A client pipelining batch reads with large answers (100 ids of ~14 KB schemas: ~1.4 MB
    /// each) and never reading: the server stops decoding its requests once the answers it
    /// holds for it pass the connection's budget, so memory stays near the budget instead of
    /// max-in-flight x 1.4 MB (it grew by 2.3 GB before); once the client reads, every answer
    /// arrives, and the bystander is served throughout.
    @Test func batchReadsWithLargeAnswersThatNoOneReadsStayWithinTheAnswerBudget() async throws {
        try await withServer({ $0.connection.tokenRate = 0 }) { server in
            let setup = server.client()
            var ids: [UInt32] = []
            for index in 0..<100 {
                ids.append(
                    try await setup.registerSchema(
                        .with {
                            $0.subject = "wide-\(index)"
                            $0.schema = avroRecord("Wide", fields: 400, seed: index)
                        }
                    ).id)
            }
            await setup.close()
            let requests = 600
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                let sockets = try await RawSockets.connect(port: server.port, count: 1)
                try await sockets.handshake()
                let stream = try pipelined(
                    .getSchemasByIds, Srp_GetSchemasByIdsRequest.with { $0.ids = ids }, count: requests)
                let residentBefore = residentBytes()
                let sender = PipelineSender(
                    fd: sockets.fds[0], requests: stream, padding: false)
                let sending = Task { try await onOwnThread { sender.run() } }
                // The server stops reading the stream: the sender stalls (or, if the kernel
                // buffers hold it all, finishes) without the client reading anything.
                _ = await eventually { sender.state.stalled || sender.state.finished }
                // Give the running requests time to complete and their answers to pile up, as
                // they did before the budget (a lower bound on time, never a verdict on speed).
                try await Task.sleep(for: .seconds(2))
                let residentWhileUnread = residentBytes()
                let answers = AnswerCount()
                _ = await sockets.pump(timeout: .seconds(120), onFrame: answers.record) { answers.total >= requests }
                _ = try await sending.value
                return (answers, residentWhileUnread - residentBefore)
            }
            let (answers, residentGrowth) = outcome
            let unbounded = requests * 1_400_000
            print(
                "unread batch answers: resident memory grew \(residentGrowth >> 20) MiB while unread "
                    + "(\(unbounded >> 20) MiB of answers asked for); \(answers.ok) of \(requests) answers OK; "
                    + "bystander made \(bystander.calls) calls")
            // Loose (other tests run in this process too); without the budget it grew by over 1 GiB.
            #expect(residentGrowth < 512 << 20, "grew \(residentGrowth >> 20) MiB")
            #expect(answers.ok == requests && answers.distinctIDs == requests)
            bystander.expectAllSucceeded()
        }
    }

    /// LZ4 bombs after negotiating LZ4: a tiny block declaring more than the frame limit, a
    /// block declaring more than 255:1, a block that expands past what it declares; each is
    /// answered BAD_COMPRESSION and the connection goes on. A body at exactly the limit (4 MiB
    /// of zeros in 16 KiB, within 255:1) is legal: it is decompressed and answered.
    @Test func decompressionBombsAreRefusedAndTheConnectionGoesOn() async throws {
        try await withServer { server in
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                let raw = try RawConnection(port: server.port, receiveTimeoutSeconds: 20)
                let hello = try await raw.handshake(lz4: true)
                #expect(hello.compression == .lz4)
                let limit = Int(hello.maxFrameSize)
                func zeros(_ count: Int) -> ByteBuffer { ByteBuffer(repeating: 0, count: count) }
                func bomb(_ bytes: Int, declaring declared: Int? = nil) throws -> [UInt8] {
                    var body = try #require(LZ4Body.compress(zeros(bytes), allocator: .init()))
                    if let declared { body.setInteger(UInt32(declared), at: body.readerIndex) }
                    return Array(body.readableBytesView)
                }
                var wireSizes: [String: Int] = [:]
                func expectAnswer(_ requestID: UInt32, _ body: [UInt8], _ status: StatusCode, _ text: String)
                    async throws
                {
                    raw.sendFrame(flags: .lz4, code: SRPMethod.ping.rawValue, requestID: requestID, body: body)
                    let answer = try #require(try await raw.readFrame())
                    #expect(answer.header.requestID == requestID)
                    #expect(answer.header.code == status.rawValue, "\(RawConnection.errorMessage(answer))")
                    #expect(RawConnection.errorMessage(answer).contains(text), "\(RawConnection.errorMessage(answer))")
                }
                // 8 MiB of zeros, declared as such: over the limit, refused before allocating.
                let overLimit = try bomb(2 * limit)
                wireSizes["8 MiB over the limit"] = overLimit.count
                try await expectAnswer(1, overLimit, .badCompression, "over the limit")
                // The same with a declared size just over the limit.
                try await expectAnswer(2, try bomb(limit, declaring: limit + 1), .badCompression, "over the limit")
                // 64 KiB of zeros (a ~260-byte block) declaring 1 MiB: under the limit, beyond 255:1.
                let ratio = try bomb(64 * 1024, declaring: 1 << 20)
                wireSizes["1 MiB beyond 255:1"] = ratio.count
                try await expectAnswer(3, ratio, .badCompression, "255:1")
                // A block that expands to 4 MiB declaring 64 KiB: decoding stops at 64 KiB.
                try await expectAnswer(4, try bomb(limit, declaring: 64 * 1024), .badCompression, "does not decode")
                // At the limit and within 255:1: decompressed, then found not to be a PingRequest.
                let atLimit = try bomb(limit)
                wireSizes["4 MiB at the limit"] = atLimit.count
                #expect(atLimit.count * LZ4Body.maximumRatio >= limit)
                var pipelined = ByteBuffer()
                for id in 10..<30 {
                    pipelined.writeFrame(
                        kind: .request, flags: .lz4, code: SRPMethod.ping.rawValue, requestID: UInt32(id),
                        encodedBody: ByteBuffer(bytes: atLimit))
                }
                try await raw.sendInBackground(pipelined)
                var statuses: [UInt16: Int] = [:]
                for _ in 10..<30 {
                    let answer = try #require(try await raw.readFrame())
                    statuses[answer.header.code, default: 0] += 1
                }
                // The connection goes on.
                raw.sendRequest(.ping, requestID: 99, Srp_PingRequest())
                let pong = try #require(try await raw.readFrame())
                #expect(pong.header.requestID == 99 && pong.header.code == 0)
                return (wireSizes, statuses)
            }
            let (wireSizes, statuses) = outcome
            print("decompression bombs: bytes on the wire \(wireSizes); at-limit answers by status \(statuses)")
            // Each was decompressed and found not to be a PingRequest, or answered unopened:
            // THROTTLED (4 MiB after decompression costs 4,096 tokens) or OVERLOADED (64 MiB of
            // inflated bodies in flight server-wide). How many of each depends on timing; that
            // each gets exactly one of those does not.
            #expect(statuses.values.reduce(0, +) == 20)
            let allowed: Set<UInt16> = [
                StatusCode.malformedRequest.rawValue, StatusCode.throttled.rawValue, StatusCode.overloaded.rawValue,
            ]
            #expect(Set(statuses.keys).isSubset(of: allowed), "\(statuses)")
            bystander.expectAllSucceeded()
        }
    }

    /// 10,000 pipelined requests from a connection with a small token bucket: it gets THROTTLED
    /// answers with a retry-after (and is not read meanwhile), never more than the bucket
    /// allows, while the bystander's connection goes on unaffected.
    @Test func tenThousandRequestsFromAThrottledConnection() async throws {
        // Rate 5000/s rather than 1000/s: at 1000/s the 10,000 answers alone take ~5 s.
        let (rate, burst) = (5000.0, 100.0)
        try await withServer({
            $0.connection.tokenRate = rate
            $0.connection.tokenBurst = burst
        }) { server in
            let setup = server.client()
            let id = try await setup.registerSchema(
                .with {
                    $0.subject = "hot"
                    $0.schema = avroRecord("Hot")
                }
            ).id
            await setup.close()
            let requests = 10_000
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                // Before the connection exists, so before its bucket was filled.
                let clock = ContinuousClock()
                let started = clock.now
                let sockets = try await RawSockets.connect(port: server.port, count: 1)
                try await sockets.handshake()
                let stream = try pipelined(
                    .getSchemaById, Srp_GetSchemaByIdRequest.with { $0.id = id }, count: requests)
                let sender = PipelineSender(
                    fd: sockets.fds[0], requests: stream, padding: false)
                let sending = Task { try await onOwnThread { sender.run() } }
                let answers = AnswerCount()
                _ = await sockets.pump(timeout: .seconds(90), onFrame: answers.record) { answers.total >= requests }
                let elapsed = clock.now - started
                _ = try await sending.value
                return (answers, elapsed)
            }
            let (answers, elapsed) = outcome
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "throttled connection: \(answers.ok) OK, \(answers.throttled) THROTTLED of \(requests) "
                    + "(retry-after \(answers.retryAfter.min() ?? 0)...\(answers.retryAfter.max() ?? 0) ms) "
                    + "in \(elapsed); bystander made \(bystander.calls) calls, all OK")
            #expect(answers.total == requests && answers.distinctIDs == requests)
            #expect(answers.ok + answers.throttled == requests)
            #expect(answers.throttled > 0 && answers.ok >= Int(burst))
            #expect(answers.retryAfter.allSatisfy { $0 >= 1 })
            // The bucket never admits more than burst + rate x (time since the connection opened).
            #expect(Double(answers.ok) <= burst + rate * seconds + 1)
            bystander.expectAllSucceeded()
        }
    }

    /// A flood of connections from one address beyond max-connections-per-address: the extra
    /// ones get GOAWAY OVERLOADED at accept, the admitted ones are served, and the bystander
    /// (connected before the flood) keeps working; when the flood leaves, new clients connect.
    @Test func aConnectionFloodBeyondThePerAddressLimitIsRefused() async throws {
        let (limit, flood) = (20, 300)
        try raiseOpenFileLimit(to: 4 * flood + 512)
        try await withServer({
            $0.maxConnectionsPerAddress = limit
            $0.handshakeTimeout = .seconds(30)
        }) { server in
            let (outcome, bystander) = try await Bystander.keepCalling(server) {
                let sockets = try await RawSockets.connect(port: server.port, count: flood)
                let tally = FrameTally(sockets: flood)
                let refusedExpected = flood - (limit - 1)
                let isRefusal: @Sendable (Frame) -> Bool = {
                    $0.header.kind == .goAway && $0.header.code == StatusCode.overloaded.rawValue
                }
                _ = await sockets.pump(timeout: .seconds(60), onFrame: tally.record) {
                    tally.count(where: isRefusal) >= refusedExpected
                }
                let refused = tally.count(where: isRefusal)
                let message = tally.frames.compactMap(\.last).first.map(RawConnection.errorMessage) ?? ""
                let openDuringFlood = server.server.connectionLimiter.open
                // The admitted ones are real connections: each completes a handshake.
                let admitted = tally.frames.indices.filter { tally.frames[$0].isEmpty }
                for index in admitted { sockets.send(index, Self.prefaceAndHello(nameLength: 4)) }
                _ = await sockets.pump(timeout: .seconds(60), onFrame: tally.record) {
                    admitted.allSatisfy { tally.frameCount(of: $0) >= 1 }
                }
                let served = admitted.filter { tally.frames[$0].first?.header.code == 0 }.count
                return (refused, message, openDuringFlood, admitted.count, served)
            }
            let (refused, message, openDuringFlood, admitted, served) = outcome
            print(
                "connection flood: \(refused) of \(flood) refused with GOAWAY OVERLOADED (\(message)); "
                    + "\(admitted) admitted, \(served) served; bystander made \(bystander.calls) calls")
            #expect(refused == flood - (limit - 1))
            #expect(message.contains("max-connections-per-address \(limit)"))
            #expect(openDuringFlood == limit)
            #expect(admitted == limit - 1 && served == limit - 1)
            bystander.expectAllSucceeded()
            // The flood has left: a new client is admitted again.
            #expect(await eventually { server.server.connectionLimiter.open == 0 })
            let after = server.client()
            _ = try await after.serverInfo(.init())
            await after.close()
        }
    }

    static func prefaceAndHello(nameLength: Int) -> [UInt8] {
        var bytes = ByteBuffer(bytes: SRPPreface.bytes)
        bytes.writeFrame(
            kind: .request, code: SRPMethod.hello.rawValue, requestID: 0,
            body: ByteBuffer(
                bytes: try! Srp_HelloRequest.with {
                    $0.protocolVersions = [1]
                    $0.clientName = String(repeating: "s", count: nameLength)
                }.serializedBytes() as [UInt8]))
        return Array(bytes.readableBytesView)
    }
}

// MARK: - A well-behaved client beside the abuse

/// Registers a new version and reads it back, over and over, from before the abuse starts
/// until it ends (at least `minimumRounds`, at most `maximumRounds`).
struct Bystander {
    struct Report {
        var calls = 0
        var failures: [String] = []

        func expectAllSucceeded(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(failures.isEmpty, "bystander failures: \(failures.prefix(5))", sourceLocation: sourceLocation)
            #expect(calls > 0, sourceLocation: sourceLocation)
        }
    }

    private final class Stop: Sendable {
        let flag = Atomic<Bool>(false)
    }

    static func keepCalling<T: Sendable>(
        _ server: TestServer, minimumRounds: Int = 10, maximumRounds: Int = 400,
        during abuse: () async throws -> T
    ) async throws -> (T, Report) {
        let client = server.client()
        // Connected and working before the abuse starts.
        let first = try await client.registerSchema(
            .with {
                $0.subject = "bystander"
                $0.schema = avroRecord("Bystander", seed: 0)
            })
        #expect(try await client.getSchemaById(.with { $0.id = first.id }).schema.id == first.id)
        let stop = Stop()
        let task = Task {
            var report = Report(calls: 2)
            var round = 1
            while round < maximumRounds, round < minimumRounds || !stop.flag.load(ordering: .relaxed) {
                do {
                    let registered = try await client.registerSchema(
                        .with {
                            $0.subject = "bystander"
                            $0.schema = avroRecord("Bystander", seed: round)
                        })
                    report.calls += 1
                    let read = try await client.getSchemaById(.with { $0.id = registered.id })
                    report.calls += 1
                    if read.schema.id != registered.id || !read.schema.schema.contains("f0_\(round)") {
                        report.failures.append("round \(round): read back \(read.schema.id) for \(registered.id)")
                    }
                } catch {
                    report.failures.append("round \(round): \(error)")
                }
                round += 1
                try? await Task.sleep(for: .milliseconds(10))
            }
            return report
        }
        let result: T
        do {
            result = try await abuse()
        } catch {
            stop.flag.store(true, ordering: .relaxed)
            _ = await task.value
            await client.close()
            throw error
        }
        stop.flag.store(true, ordering: .relaxed)
        let report = await task.value
        await client.close()
        return (result, report)
    }
}

// MARK: - Raw sockets by the hundred

/// Frames received per socket, recorded on the reading thread and read after it finished.
final class FrameTally: @unchecked Sendable {
    private let lock = Mutex<[[Frame]]>([])

    init(sockets: Int) {
        lock.withLock { $0 = Array(repeating: [], count: sockets) }
    }

    var record: @Sendable (Int, Frame) -> Void {
        { [self] index, frame in lock.withLock { $0[index].append(frame) } }
    }

    var frames: [[Frame]] { lock.withLock { $0 } }

    func frameCount(of socket: Int) -> Int { lock.withLock { $0[socket].count } }

    /// Sockets whose last frame satisfies `predicate`.
    func count(where predicate: (Frame) -> Bool) -> Int {
        frames.filter { $0.last.map(predicate) ?? false }.count
    }
}

/// Loopback sockets opened without blocking and read with poll(2), on threads of their own.
/// A reset after the server closed counts as closed: the bytes that arrived before it were kept.
final class RawSockets: @unchecked Sendable {
    let fds: [Int32]

    private init(fds: [Int32]) {
        self.fds = fds
    }

    deinit { for fd in fds { close(fd) } }

    /// Opens `count` connections at once (non-blocking connects, then waits for them all).
    static func connect(port: Int, count: Int) async throws -> RawSockets {
        try await onOwnThread {
            var fds: [Int32] = []
            do {
                for _ in 0..<count { fds.append(try connectNonBlocking(port: port)) }
                var pending = Set(fds.indices)
                let deadline = ContinuousClock.now + .seconds(60)
                while !pending.isEmpty, ContinuousClock.now < deadline {
                    var polled = pending.map { pollfd(fd: fds[$0], events: Int16(POLLOUT), revents: 0) }
                    let ready = poll(&polled, nfds_t(polled.count), 100)
                    guard ready > 0 else { continue }
                    for entry in polled where entry.revents != 0 {
                        var error: Int32 = 0
                        var length = socklen_t(MemoryLayout<Int32>.size)
                        getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                        guard error == 0 else { throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO) }
                        pending.remove(fds.firstIndex(of: entry.fd)!)
                    }
                }
                guard pending.isEmpty else { throw POSIXError(.ETIMEDOUT) }
                return RawSockets(fds: fds)
            } catch {
                for fd in fds { close(fd) }
                throw error
            }
        }
    }

    private static func connectNonBlocking(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let error = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .ECONNREFUSED)
        }
        return fd
    }

    /// Sends what the socket takes now; returns how many bytes that was (0 when it would block).
    @discardableResult
    func send(_ index: Int, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes {
            max(0, Glibc.send(fds[index], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)))
        }
    }

    /// Preface and HELLO on every socket; throws unless each gets HELLO_OK.
    func handshake() async throws {
        let tally = FrameTally(sockets: fds.count)
        for index in fds.indices { send(index, AbuseTests.prefaceAndHello(nameLength: 3)) }
        _ = await pump(timeout: .seconds(60), onFrame: tally.record) {
            self.fds.indices.allSatisfy { tally.frameCount(of: $0) >= 1 }
        }
        guard tally.frames.allSatisfy({ $0.first?.header.code == 0 }) else { throw POSIXError(.EPROTO) }
    }

    struct Pumped: Sendable {
        var closed: [Bool]
        /// Bytes of its trickle each socket had sent when it was closed (or the pump ended).
        var trickled: [Int]
        var closedCount: Int { closed.filter { $0 }.count }
    }

    /// Reads every socket, handing each frame to `onFrame`, until all are closed by the
    /// server, `done()` holds, or `timeout` passes. With `trickle`, socket `i` is also sent the
    /// next byte of `trickle[i]` every `interval` while it is open.
    func pump(
        timeout: Duration, trickle: [[UInt8]] = [], interval: Duration = .milliseconds(100),
        onFrame: @escaping @Sendable (Int, Frame) -> Void, done: @escaping @Sendable () -> Bool = { false }
    ) async -> Pumped {
        (try? await onOwnThread { self.blockingPump(timeout, trickle, interval, onFrame, done) })
            ?? Pumped(closed: [], trickled: [])
    }

    private func blockingPump(
        _ timeout: Duration, _ trickle: [[UInt8]], _ interval: Duration, _ onFrame: (Int, Frame) -> Void,
        _ done: () -> Bool
    ) -> Pumped {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var closed = Array(repeating: false, count: fds.count)
        var trickled = Array(repeating: 0, count: fds.count)
        var buffers = Array(repeating: ByteBuffer(), count: fds.count)
        var decoders = Array(
            repeating: SRPFrameDecoder(expectPreface: false, maxBodyLength: 64 * 1024 * 1024), count: fds.count)
        var nextTick = clock.now
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while clock.now < deadline, closed.contains(false), !done() {
            if !trickle.isEmpty, clock.now >= nextTick {
                for index in fds.indices where !closed[index] && trickled[index] < trickle[index].count {
                    trickled[index] += send(index, [trickle[index][trickled[index]]])
                }
                nextTick = nextTick + interval
            }
            let open = fds.indices.filter { !closed[$0] }
            var polled = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            let wait = trickle.isEmpty ? .milliseconds(50) : max(.zero, min(nextTick - clock.now, .milliseconds(50)))
            let ready = poll(&polled, nfds_t(polled.count), Int32(wait / .milliseconds(1)))
            guard ready > 0 else { continue }
            for (slot, entry) in polled.enumerated() where entry.revents != 0 {
                let index = open[slot]
                let count = chunk.withUnsafeMutableBytes {
                    recv(fds[index], $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                }
                if count > 0 {
                    buffers[index].writeBytes(chunk[0..<count])
                    while case .frame(let frame)? = try? decoders[index].decode(buffer: &buffers[index]) {
                        onFrame(index, frame)
                    }
                    if buffers[index].readerIndex > 1 << 20 { buffers[index].discardReadBytes() }
                } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    closed[index] = true
                }
            }
        }
        return Pumped(closed: closed, trickled: trickled)
    }
}

/// Polls `condition` every 20 ms, up to `attempts` times.
/// `count` requests of `method` with the same body, ids 1...count, as one byte stream.
func pipelined(_ method: SRPMethod, _ request: some SwiftProtobuf.Message, count: Int) throws -> [UInt8] {
    let body = ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
    var stream = ByteBuffer()
    for id in 1...count {
        stream.writeFrame(kind: .request, code: method.rawValue, requestID: UInt32(id), body: body)
    }
    return Array(stream.readableBytesView)
}

/// The in-process server shares this process's descriptor limit with the test's sockets.
func raiseOpenFileLimit(to wanted: Int) throws {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw POSIXError(.EPERM) }
    guard limit.rlim_cur < rlim_t(wanted) else { return }
    limit.rlim_cur = min(limit.rlim_max, rlim_t(wanted))
    guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur >= rlim_t(wanted) else {
        throw POSIXError(.EMFILE)
    }
}

/// Resident memory of this process (the server is in-process), from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Answers to pipelined requests, counted on the reading thread.
final class AnswerCount: @unchecked Sendable {
    private struct State {
        var ok = 0
        var throttled = 0
        var other = 0
        var bodyBytes = 0
        var ids = Set<UInt32>()
        var retryAfter: [UInt32] = []
    }

    private let state = Mutex(State())

    var record: @Sendable (Int, Frame) -> Void {
        { [self] _, frame in
            guard frame.header.kind == .response else { return }
            let retryAfter: UInt32? =
                frame.header.code == StatusCode.throttled.rawValue
                ? (try? Srp_ErrorBody(serializedBytes: Array(frame.body.readableBytesView)))?.retryAfterMs : nil
            state.withLock { state in
                switch frame.header.code {
                case 0: state.ok += 1
                case StatusCode.throttled.rawValue: state.throttled += 1
                default: state.other += 1
                }
                if let retryAfter { state.retryAfter.append(retryAfter) }
                state.bodyBytes += frame.body.readableBytes
                state.ids.insert(frame.header.requestID)
            }
        }
    }

    var ok: Int { state.withLock { $0.ok } }
    var throttled: Int { state.withLock { $0.throttled } }
    var total: Int { state.withLock { $0.ok + $0.throttled + $0.other } }
    var bodyBytes: Int { state.withLock { $0.bodyBytes } }
    var distinctIDs: Int { state.withLock { $0.ids.count } }
    var retryAfter: [UInt32] { state.withLock { $0.retryAfter } }
}

/// Sends a pipeline of requests on a non-blocking socket without ever reading (after
/// `warmUpFrames` unsolicited PONG frames of 64 KiB), then (with `padding`) more PONG frames, which the server reads and drops (section 12), so that
/// the stream is large enough to fill the kernel's buffers; it stops padding once a send
/// makes no progress for 300 ms (the server is not reading), finishing the frame it is in.
final class PipelineSender: Sendable {
    struct State: Sendable {
        var stalled = false
        var bytesAtStall = 0
        var finished = false
        var completed = false
        var bytesSent = 0
        var paddingFrames = 0
    }

    private let fd: Int32
    private let requests: [UInt8]
    private let padding: Bool
    private let warmUpFrames: Int
    private let shared = Mutex(State())

    init(fd: Int32, requests: [UInt8], warmUpFrames: Int = 0, padding: Bool = true) {
        self.fd = fd
        self.requests = requests
        self.warmUpFrames = warmUpFrames
        self.padding = padding
    }

    var state: State { shared.withLock { $0 } }

    /// Blocking: call on a thread of its own.
    func run() -> State {
        let deadline = ContinuousClock.now + .seconds(60)
        var pong = ByteBuffer()
        pong.writeFrame(
            kind: .pong, flags: [], code: 0, requestID: 0, encodedBody: ByteBuffer(repeating: 0x50, count: 64 * 1024))
        let pongFrame = Array(pong.readableBytesView)
        var completed = true
        // Warm-up: while the server reads freely, its reads grow to their largest size (64 KiB,
        // over 4,000 of the requests that follow in one read).
        for _ in 0..<warmUpFrames where completed {
            completed = sendAll(pongFrame, deadline: deadline)
        }
        completed = completed && sendAll(requests, deadline: deadline)
        if completed, padding {
            // At most 64 MiB: more than the kernel buffers on both sides can hold.
            for _ in 0..<1024 where completed && !state.stalled {
                completed = sendAll(pongFrame, deadline: deadline)
                shared.withLock { $0.paddingFrames += 1 }
            }
        }
        return shared.withLock {
            $0.finished = true
            $0.completed = completed
            return $0
        }
    }

    private func sendAll(_ bytes: [UInt8], deadline: ContinuousClock.Instant) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
                shared.withLock { $0.bytesSent += sent }
                continue
            }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
            guard ContinuousClock.now < deadline else { return false }
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&entry, 1, 300) == 0 {
                shared.withLock { state in
                    if !state.stalled {
                        state.stalled = true
                        state.bytesAtStall = state.bytesSent
                    }
                }
            }
        }
        return true
    }
}
