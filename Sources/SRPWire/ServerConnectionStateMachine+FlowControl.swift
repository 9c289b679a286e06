/// Flow control of one connection: when a read is passed on or held, when decoding stops with
/// frames still buffered, what wakes it again, and which timers must be armed. The handler
/// reports what it sees (a read asked for, writability, a decode pass ended, a timer fired,
/// an answer completed) and performs the answers; it keeps no flow-control state of its own.
///
/// Two hangs found by the abuse tests are rules here, each with a machine test: frames
/// already read while muted by THROTTLED are decoded when the mute ends even if the socket
/// brings nothing more, and the mute timer is armed from the time at which the mute was
/// found (a fresh clock read could see the mute over, arm nothing and hold the read forever).
extension ServerConnectionStateMachine {
    /// Why a decode pass stopped with frames still buffered.
    public enum DecodePause: Sendable, Hashable {
        /// Muted by THROTTLED, or at the in-flight cap: a completion or the mute's end resumes.
        case requestsHeld
        /// The pass produced its budget of answer bytes: resumed on a later tick, once flushed.
        case outputBudget
        /// Answers waiting for this client (or the server's) are over their budget: resumed by
        /// a completion, the socket draining, or a recheck while the server is over.
        case answerBudget
    }

    /// What to do with a read the channel asks for.
    public enum ReadDecision: Sendable, Hashable {
        /// Pass the read on.
        case read
        /// Hold it: an event that lifts the reason resumes it.
        case hold
        /// Hold it, and arm the mute timer to fire at this monotonic time.
        case holdAndWake(at: UInt64)
    }

    /// Before each frame of a decode pass: go on, or stop.
    public enum DecodeStep: Sendable, Hashable {
        case decode
        case stop(DecodePause)
    }

    /// What a timer that runs only while needed should do.
    public enum TimerChange: Sendable, Hashable {
        case keep
        case arm
        case cancel
    }

    /// What follows a decode pass that did not close the connection.
    public struct AfterDecodePass: Sendable, Hashable {
        /// Arm the mute timer to fire at this monotonic time.
        public var wakeAt: UInt64?
        /// Decode again on the next event-loop tick (after the flush), if still writable then.
        public var resumeNextTick = false
        /// Look at the server-wide answer budget again shortly: only other connections free it.
        public var recheckAnswers = false
        /// The frame timer (a started frame must arrive whole within the frame timeout).
        public var frameTimer = TimerChange.keep

        public init() {}
    }

    /// What follows the socket becoming writable or not.
    public struct AfterWritabilityChange: Sendable, Hashable {
        /// Decode the frames held by the output budget on the next tick.
        public var resumeNextTick = false
        /// Decode the frames held by the answer budget now (the socket took answers).
        public var resumeAfterAnswers = false

        public init() {}
    }

    /// What graceful shutdown does.
    public enum DrainAction: Sendable, Hashable {
        /// Already draining or closed.
        case none
        /// Send GOAWAY SHUTTING_DOWN and close: nothing is in flight.
        case goAwayAndClose
        /// Send GOAWAY SHUTTING_DOWN, close when the last answer is out; arm the drain timer.
        case goAwayAndAwaitInFlight
    }

    /// The handler's flow-control state, owned by the machine.
    struct FlowControlState: Sendable, Hashable {
        var readHeld = false
        /// Set when decoding stopped at a budget with frames buffered; cleared by the next pass.
        var decodePause: DecodePause?
        var closing = false
        var muteTimerArmed = false
        var resumeTickScheduled = false
        var answerRecheckArmed = false
        var frameTimerArmed = false
        var drainTimerArmed = false
    }

    // MARK: Queries

    /// Whether the connection is closing (GOAWAY sent or close started): nothing more is decoded.
    public var isClosing: Bool { flow.closing }
    /// Whether a read asked for by the channel is held back.
    public var isReadHeld: Bool { flow.readHeld }
    /// Why the last decode pass stopped with frames buffered, if for a budget.
    public var decodePause: DecodePause? { flow.decodePause }

    // MARK: Reading

    /// The channel asks for a read. Held while the socket does not take our writes (a client
    /// that pipelines but never reads its answers must not grow the outbound buffer without
    /// bound), while decoding is paused at a budget, and while requests are held.
    public mutating func readRequested(now: UInt64, writable: Bool) -> ReadDecision {
        if !writable || flow.decodePause != nil {
            flow.readHeld = true
            return .hold
        }
        if state == .ready, !mayDecodeRequests(now: now) {
            flow.readHeld = true
            return wakeWhenMuteEnds(now: now).map { .holdAndWake(at: $0) } ?? .hold
        }
        return .read
    }

    /// Something that held reads may have changed: pass the held read on if nothing holds it now.
    /// `now` must be the time at which the caller looks (see ``wakeWhenMuteEnds(now:)``).
    public mutating func resumeHeldRead(now: UInt64, writable: Bool) -> ReadDecision {
        guard flow.readHeld else { return .hold }
        guard writable, flow.decodePause == nil else { return .hold }
        guard mayDecodeRequests(now: now) else {
            return wakeWhenMuteEnds(now: now).map { .holdAndWake(at: $0) } ?? .hold
        }
        flow.readHeld = false
        return .read
    }

    /// The mute timer fired: decode what waits, then ``resumeHeldRead(now:writable:)``.
    public mutating func muteTimerFired() {
        flow.muteTimerArmed = false
    }

    /// The time to arm the mute timer for, if muted at `now` and no timer is armed. `now` is
    /// when the mute was found: a later clock read could see it over and arm nothing, while
    /// the caller holds a read (the read then stayed held forever).
    mutating func wakeWhenMuteEnds(now: UInt64) -> UInt64? {
        guard mutedUntil > now, !flow.muteTimerArmed else { return nil }
        flow.muteTimerArmed = true
        return mutedUntil
    }

