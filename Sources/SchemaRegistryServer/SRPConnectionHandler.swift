import Logging
import NIOCore
import NIOExtras
import SRPWire
import SchemaRegistryCore

/// Serves one SRP connection. It turns channel events into calls on the pure
/// ``ServerConnectionStateMachine`` and performs the actions it returns.
///
/// Hot path: a GetSchemaById whose id is in L1 is answered inside `channelRead`, on the event
/// loop, by copying pre-encoded bytes after a 12-byte header into the batch's output buffer;
/// nothing is decoded or allocated per call beyond that. Every other request runs in a task
/// and its answer is written back on the event loop when it completes, in any order.
/// Answers produced while reading are flushed once at `channelReadComplete`; answers that
/// complete later are coalesced into one flush per event-loop tick.
final class SRPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What every connection of a server shares.
    struct Shared: Sendable {
        var configuration: ServerConfiguration
        var dispatcher: RequestDispatcher
        var cache: EncodedSchemaCache
        var logger: Logger
        var metrics: ServerMetrics
        /// nil: no authentication (tests and embedders); otherwise checked at HELLO.
        var keyRing: APIKeyRing?
        /// The server-wide in-flight budget.
        var overload: OverloadGuard
        /// The server-wide budget of answer bytes reserved by running requests.
        var answers: GlobalAnswerBudget
        /// The server-wide budget of decompressed request bodies held by running requests.
        var decompression: DecompressionBudget
    }

    private let shared: Shared
    private var machine: ServerConnectionStateMachine
    private var decoder: SRPFrameDecoder
    private var logger: Logger
    private var context: ChannelHandlerContext?
    /// Bytes read and not yet decoded (decoding pauses at the in-flight cap).
    private var inbound: ByteBuffer?
    /// Frames to write at the next flush.
    private var output: ByteBuffer
    private var readingBatch = false
    private var flushScheduled = false
    private var answerBudget: AnswerBudget
    private var answerRecheck: Scheduled<Void>?
    /// Answers one decode pass may produce before it stops (checked between frames). Without
    /// it, one 64 KiB read of GetSchemaById requests for a 100 KiB schema built ~400 MiB of
    /// answers at once, read by the client or not (AbuseTests, the never-reading client).
    private static let outputBudget = 1 << 20
    private var muteTimer: Scheduled<Void>?
    private var handshakeTimer: Scheduled<Void>?
    private var drainTimer: Scheduled<Void>?
    /// Armed while a frame has started arriving and is not complete (slow senders are closed).
    private var frameTimer: Scheduled<Void>?
    /// Counted locally and added to the shared metrics once per read batch (no atomics per request).
    private var cachedAnswers = 0
    /// Cached answers until the next one is timed: the first of a connection, then 1 in
    /// ``MetricsCatalog/cachedReadSampling`` (a decrement per answer, not a clock read).
    private var untilTimedAnswer = 0
    /// When the read bringing a timed cached answer was decoded; 0: none waits for its flush.
    private var timedAnswerSince: UInt64 = 0
    private var bytesReceived = 0
    /// Sizes of bodies sent compressed, before and after (published with the counts above).
    private var compressedPlain = 0
    private var compressedWire = 0
    /// Whom the handshake authenticated; nil when no authentication is required.
    private var principal: Principal?

    init(shared: Shared) {
        self.shared = shared
        let now = NIODeadline.now().uptimeNanoseconds
        self.machine = ServerConnectionStateMachine(configuration: shared.configuration.connection, now: now)
        self.decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: machine.maxBodyLength)
        self.logger = shared.logger
        self.output = ByteBufferAllocator().buffer(capacity: 16 * 1024)
        self.answerBudget = AnswerBudget(connectionBytes: shared.configuration.answerBudgetBytes)
    }

    private var compression: CompressionPolicy {
        machine.lz4Negotiated
            ? CompressionPolicy(lz4: true, threshold: shared.configuration.compressionThreshold) : .none
    }

    private static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        if context.channel.isActive { startHandshakeTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHandshakeTimer(context)
        context.fireChannelActive()
    }

    private func startHandshakeTimer(_ context: ChannelHandlerContext) {
        guard handshakeTimer == nil else { return }
        let timeout = TimeAmount(shared.configuration.handshakeTimeout)
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, let context = self.context else { return }
            if case .goAwayAndClose(let status, let message) = self.machine.handshakeTimedOut() {
                self.goAwayAndClose(context, status, message)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let inbound, inbound.readableBytes > 0, !machine.isClosing {
            logger.notice("connection closed mid-frame", metadata: ["unread_bytes": "\(inbound.readableBytes)"])
        }
        machine.closed()
        publishCounts()
        handshakeTimer?.cancel()
        muteTimer?.cancel()
        drainTimer?.cancel()
        frameTimer?.cancel()
        answerRecheck?.cancel()
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            beginDrain(context)
        // Before HELLO_OK the handshake timeout governs: an idle timeout shorter than it must
        // not close a connection whose HELLO is merely late.
        case IdleStateHandler.IdleStateEvent.read where machine.isReady && machine.inFlight == 0:
            goAwayAndClose(context, .idleTimeout, "no frames for \(shared.configuration.idleTimeout)")
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        bytesReceived += bytes.readableBytes
        readingBatch = true
        if inbound == nil {
            inbound = bytes
        } else {
            inbound!.writeBuffer(&bytes)
        }
        decodeFrames(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readingBatch = false
        flushOutput(context)
        publishCounts()
        context.fireChannelReadComplete()
    }

    private func publishCounts() {
        shared.metrics.recordCachedAnswers(cachedAnswers)
        if bytesReceived > 0 { shared.metrics.bytesReceived.increment(by: Int64(bytesReceived)) }
        if compressedWire > 0 {
            shared.metrics.compressedPlainBytes.increment(by: Int64(compressedPlain))
            shared.metrics.compressedWireBytes.increment(by: Int64(compressedWire))
        }
        cachedAnswers = 0
        bytesReceived = 0
        compressedPlain = 0
        compressedWire = 0
    }

    /// Backpressure: the machine passes a read on only while it accepts more requests and the
    /// socket takes our writes (``ServerConnectionStateMachine/readRequested(now:writable:)``).
    func read(context: ChannelHandlerContext) {
        let now = Self.now
        run(machine.readRequested(now: now, writable: context.channel.isWritable), now: now, context)
    }

    /// An empty buffer parked in `output` while a batch writes to a local one.
    private static let parked = ByteBuffer()

    private func decodeFrames(_ context: ChannelHandlerContext) {
        guard !machine.isClosing, var buffer = inbound else { return }
        inbound = nil
        machine.decodePassStarted()
        // The batch's answers go to a local buffer: one swap per read instead of a dynamically
        // checked access to `self.output` per frame (that check was ~10% of the cached path).
        var out = output
        output = Self.parked
        // One clock read per batch: every frame of a read arrived at the same moment anyway.
        let now = Self.now
        var closeReason: (StatusCode, String)?
        var waitingForBytes = false
        var pause: ServerConnectionStateMachine.DecodePause?
        // Once per pass: the server-wide answer budget (one atomic load, not one per frame).
        let serverOverAnswerBudget = shared.answers.isOver
        decoding: while true {
            let framesBuffered = buffer.readableBytes > 0
            let step = machine.nextDecodeStep(
                now: now, outputFull: out.readableBytes >= Self.outputBudget, framesBuffered: framesBuffered,
                answersOverBudget: framesBuffered
                    && (serverOverAnswerBudget || answersOverBudget(waiting: out.readableBytes, context)))
            if case .stop(let reason) = step {
                pause = reason
                break
            }
            decoder.maxBodyLength = machine.maxBodyLength
            do {
                guard let item = try decoder.decode(buffer: &buffer) else {
                    waitingForBytes = true
                    break
                }
                switch item {
                case .preface:
                    machine.prefaceReceived()
                case .frame(let frame):
                    if let reason = handle(frame, now: now, into: &out, context) {
                        closeReason = reason
                        break decoding
                    }
                }
            } catch let violation as ProtocolViolation {
                closeReason = (violation.status, violation.message)
                break
            } catch {
                closeReason = (.protocolError, "\(error)")
                break
            }
        }
        // A task that finished before its callback was registered answers synchronously,
        // into `output`: keep those answers too.
        if output.readableBytes > 0 {
            var late = output
            out.writeBuffer(&late)
        }
        output = out
        if buffer.readableBytes > 0 {
            if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
            inbound = buffer
        }
        if let (status, message) = closeReason {
            goAwayAndClose(context, status, message)
        } else {
            let after = machine.decodePassEnded(
                pausedBy: pause, now: now, partialFrame: waitingForBytes && buffer.readableBytes > 0,
                serverAnswersOver: pause == .answerBudget && shared.answers.isOver)
            run(after, now: now, context)
        }
    }

    private func run(
        _ after: ServerConnectionStateMachine.AfterDecodePass, now: UInt64, _ context: ChannelHandlerContext
    ) {
        if let wakeAt = after.wakeAt { armMuteTimer(wakeAt: wakeAt, now: now, context) }
        switch after.frameTimer {
        case .arm: armFrameTimer(context)
        case .cancel:
            frameTimer?.cancel()
            frameTimer = nil
        case .keep: break
        }
        if after.resumeNextTick { resumeDecodingNextTick(context) }
        if after.recheckAnswers { recheckAnswersLater(context) }
    }

    /// Decodes the next budget of frames on a later tick, once what was produced is flushed
    /// and while the channel is writable (otherwise `channelWritabilityChanged` calls again).
    private func resumeDecodingNextTick(_ context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().execute { [self] in
            guard let context = self.context, machine.resumeTickRan(writable: context.channel.isWritable) else {
                return
            }
            decodeFrames(context)
            flushOutput(context)
            resumeHeldRead(context)
        }
    }

    /// A frame that started arriving must be complete within the frame timeout.
    private func armFrameTimer(_ context: ChannelHandlerContext) {
        let timeout = shared.configuration.frameTimeout
        frameTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
            guard let self, let context = self.context, self.machine.frameTimerFired() else { return }
            self.goAwayAndClose(
                context, .idleTimeout, "a frame took longer than \(timeout) to arrive (frame-timeout-ms)")
        }
    }

    /// Runs the machine's action for a frame; returns a reason when the connection must close.
    private func handle(_ frame: Frame, now: UInt64, into out: inout ByteBuffer, _ context: ChannelHandlerContext)
        -> (StatusCode, String)?
    {
        let declared = Self.declaredDecompressedSize(frame)
        switch machine.frameReceived(frame.header, now: now, decompressedSize: declared) {
        case .handshake(let requestID):
            return completeHandshake(frame, requestID: requestID, into: &out)
        case .dispatch(let method, let requestID):
            return dispatch(
                frame, method: method, requestID: requestID, declaredSize: declared, now: now,
                into: &out, context)
        case .reject(let requestID, let status, let message, let retryAfter):
            shared.metrics.rejected.increment()
            shared.metrics.recordAnswered(SRPMethod(rawValue: frame.header.code), status: status)
            appendReply(.error(status, message, retryAfterMilliseconds: retryAfter), requestID: requestID, into: &out)
        case .pong(let requestID):
            out.writeFrame(kind: .pong, flags: [], code: 0, requestID: requestID, encodedBody: frame.body)
        case .ignore:
            break
        case .goAwayAndClose(let status, let message):
            return (status, message)
        }
        return nil
    }

    /// OVERLOADED when the server-wide budget of inflated bodies cannot take `bytes` more.
    private func refuseInflation(_ bytes: Int, method: SRPMethod) -> Reply? {
        let decompression = shared.decompression
        guard !decompression.tryAcquire(bytes) else { return nil }
        let isWrite = Authorization.requiredRole(method) >= .write
        (isWrite ? shared.metrics.shedWrites : shared.metrics.shedReads).increment()
        shared.metrics.recordAnswered(method, status: .overloaded)
        return Reply.error(
            .overloaded,
            "server is decompressing \(decompression.inFlight) bytes of request bodies already "
                + "(max-decompressed-bytes-in-flight \(decompression.capacityBytes))",
            retryAfterMilliseconds: shared.overload.retryAfterMilliseconds)
    }

    private func releaseInflation(_ bytes: Int) {
        if bytes > 0 { shared.decompression.release(bytes) }
    }

    /// Bodies inflating to more than this are decompressed off the event loop.
    private static let inflateOnLoopLimit = 64 * 1024

    private static func describe(_ error: any Error) -> String {
        (error as? ProtocolViolation)?.message ?? "\(error)"
    }

    /// The size an LZ4 request body declares after decompression (its first 4 bytes, after the
    /// deadline when there is one), read without decompressing; 0 for other frames.
    private static func declaredDecompressedSize(_ frame: Frame) -> Int {
        guard frame.header.flags.contains(.lz4), frame.header.kind == .request else { return 0 }
        let offset = frame.header.flags.contains(.deadline) ? FrameHeader.deadlinePrefixSize : 0
        return frame.body.getInteger(at: frame.body.readerIndex + offset, as: UInt32.self).map(Int.init) ?? 0
    }

    // MARK: Handshake

    private func completeHandshake(_ frame: Frame, requestID: UInt32, into out: inout ByteBuffer)
        -> (StatusCode, String)?
    {
        guard frame.header.flags.isEmpty,
            let hello = try? Srp_HelloRequest(serializedBytes: Array(frame.body.readableBytesView))
        else {
            machine.handshakeFailed()
            return (.malformedRequest, "HELLO body is not a valid uncompressed HelloRequest")
        }
        let version = UInt32(SRPPreface.version)
        guard hello.protocolVersions.isEmpty || hello.protocolVersions.contains(version) else {
            machine.handshakeFailed()
            return (
                .unsupportedVersion,
                "client speaks protocol versions \(hello.protocolVersions); this server speaks \(version)"
            )
        }
        switch shared.keyRing?.authenticate(apiKey: hello.credentials.apiKey) ?? .open {
        case .open:
            principal = nil
        case .allowed(let who):
            principal = who
            logger[metadataKey: "key_id"] = "\(who.keyID)"
        case .rejected(let reason):
            // One answer for every refusal: a client cannot tell an unknown key from a revoked one.
            shared.metrics.authFailures.increment()
            logger.notice("authentication failed", metadata: ["reason": "\(reason)"])
            machine.handshakeFailed()
            return (
                .unauthenticated,
                "this server requires a valid API key: pass --api-key or set SCHEMA_REGISTRY_API_KEY "
                    + "(clients: HelloRequest.credentials.api_key)"
            )
        }
        let lz4 = shared.configuration.compression && hello.compressions.contains(.lz4)
        let limits = shared.configuration.connection
        let answer = Srp_HelloResponse.with {
            $0.protocolVersion = version
            $0.compression = lz4 ? .lz4 : .none
            $0.maxFrameSize = UInt32(limits.maxBody)
            $0.tokenRate = UInt32(limits.tokenRate)
            $0.tokenBurst = UInt32(limits.tokenBurst)
            $0.maxInFlight = UInt32(limits.maxInFlight)
            $0.serverID = shared.configuration.serverID
            $0.compressionThreshold = UInt32(shared.configuration.compressionThreshold)
            $0.serverVersion = SRPServer.version
            $0.requestDeadlines = true
        }
        appendReply(
            Reply(status: .ok, body: ByteBuffer(bytes: try! answer.serializedBytes() as [UInt8])), requestID: requestID,
            into: &out)
        machine.handshakeCompleted(lz4: lz4)
        handshakeTimer?.cancel()
        logger[metadataKey: "client"] = "\(hello.clientName)"
        logger.debug("handshake complete", metadata: ["lz4": "\(lz4)"])
        return nil
    }

    // MARK: Requests

    /// - Parameter declaredSize: what an LZ4 body declares after decompression (0 otherwise).
    private func dispatch(
        _ frame: Frame, method: SRPMethod, requestID: UInt32, declaredSize: Int, now: UInt64,
        into out: inout ByteBuffer, _ context: ChannelHandlerContext
    ) -> (StatusCode, String)? {
        if let principal, principal.isRevoked {
            machine.requestCompleted()
            return (.unauthenticated, "API key \(principal.keyID) was revoked")
        }
        var frame = frame
        let deadline: UInt32?
        do {
            deadline = try frame.takeDeadline()
        } catch {
            let violation = error as? ProtocolViolation
            shared.metrics.recordAnswered(method, status: .malformedRequest)
            appendReply(.error(.malformedRequest, violation?.message ?? "\(error)"), requestID: requestID, into: &out)
            machine.requestCompleted()
            return nil
        }
        let maxBody = shared.configuration.connection.maxBody
        // Held until the request finishes (its inflated body lives that long). A size over the
        // frame limit is refused by decoding before any work, so it takes nothing. Plain bodies
        // (every cached read) never touch the budget.
        let inflated = declaredSize <= maxBody ? declaredSize : 0
        if inflated > 0, let refusal = refuseInflation(inflated, method: method) {
            appendReply(refusal, requestID: requestID, into: &out)
            machine.requestCompleted()
            return nil
        }
        // A body that inflates past 64 KiB is decompressed in the request's task, off the event
        // loop: 4 MiB decompressed on the loop held up every connection sharing it (a bystander's
        // cached reads waited behind legal LZ4 bombs). Such a body is never a cached read.
        let lz4Allowed = machine.lz4Negotiated
        var body: ByteBuffer?
        if inflated <= Self.inflateOnLoopLimit {
            do {
                body = try frame.decodedBody(
                    maxSize: maxBody, lz4Allowed: lz4Allowed, allocator: context.channel.allocator)
            } catch {
                releaseInflation(inflated)
                shared.metrics.recordAnswered(method, status: .badCompression)
                appendReply(.error(.badCompression, Self.describe(error)), requestID: requestID, into: &out)
                machine.requestCompleted()
                return nil
            }
        }
        // The fast path serves keys that may read every subject; a key limited to subject
        // prefixes goes through the dispatcher, which checks the schema's subjects.
        if method == .getSchemaById, principal?.isUnrestricted ?? true, let body,
            let id = FastRequestParser.schemaID(body), let entry = shared.cache.entry(for: id)
        {
            if let compressed = entry.lz4, machine.lz4Negotiated {
                out.writeFrame(kind: .response, flags: .lz4, code: 0, requestID: requestID, encodedBody: compressed)
                compressedPlain += entry.plain.readableBytes
                compressedWire += compressed.readableBytes
            } else {
                out.writeFrame(kind: .response, flags: [], code: 0, requestID: requestID, encodedBody: entry.plain)
            }
            cachedAnswers += 1
            if untilTimedAnswer == 0 {
                untilTimedAnswer = MetricsCatalog.cachedReadSampling - 1
                if timedAnswerSince == 0 { timedAnswerSince = now }
            } else {
                untilTimedAnswer -= 1
            }
            releaseInflation(inflated)
            machine.requestCompleted()
            return nil
        }
        let overload = shared.overload
        let isWrite = Authorization.requiredRole(method) >= .write
        guard overload.tryAcquire(isWrite: isWrite, now: now) else {
            (isWrite ? shared.metrics.shedWrites : shared.metrics.shedReads).increment()
            shared.metrics.recordAnswered(method, status: .overloaded)
            let limit = isWrite ? overload.currentWriteLimit : overload.currentLimit
            let reply = Reply.error(
                .overloaded,
                "server at its in-flight budget (\(limit) \(isWrite ? "writes" : "requests"))",
                retryAfterMilliseconds: overload.retryAfterMilliseconds)
            appendReply(reply, requestID: requestID, into: &out)
            releaseInflation(inflated)
            machine.requestCompleted()
            return nil
        }
        let dispatcher = shared.dispatcher
        let principal = self.principal
        let started = Self.now
        let reservation = answerBudget.reservation(for: method)
        answerBudget.dispatched(reservation: reservation)
        shared.answers.add(reservation)
        let promise = context.eventLoop.makePromise(of: Reply.self)
        promise.completeWithTask { [body, frame] in
            let requestBody: ByteBuffer
            if let body {
                requestBody = body
            } else {
                do {
                    requestBody = try frame.decodedBody(
                        maxSize: maxBody, lz4Allowed: lz4Allowed, allocator: ByteBufferAllocator())
                } catch {
                    dispatcher.metrics.recordAnswered(method, status: .badCompression)
                    return .error(.badCompression, Self.describe(error))
                }
            }
            return await dispatcher.handle(method, body: requestBody, principal: principal)
        }
        let expiry = deadline.flatMap {
            $0 > 0 ? armDeadline(milliseconds: $0, method: method, requestID, context) : nil
        }
        promise.futureResult.assumeIsolated().whenSuccess { [self] reply in
            let now = Self.now  // the batch's clock is long stale by now
            overload.release(isWrite: isWrite, latency: now &- started, now: now)
            answerBudget.completed(reservation: reservation, answerBytes: reply.body.readableBytes)
            shared.answers.add(-reservation)
            releaseInflation(inflated)
            if let expiry {
                // Answered DEADLINE_EXCEEDED already: the client stopped waiting, drop the late answer.
                guard !expiry.answered else {
                    // (Counted complete when the deadline answered.) Its reservation is free now.
                    if let context = self.context { resumeAfterAnswers(context) }
                    return
                }
                expiry.timer?.cancel()
            }
            complete(reply, requestID: requestID)
        }
        return nil
    }

    /// A request whose client waits only so long (the DEADLINE flag).
    private final class Expiry {
        var answered = false
        var timer: Scheduled<Void>?
    }

    /// Answers DEADLINE_EXCEEDED when the client's budget runs out before the request
    /// completes. The work itself runs on (a store write cannot be safely cut off halfway);
    /// its late answer is dropped, so a write's outcome is unknown to the client (PROTOCOL.md 6.1).
    private func armDeadline(
        milliseconds: UInt32, method: SRPMethod, _ requestID: UInt32, _ context: ChannelHandlerContext
    ) -> Expiry {
        let expiry = Expiry()
        expiry.timer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(milliseconds))) {
            [weak self] in
            guard let self, !expiry.answered else { return }
            expiry.answered = true
            self.shared.metrics.deadlinesExceeded.increment()
            self.complete(
                .error(.deadlineExceeded, "\(method.name) did not complete within its deadline of \(milliseconds) ms"),
                requestID: requestID)
        }
        return expiry
    }

    /// A request that ran in a task has its answer (we are back on the event loop).
    private func complete(_ reply: Reply, requestID: UInt32) {
        guard machine.asyncRequestCompleted(), let context else { return }
        appendReply(reply, requestID: requestID, into: &output)
        if !readingBatch { scheduleFlush(context) }
        // The cap may have paused decoding with frames still buffered, or held a read.
        if inbound != nil, machine.mayResumeDecoding(now: Self.now) { decodeFrames(context) }
        resumeHeldRead(context)
        if machine.drainFinished { closeAfterFlush(context) }
    }

    private func appendReply(_ reply: Reply, requestID: UInt32, into out: inout ByteBuffer) {
        let limit = shared.configuration.connection.maxBody
        if reply.body.readableBytes > limit {
            // Never send what the client agreed not to accept; say why instead.
            let tooLarge = Reply.error(
                .internalError, "response of \(reply.body.readableBytes) bytes exceeds the frame limit of \(limit)")
            out.writeFrame(kind: .response, code: tooLarge.status.rawValue, requestID: requestID, body: tooLarge.body)
            return
        }
        let written = out.writeFrame(
            kind: .response, code: reply.status.rawValue, requestID: requestID, body: reply.body,
            compression: compression)
        let wireBody = written - FrameHeader.size
        if wireBody != reply.body.readableBytes {
            compressedPlain += reply.body.readableBytes
            compressedWire += wireBody
        }
    }

    // MARK: Writing

    private func flushOutput(_ context: ChannelHandlerContext) {
        guard output.readableBytes > 0 else { return }
        let chunk = output
        output = context.channel.allocator.buffer(capacity: max(16 * 1024, chunk.readableBytes))
        shared.metrics.bytesSent.increment(by: Int64(chunk.readableBytes))
        context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        if timedAnswerSince != 0 {
            // The write above went to the socket (or its queue): the timed answer is out.
            shared.metrics.recordCachedLatency(nanoseconds: Self.now &- timedAnswerSince)
            timedAnswerSince = 0
        }
    }

    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushScheduled = false
            if let context = self.context { flushOutput(context) }
        }
    }

    // MARK: Flow control

    /// Whether answers waiting for this client, and those of requests still running, are over
    /// the connection's budget or the server's (``AnswerBudget``). Cheap when nothing runs and
    /// the socket takes what is written: the common case of a client that reads.
    private func answersOverBudget(waiting produced: Int, _ context: ChannelHandlerContext) -> Bool {
        // Nothing running on this connection: cached answers are bounded by the output budget
        // per pass and the read held while the socket is full. (The server-wide budget is
        // checked once per pass, in decodeFrames.)
        guard answerBudget.reserved > 0 else { return false }
        let backlog = (try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
        return answerBudget.isOver(waiting: produced + output.readableBytes + backlog)
    }

    /// Answers completed or the socket drained: decode what waits, then read again if allowed.
    private func resumeAfterAnswers(_ context: ChannelHandlerContext) {
        guard machine.decodePause == .answerBudget else { return }
        if inbound != nil, machine.mayResumeDecoding(now: Self.now) { decodeFrames(context) }
        flushOutput(context)
        resumeHeldRead(context)
    }

    /// Paused by the server-wide budget, which other connections' completions free: nothing
    /// on this connection would wake it, so look again shortly (only while paused).
    private func recheckAnswersLater(_ context: ChannelHandlerContext) {
        answerRecheck = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(10)) { [weak self] in
            guard let self, let context = self.context else { return }
            self.answerRecheck = nil
            if self.machine.answerRecheckFired() { self.resumeAfterAnswers(context) }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let after = machine.writabilityChanged(writable: context.channel.isWritable)
        if after.resumeNextTick { resumeDecodingNextTick(context) }
        if after.resumeAfterAnswers { resumeAfterAnswers(context) }
        resumeHeldRead(context)
        context.fireChannelWritabilityChanged()
    }

    private func resumeHeldRead(_ context: ChannelHandlerContext, now: UInt64 = NIODeadline.now().uptimeNanoseconds) {
        run(machine.resumeHeldRead(now: now, writable: context.channel.isWritable), now: now, context)
    }

    private func run(
        _ decision: ServerConnectionStateMachine.ReadDecision, now: UInt64, _ context: ChannelHandlerContext
    ) {
        switch decision {
        case .read: context.read()
        case .hold: break
        case .holdAndWake(let wakeAt): armMuteTimer(wakeAt: wakeAt, now: now, context)
        }
    }

    /// After THROTTLED, reads and decoding stay muted until the retry-after passes; then both
    /// resume. `now` is when the machine found the mute (the delay is measured from it).
    private func armMuteTimer(wakeAt: UInt64, now: UInt64, _ context: ChannelHandlerContext) {
        let delay = TimeAmount.nanoseconds(Int64(wakeAt - now))
        muteTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, let context = self.context else { return }
            self.machine.muteTimerFired()
            if self.inbound != nil { self.decodeFrames(context) }
            self.flushOutput(context)
            self.resumeHeldRead(context)
        }
    }

    // MARK: Closing

    private func goAwayAndClose(_ context: ChannelHandlerContext, _ status: StatusCode, _ message: String) {
        guard machine.goAwayRequested() else { return }
        logger.notice("closing connection", metadata: ["status": "\(status)", "reason": "\(message)"])
        writeGoAway(status, message)
        closeAfterFlush(context)
    }

    private func writeGoAway(_ status: StatusCode, _ message: String) {
        let body = Srp_ErrorBody.with {
            $0.code = UInt32(status.rawValue)
            $0.message = message
        }
        output.writeFrame(
            kind: .goAway, flags: [], code: status.rawValue, requestID: machine.lastDispatchedRequestID,
            encodedBody: ByteBuffer(bytes: try! body.serializedBytes() as [UInt8]))
    }

    /// Writes what is pending and closes. The close is a lingering one
    /// (``LingeringCloseHandler`` at the head of the pipeline): the write side is shut after
    /// these bytes, and input is drained for a bounded time, so the peer reads the GOAWAY
    /// even if it is still sending. Closing at once, without waiting for the write to
    /// complete, keeps a client that never reads from holding the connection open.
    private func closeAfterFlush(_ context: ChannelHandlerContext) {
        machine.closeStarted()
        let chunk = output
        output.clear()
        shared.metrics.bytesSent.increment(by: Int64(chunk.readableBytes))
        context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        context.close(promise: nil)
    }

    /// Graceful shutdown: GOAWAY now, close when in-flight requests are answered (or at the deadline).
    private func beginDrain(_ context: ChannelHandlerContext) {
        let action = machine.drainRequested()
        guard action != .none else { return }
        writeGoAway(.shuttingDown, "server shutting down")
        flushOutput(context)
        if action == .goAwayAndClose {
            closeAfterFlush(context)
            return
        }
        drainTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(shared.configuration.drainTimeout))
        {
            [weak self] in
            guard let self, let context = self.context else { return }
            self.logger.warning("drain deadline passed", metadata: ["in_flight": "\(self.machine.inFlight)"])
            self.closeAfterFlush(context)
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
