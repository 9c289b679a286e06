import Logging
import NIOCore
import NIOExtras
import SRPWire
import SchemaRegistryCore

/// Serves one SRP connection: it turns channel events into events of the pure
/// ``ServerConnectionStateMachine`` and runs the actions it returns. The machine decides the
/// protocol and the flow control (held reads, paused decoding, timers, draining);
/// ``HandshakeResponder`` answers the HELLO; ``OutboundBatch`` holds and flushes the answers;
/// ``RequestRunner`` runs requests off the loop within the server's budgets. The machine's
/// flow-control decisions are run in `SRPConnectionHandler+FlowControl.swift`, frames and
/// requests (with the L1 fast path) are handled in `SRPConnectionHandler+Requests.swift`.
///
/// Hot path: a GetSchemaById whose id is in L1 is answered inside `channelRead`, on the event
/// loop, by copying pre-encoded bytes after a 12-byte header into the batch's output buffer;
/// nothing is decoded or allocated per call beyond that. Every other request runs in a task
/// and its answer is written back on the event loop when it completes, in any order.
/// Answers are written once per connection per tick, however many were produced: a read's
/// several answers at its end, a lone one and those completed off the loop at the end of the
/// event loop's tick, with every other connection's of that tick (``EndOfTickFlusher``).
final class SRPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let shared: Shared
    var machine: ServerConnectionStateMachine
    var batch = OutboundBatch()
    /// This connection's answers, waiting and reserved by running requests.
    var answerBudget: AnswerBudget
    let requests: RequestRunner
    /// Whom the handshake authenticated; nil when no authentication is required.
    var principal: Principal?
    var logger: Logger
    private(set) var context: ChannelHandlerContext?
    /// Writes this connection's answers at the end of the tick; set when the handler is added.
    private var flusher: EndOfTickFlusher?
    /// Its body limit grows once the HELLO is answered (`answerHello`), not per frame: reading
    /// the machine's limit per frame copied the machine.
    var decoder: SRPFrameDecoder
    /// Bytes read and not yet decoded (decoding pauses at the in-flight cap and the budgets).
    var inbound: ByteBuffer?
    private var readingBatch = false
    /// Inside a read: answers are written when it completes (`channelReadComplete`).
    var isReadingBatch: Bool { readingBatch }
    private var bytesReceived = 0
    var handshakeTimer: Scheduled<Void>?
    var muteTimer: Scheduled<Void>?
    var frameTimer: Scheduled<Void>?
    var answerRecheck: Scheduled<Void>?
    private var drainTimer: Scheduled<Void>?
    /// This connection's watches (docs/PROTOCOL.md 19) and its subscription to the hub.
    var watches: WatchSet
    var watchFeed: WatchFeed?
    var revocationTimer: Scheduled<Void>?

    init(shared: Shared) {
        self.shared = shared
        self.machine = ServerConnectionStateMachine(configuration: shared.configuration.connection, now: Self.now)
        self.decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: machine.maxBodyLength)
        self.logger = shared.logger
        self.answerBudget = AnswerBudget(connectionBytes: shared.configuration.answerBudgetBytes)
        self.requests = RequestRunner(shared: shared)
        self.watches = WatchSet(
            queueLimit: shared.configuration.watchQueueEvents, maxWatches: shared.configuration.watchMaxPerConnection)
    }

    static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        flusher = shared.flushers.flusher(for: context.eventLoop)
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        if context.channel.isActive { startHandshakeTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHandshakeTimer(context)
        context.fireChannelActive()
    }

    private func startHandshakeTimer(_ context: ChannelHandlerContext) {
        guard handshakeTimer == nil else { return }
        handshakeTimer = schedule(in: TimeAmount(shared.configuration.handshakeTimeout), context) { handler, context in
            if case .goAwayAndClose(let status, let message) = handler.machine.handshakeTimedOut() {
                handler.goAwayAndClose(context, status, message)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let inbound, inbound.readableBytes > 0, !machine.isClosing {
            logger.notice("connection closed mid-frame", metadata: ["unread_bytes": "\(inbound.readableBytes)"])
        }
        machine.closed()
        publishCounts()
        stopWatchFeed()
        for timer in [handshakeTimer, muteTimer, drainTimer, frameTimer, answerRecheck] { timer?.cancel() }
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
        // A connection with a watch is waiting for events, not idle.
        case IdleStateHandler.IdleStateEvent.read where machine.isReady && machine.inFlight == 0 && watches.isEmpty:
            goAwayAndClose(context, .idleTimeout, "no frames for \(shared.configuration.idleTimeout)")
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Runs `body` on the event loop after `delay`, while the connection is open.
    func schedule(
        in delay: TimeAmount, _ context: ChannelHandlerContext,
        _ body: @escaping (SRPConnectionHandler, ChannelHandlerContext) -> Void
    ) -> Scheduled<Void> {
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, let context = self.context else { return }
            body(self, context)
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
        // Written now: a pass stopped at the output budget (the resume tick's pass comes after
        // its write and finds the socket's writability: the budget bounds what waits), and the
        // answers of a pipelining client (one write already serves several answers per
        // wake-up; waiting would only delay them behind the other connections' reads). A
        // single answer waits for the end of the tick, to share its client's wake-up.
        if machine.decodePause == .outputBudget || batch.cachedAnswers > 1 {
            flushOutput(context)
        } else {
            scheduleFlush(context)
        }
        publishCounts()
        context.fireChannelReadComplete()
    }

    private func publishCounts() {
        let counts = batch.takeCounts()
        shared.metrics.recordCachedAnswers(counts.cachedAnswers)
        if bytesReceived > 0 { shared.metrics.bytesReceived.increment(by: Int64(bytesReceived)) }
        if counts.compressedWire > 0 {
            shared.metrics.compressedPlainBytes.increment(by: Int64(counts.compressedPlain))
            shared.metrics.compressedWireBytes.increment(by: Int64(counts.compressedWire))
        }
        bytesReceived = 0
    }

    /// Backpressure: the machine passes a read on only while it accepts more requests and the
    /// socket takes our writes (``ServerConnectionStateMachine/readRequested(now:writable:)``).
    func read(context: ChannelHandlerContext) {
        let now = Self.now
        run(machine.readRequested(now: now, writable: context.channel.isWritable), now: now, context)
    }

    func decodeFrames(_ context: ChannelHandlerContext) {
        guard !machine.isClosing, var buffer = inbound else { return }
        inbound = nil
        machine.decodePassStarted()
        var out = batch.beginPass()
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
                now: now, outputFull: out.readableBytes >= OutboundBatch.passBudget, framesBuffered: framesBuffered,
                answersOverBudget: framesBuffered
                    && (serverOverAnswerBudget || answersOverBudget(waiting: out.readableBytes, context)))
            if case .stop(let reason) = step {
                pause = reason
                break
            }
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
            } catch {
                closeReason = ((error as? ProtocolViolation)?.status ?? .protocolError, RequestRunner.describe(error))
                break
            }
        }
        batch.endPass(out)
        if buffer.readableBytes > 0 {
            if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
            inbound = buffer
        }
        if let (status, message) = closeReason {
            goAwayAndClose(context, status, message)
            return
        }
        run(
            machine.decodePassEnded(
                pausedBy: pause, now: now, partialFrame: waitingForBytes && buffer.readableBytes > 0,
                serverAnswersOver: pause == .answerBudget && shared.answers.isOver), now: now, context)
    }

    // MARK: Writing and closing

    func flushOutput(_ context: ChannelHandlerContext) {
        guard let chunk = batch.take(allocator: context.channel.allocator) else { return }
        write(chunk, context)
    }

    /// Writes what is pending at the end of this tick (once per tick, however many answers).
    /// Inside a read it waits for `channelReadComplete`, which asks for it.
    func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !readingBatch, batch.flushNeedsScheduling() else { return }
        flusher?.flushAtEndOfTick(self)
    }

    /// The end of the tick (``EndOfTickFlusher``): writes what is pending, if still open.
    func flushScheduledOutput() {
        guard let context, let chunk = batch.takeForScheduledFlush(allocator: context.channel.allocator) else {
            return
        }
        write(chunk, context)
    }

    func write(_ chunk: ByteBuffer, _ context: ChannelHandlerContext) {
        shared.metrics.bytesSent.increment(by: Int64(chunk.readableBytes))
        context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        // The write went to the socket (or its queue): a timed cached answer is out.
        if let waited = batch.timedAnswerWritten(now: Self.now) {
            shared.metrics.recordCachedLatency(nanoseconds: waited)
        }
    }

    func goAwayAndClose(_ context: ChannelHandlerContext, _ status: StatusCode, _ message: String) {
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
        batch.appendFrame(
            kind: .goAway, code: status.rawValue, requestID: machine.lastDispatchedRequestID,
            encodedBody: ByteBuffer(bytes: try! body.serializedBytes() as [UInt8]))
    }

    /// Writes what is pending and closes. The close is a lingering one
    /// (``LingeringCloseHandler`` at the head of the pipeline): the write side is shut after
    /// these bytes, and input is drained for a bounded time, so the peer reads the GOAWAY
    /// even if it is still sending. Closing at once, without waiting for the write to
    /// complete, keeps a client that never reads from holding the connection open.
    func closeAfterFlush(_ context: ChannelHandlerContext) {
        machine.closeStarted()
        let chunk = batch.takeAll()
        shared.metrics.bytesSent.increment(by: Int64(chunk.readableBytes))
        context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
        context.close(promise: nil)
    }

    /// Graceful shutdown: GOAWAY now, close when in-flight requests are answered (or at the deadline).
    private func beginDrain(_ context: ChannelHandlerContext) {
        let action = machine.drainRequested()
        guard action != .none else { return }
        writeGoAway(.shuttingDown, "server shutting down")
        endWatchesForDrain()
        flushOutput(context)
        guard action == .goAwayAndAwaitInFlight else { return closeAfterFlush(context) }
        drainTimer = schedule(in: TimeAmount(shared.configuration.drainTimeout), context) { handler, context in
            handler.logger.warning("drain deadline passed", metadata: ["in_flight": "\(handler.machine.inFlight)"])
            handler.closeAfterFlush(context)
        }
    }
}