    // MARK: Decoding

    /// A decode pass starts: earlier budget pauses are lifted (the pass checks them again).
    public mutating func decodePassStarted() {
        flow.decodePause = nil
    }

    /// Before each frame of a pass; it runs once per request. `mutating` though it changes
    /// nothing: a handler holds the machine in a class, and a non-mutating call on a class's
    /// stored struct copies the whole machine (132 bytes and a retained dictionary) per call,
    /// while a mutating one is passed in place (that copy cost ~5% of cached reads at 50 x 16).
    /// - Parameters:
    ///   - outputFull: the pass produced its budget of answer bytes.
    ///   - framesBuffered: bytes of further frames are buffered (budgets stop only then).
    ///   - answersOverBudget: answers waiting and reserved are over the connection's or the
    ///     server's budget (pass false when nothing is buffered; it need not be measured).
    public mutating func nextDecodeStep(now: UInt64, outputFull: Bool, framesBuffered: Bool, answersOverBudget: Bool)
        -> DecodeStep
    {
        if state == .ready, !mayDecodeRequests(now: now) { return .stop(.requestsHeld) }
        if outputFull, framesBuffered { return .stop(.outputBudget) }
        if framesBuffered, answersOverBudget { return .stop(.answerBudget) }
        return .decode
    }

    /// The pass ended without closing the connection.
    /// - Parameters:
    ///   - pause: why it stopped, or nil when it ran out of whole frames.
    ///   - now: the pass's clock (the one the mute was found with).
    ///   - partialFrame: a frame has started arriving and is not complete.
    ///   - serverAnswersOver: the server-wide answer budget is over.
    public mutating func decodePassEnded(
        pausedBy pause: DecodePause?, now: UInt64, partialFrame: Bool, serverAnswersOver: Bool
    ) -> AfterDecodePass {
        var after = AfterDecodePass()
        switch pause {
        case .requestsHeld:
            // Muted by THROTTLED: the frames already read must be decoded when the mute ends,
            // even if the socket brings nothing more (a held read alone never did: a throttled
            // pipeline hung forever, AbuseTests).
            after.wakeAt = wakeWhenMuteEnds(now: now)
        case .outputBudget:
            flow.decodePause = .outputBudget
            if !flow.resumeTickScheduled {
                flow.resumeTickScheduled = true
                after.resumeNextTick = true
            }
        case .answerBudget:
            flow.decodePause = .answerBudget
            if serverAnswersOver, !flow.answerRecheckArmed {
                flow.answerRecheckArmed = true
                after.recheckAnswers = true
            }
        case nil:
            break
        }
        // A client trickling a byte at a time keeps the connection "active" forever otherwise.
        // (Before the handshake, the handshake timeout already bounds it.)
        if partialFrame, state == .ready {
            if !flow.frameTimerArmed {
                flow.frameTimerArmed = true
                after.frameTimer = .arm
            }
        } else if flow.frameTimerArmed {
            flow.frameTimerArmed = false
            after.frameTimer = .cancel
        }
        return after
    }

    /// The tick scheduled by ``AfterDecodePass/resumeNextTick`` runs: whether to decode now.
    public mutating func resumeTickRan(writable: Bool) -> Bool {
        flow.resumeTickScheduled = false
        return flow.decodePause == .outputBudget && writable
    }

    /// The recheck armed by ``AfterDecodePass/recheckAnswers`` fired: whether decoding waits
    /// for answers (then decode what waits and resume a held read).
    public mutating func answerRecheckFired() -> Bool {
        flow.answerRecheckArmed = false
        return flow.decodePause == .answerBudget
    }

    /// The frame timer fired: whether to close (GOAWAY IDLE_TIMEOUT).
    public mutating func frameTimerFired() -> Bool {
        flow.frameTimerArmed = false
        return !flow.closing
    }

    /// The socket became writable or stopped being so.
    public mutating func writabilityChanged(writable: Bool) -> AfterWritabilityChange {
        var after = AfterWritabilityChange()
        guard writable else { return after }
        if flow.decodePause == .outputBudget, !flow.resumeTickScheduled {
            flow.resumeTickScheduled = true
            after.resumeNextTick = true
        }
        after.resumeAfterAnswers = flow.decodePause == .answerBudget
        return after
    }

    // MARK: Answers and closing

    /// A request that ran off the loop was answered. Returns whether its answer is still sent
    /// (not once the connection closed).
    public mutating func asyncRequestCompleted() -> Bool {
        requestCompleted()
        return state != .closed
    }

    /// Whether buffered frames may be decoded now (after a completion or a budget freed).
    public func mayResumeDecoding(now: UInt64) -> Bool {
        !flow.closing && mayDecodeRequests(now: now)
    }

    /// Whether a drain awaiting in-flight answers can close now (after the last one).
    public var drainFinished: Bool {
        flow.drainTimerArmed && inFlight == 0 && (flow.closing || drained)
    }

    /// Graceful shutdown was asked for.
    public mutating func drainRequested() -> DrainAction {
        guard shutdownRequested() else { return .none }
        if inFlight == 0 { return .goAwayAndClose }
        flow.drainTimerArmed = true
        return .goAwayAndAwaitInFlight
    }

    /// The connection must end with a GOAWAY. Returns false when it is already closing (one
    /// GOAWAY per connection).
    public mutating func goAwayRequested() -> Bool {
        guard !flow.closing else { return false }
        flow.closing = true
        state = .closed
        return true
    }

    /// The handler closes the channel (after flushing what is pending).
    public mutating func closeStarted() {
        flow.closing = true
    }
}
