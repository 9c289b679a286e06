import NIOCore
import SRPWire

/// Runs the flow-control decisions of ``ServerConnectionStateMachine``: the machine decides
/// when reads are held, when decoding pauses and what wakes it; these functions only arm the
/// timers and perform the reads, decodes and flushes it asks for.
extension SRPConnectionHandler {
    /// What follows a decode pass that did not close the connection.
    func run(_ after: ServerConnectionStateMachine.AfterDecodePass, now: UInt64, _ context: ChannelHandlerContext) {
        if let wakeAt = after.wakeAt { armMuteTimer(wakeAt: wakeAt, now: now, context) }
        switch after.frameTimer {
        case .arm: armFrameTimer(context)
        case .cancel: frameTimer?.cancel()
        case .keep: break
        }
        if after.resumeNextTick { resumeDecodingNextTick(context) }
        if after.recheckAnswers { recheckAnswersLater(context) }
    }

    /// A frame that started arriving must be complete within the frame timeout.
    func armFrameTimer(_ context: ChannelHandlerContext) {
        let timeout = shared.configuration.frameTimeout
        frameTimer = schedule(in: TimeAmount(timeout), context) { handler, context in
            guard handler.machine.frameTimerFired() else { return }
            handler.goAwayAndClose(
                context, .idleTimeout, "a frame took longer than \(timeout) to arrive (frame-timeout-ms)")
        }
    }

    // MARK: Resuming

    /// Decodes the next budget of frames on a later tick, once what was produced is flushed
    /// and while the channel is writable (otherwise `channelWritabilityChanged` calls again).
    func resumeDecodingNextTick(_ context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().execute { [self] in
            guard let context = self.context, machine.resumeTickRan(writable: context.channel.isWritable) else {
                return
            }
            decodeFrames(context)
            flushOutput(context)
            resumeHeldRead(context)
        }
    }

    /// Whether answers waiting for this client, and those of requests still running, are over
    /// the connection's budget (``AnswerBudget``). Cheap when nothing runs on this connection:
    /// cached answers are bounded by the pass budget and the read held while the socket is full.
    func answersOverBudget(waiting produced: Int, _ context: ChannelHandlerContext) -> Bool {
        guard answerBudget.reserved > 0 else { return false }
        let backlog = (try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
        return answerBudget.isOver(waiting: produced + batch.buffer.readableBytes + backlog)
    }

    /// Answers completed or the socket drained: decode what waits, then read again if allowed.
    func resumeAfterAnswers(_ context: ChannelHandlerContext) {
        guard machine.decodePause == .answerBudget else { return }
        resumeDecoding(context)
        flushOutput(context)
        resumeHeldRead(context)
    }

    /// Decodes the frames already read, if the machine takes requests now.
    func resumeDecoding(_ context: ChannelHandlerContext) {
        if inbound != nil, machine.mayResumeDecoding(now: Self.now) { decodeFrames(context) }
    }

    /// Paused by the server-wide budget, which other connections' completions free: nothing
    /// on this connection would wake it, so look again shortly (only while paused).
    func recheckAnswersLater(_ context: ChannelHandlerContext) {
        answerRecheck = schedule(in: .milliseconds(10), context) { handler, context in
            if handler.machine.answerRecheckFired() { handler.resumeAfterAnswers(context) }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        let after = machine.writabilityChanged(writable: context.channel.isWritable)
        if after.resumeNextTick { resumeDecodingNextTick(context) }
        if after.resumeAfterAnswers { resumeAfterAnswers(context) }
        resumeHeldRead(context)
        flushWatches(context)
        context.fireChannelWritabilityChanged()
    }

    func resumeHeldRead(_ context: ChannelHandlerContext) {
        let now = Self.now
        run(machine.resumeHeldRead(now: now, writable: context.channel.isWritable), now: now, context)
    }

    func run(
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
    func armMuteTimer(wakeAt: UInt64, now: UInt64, _ context: ChannelHandlerContext) {
        muteTimer = schedule(in: .nanoseconds(Int64(wakeAt - now)), context) { handler, context in
            handler.machine.muteTimerFired()
            if handler.inbound != nil { handler.decodeFrames(context) }
            handler.flushOutput(context)
            handler.resumeHeldRead(context)
        }
    }
}
