import SRPWire
import Testing

/// Flow control as events in, decisions out: held reads, paused decoding, timers, draining.
/// The hangs the abuse tests found over sockets are each a test here.
@Suite("ServerConnectionStateMachine flow control")
struct ServerConnectionFlowControlTests {
    private typealias Machine = ServerConnectionStateMachine
    private static let millisecond: UInt64 = 1_000_000

    private func request(_ method: SRPMethod, id: UInt32) -> FrameHeader {
        FrameHeader(bodyLength: 2, kind: .request, code: method.rawValue, requestID: id)
    }

    private func ready(_ configuration: Machine.Configuration = .init()) -> Machine {
        var machine = Machine(configuration: configuration, now: 0)
        machine.prefaceReceived()
        _ = machine.frameReceived(request(.hello, id: 1), now: 0)
        machine.handshakeCompleted(lz4: false)
        return machine
    }

    /// A machine muted by THROTTLED until `mutedUntil` (one token, rate 1000/s: 1 ms per token).
    private func throttled() -> Machine {
        var configuration = Machine.Configuration()
        configuration.tokenRate = 1000
        configuration.tokenBurst = 1
        var machine = ready(configuration)
        #expect(
            machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
                == .dispatch(method: .getSchemaById, requestID: 2))
        guard case .reject(_, .throttled, _, _) = machine.frameReceived(request(.getSchemaById, id: 3), now: 0) else {
            Issue.record("not throttled")
            return machine
        }
        #expect(machine.mutedUntil > 0)
        return machine
    }

    private func step(
        _ machine: Machine, now: UInt64 = 0, outputFull: Bool = false, buffered: Bool = true, answersOver: Bool = false
    ) -> Machine.DecodeStep {
        var machine = machine
        return machine.nextDecodeStep(
            now: now, outputFull: outputFull, framesBuffered: buffered, answersOverBudget: answersOver)
    }

    // MARK: Reads

    @Test("a read is held while the socket does not take writes, and passed on when it does")
    func readHeldWhileNotWritable() {
        var machine = ready()
        #expect(machine.readRequested(now: 0, writable: true) == .read)
        #expect(machine.readRequested(now: 0, writable: false) == .hold)
        #expect(machine.isReadHeld)
        #expect(machine.resumeHeldRead(now: 0, writable: false) == .hold)
        #expect(machine.writabilityChanged(writable: true) == .init())
        #expect(machine.resumeHeldRead(now: 0, writable: true) == .read)
        #expect(!machine.isReadHeld)
        #expect(machine.resumeHeldRead(now: 0, writable: true) == .hold, "nothing held: nothing to pass on")
    }

    /// Hang 1 (AbuseTests): a throttled pipeline. The frames already read when THROTTLED
    /// muted the connection must be decoded when the mute ends, even if the socket brings
    /// nothing more: a held read alone never woke them.
    @Test("throttled pipeline: the pass stops, the mute timer is armed for its end, decoding resumes then")
    func throttledPipelineResumes() {
        var machine = throttled()
        let end = machine.mutedUntil
        machine.decodePassStarted()
        #expect(step(machine, now: 0) == .stop(.requestsHeld))
        let after = machine.decodePassEnded(
            pausedBy: .requestsHeld, now: 0, partialFrame: false, serverAnswersOver: false)
        #expect(after.wakeAt == end)
        // One timer at a time: a read held meanwhile arms nothing more.
        #expect(machine.readRequested(now: 1, writable: true) == .hold)
        machine.muteTimerFired()
        #expect(machine.mayResumeDecoding(now: end))
        #expect(step(machine, now: end) == .decode)
        #expect(machine.resumeHeldRead(now: end, writable: true) == .read)
    }

    /// Hang 2 (AbuseTests): the mute timer must be armed from the time the mute was found. A
    /// fresh clock read that saw the mute over armed nothing, and the held read stayed held.
    @Test("a read held by a mute arms the timer from the time the mute was found")
    func muteTimerFromTheTimeFound() {
        var machine = throttled()
        let end = machine.mutedUntil
        #expect(machine.readRequested(now: end - 1, writable: true) == .holdAndWake(at: end))
        #expect(machine.isReadHeld)
        machine.muteTimerFired()
        // The timer fired early (or the clock is coarse): still muted, so it is armed again.
        #expect(machine.resumeHeldRead(now: end - 1, writable: true) == .holdAndWake(at: end))
        machine.muteTimerFired()
        #expect(machine.resumeHeldRead(now: end, writable: true) == .read)
    }

    @Test("the in-flight cap holds reads and decoding without a timer; a completion resumes both")
    func inFlightCap() {
        var configuration = Machine.Configuration()
        configuration.maxInFlight = 1
        var machine = ready(configuration)
        #expect(
            machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
                == .dispatch(method: .getSchemaById, requestID: 2))
        #expect(step(machine) == .stop(.requestsHeld))
        #expect(
            machine.decodePassEnded(pausedBy: .requestsHeld, now: 0, partialFrame: false, serverAnswersOver: false)
                == .init())
        #expect(machine.readRequested(now: 0, writable: true) == .hold)
        #expect(!machine.mayResumeDecoding(now: 0))
        #expect(machine.asyncRequestCompleted() == true)
        #expect(machine.mayResumeDecoding(now: 0))
        #expect(machine.resumeHeldRead(now: 0, writable: true) == .read)
    }

    // MARK: Budgets

    @Test("output budget: decoding pauses with frames buffered, reads are held, a tick resumes when writable")
    func outputBudget() {
        var machine = ready()
        machine.decodePassStarted()
        #expect(step(machine, outputFull: true, buffered: false) == .decode, "nothing buffered: nothing to pause")
        #expect(step(machine, outputFull: true) == .stop(.outputBudget))
        var after = machine.decodePassEnded(
            pausedBy: .outputBudget, now: 0, partialFrame: false, serverAnswersOver: false)
        #expect(after.resumeNextTick)
        #expect(machine.decodePause == .outputBudget)
        #expect(machine.readRequested(now: 0, writable: true) == .hold)
        // The socket is full when the tick runs: wait for writability, which schedules one tick.
        #expect(machine.resumeTickRan(writable: false) == false)
        after = machine.decodePassEnded(pausedBy: .outputBudget, now: 0, partialFrame: false, serverAnswersOver: false)
        #expect(after.resumeNextTick, "no tick pending: schedule one")
        #expect(machine.writabilityChanged(writable: true).resumeNextTick == false, "a tick is pending already")
        #expect(machine.resumeTickRan(writable: true) == true)
        machine.decodePassStarted()
        #expect(machine.decodePause == nil)
        #expect(machine.resumeHeldRead(now: 0, writable: true) == .read)
    }

    @Test("writability resumes output-budget pauses on a tick and answer-budget pauses at once")
    func writabilityFlips() {
        var machine = ready()
        _ = machine.decodePassEnded(pausedBy: .outputBudget, now: 0, partialFrame: false, serverAnswersOver: false)
        #expect(machine.resumeTickRan(writable: false) == false)
        #expect(machine.writabilityChanged(writable: false) == .init())
        #expect(machine.writabilityChanged(writable: true).resumeNextTick)

        var answers = ready()
        _ = answers.decodePassEnded(pausedBy: .answerBudget, now: 0, partialFrame: false, serverAnswersOver: false)
        #expect(answers.writabilityChanged(writable: false) == .init())
        #expect(answers.writabilityChanged(writable: true).resumeAfterAnswers)
    }

    @Test("answer budget: a recheck is armed only while the server-wide budget is over, one at a time")
    func answerBudget() {
        var machine = ready()
        #expect(step(machine, answersOver: true) == .stop(.answerBudget))
        #expect(step(machine, buffered: false, answersOver: true) == .decode)
        var after = machine.decodePassEnded(
            pausedBy: .answerBudget, now: 0, partialFrame: false, serverAnswersOver: false)
        #expect(!after.recheckAnswers, "this connection's completions wake it")
        after = machine.decodePassEnded(pausedBy: .answerBudget, now: 0, partialFrame: false, serverAnswersOver: true)
        #expect(after.recheckAnswers)
        after = machine.decodePassEnded(pausedBy: .answerBudget, now: 0, partialFrame: false, serverAnswersOver: true)
        #expect(!after.recheckAnswers, "one recheck armed at a time")
        #expect(machine.readRequested(now: 0, writable: true) == .hold)
        #expect(machine.answerRecheckFired() == true)
        machine.decodePassStarted()
        #expect(machine.answerRecheckFired() == false, "no longer paused")
        #expect(machine.resumeHeldRead(now: 0, writable: true) == .read)
    }

    // MARK: Timers and closing

    @Test("the frame timer runs while a started frame is incomplete, and only after the handshake")
    func frameTimer() {
        var early = Machine(configuration: .init(), now: 0)
        #expect(
            early.decodePassEnded(pausedBy: nil, now: 0, partialFrame: true, serverAnswersOver: false).frameTimer
                == .keep)
        var machine = ready()
        #expect(
            machine.decodePassEnded(pausedBy: nil, now: 0, partialFrame: true, serverAnswersOver: false).frameTimer
                == .arm)
        #expect(
            machine.decodePassEnded(pausedBy: nil, now: 0, partialFrame: true, serverAnswersOver: false).frameTimer
                == .keep)
        #expect(
            machine.decodePassEnded(pausedBy: nil, now: 0, partialFrame: false, serverAnswersOver: false).frameTimer
                == .cancel)
        #expect(
            machine.decodePassEnded(pausedBy: nil, now: 0, partialFrame: true, serverAnswersOver: false).frameTimer
                == .arm)
        #expect(machine.frameTimerFired() == true)
        #expect(machine.goAwayRequested() == true)
        #expect(machine.frameTimerFired() == false, "closing already")
    }

    @Test("drain on shutdown: GOAWAY, close once the last in-flight answer is out")
    func drainOnShutdown() {
        var machine = ready()
        _ = machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
        #expect(machine.drainRequested() == .goAwayAndAwaitInFlight)
        #expect(machine.drainRequested() == .none)
        #expect(!machine.drainFinished)
        #expect(machine.asyncRequestCompleted() == true, "the answer of a draining connection is still sent")
        #expect(machine.drainFinished)

        var idle = ready()
        #expect(idle.drainRequested() == .goAwayAndClose)
        var early = Machine(configuration: .init(), now: 0)
        #expect(early.drainRequested() == .goAwayAndClose)
    }

    @Test("one GOAWAY per connection; once closing nothing resumes and late answers are dropped")
    func goAwayOnce() {
        var machine = ready()
        _ = machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
        #expect(machine.goAwayRequested() == true)
        #expect(machine.goAwayRequested() == false)
        #expect(machine.isClosing && machine.isClosed)
        #expect(!machine.mayResumeDecoding(now: 0))
        #expect(machine.asyncRequestCompleted() == false)
    }
}
