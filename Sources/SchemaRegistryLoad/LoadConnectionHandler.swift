import NIOCore
import SRPWire

/// When one connection sends: its share of every phase's rate, on a clock shared by all connections.
struct LoadConnectionSchedule: Sendable {
    /// Uptime nanoseconds at which phase 0 starts.
    var startNanos: UInt64
    /// End of each phase, in uptime nanoseconds.
    var phaseEnds: [UInt64]
    /// Nanoseconds between two intended sends of this connection, per phase.
    var gaps: [Double]
    /// Where this connection's sends fall within a gap, 0..<1: connection i of N sends at
    /// phase start + (i/N + k) x gap, so together the connections send evenly spaced requests
    /// at exactly the phase's rate, and stay interleaved across changes of rate.
    var offset: Double
    /// Length of one reporting interval.
    var intervalNanos: UInt64
    /// This connection sends no more than this many requests in all.
    var maxRequests: Int
    /// Requests awaiting an answer beyond this are not sent but counted as `CLIENT_BACKLOG`
    /// errors, so an overloaded server cannot make the client's memory grow without bound.
    var maxPending: Int
    /// A request unanswered this long after its intended send time counts as a `TIMEOUT` error.
    var timeoutNanos: UInt64
}

/// One load connection, open loop: requests go out at their *intended* times, computed from the
/// rate and never from the previous answer, and latency is measured from that intended time.
/// A slow server therefore cannot slow the load down and hide its own latency (coordinated
/// omission). Requests are multiplexed by request id, so many may be in flight at once.
///
/// The handshake, request ids and GOAWAY are ``ClientConnectionStateMachine``'s, as in the
/// Swift client. Lives on its channel's event loop; the runner reaches it through `NIOLoopBound`.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var intendedNanos: UInt64
        var operation: LoadOperation
        var phase: Int
    }

    private let workload: LoadWorkload
    private let connectionIndex: Int
    private let ready: EventLoopPromise<Void>
    private var machine: ClientConnectionStateMachine<Pending>
    private var decoder = SRPFrameDecoder(
        expectPreface: false, maxBodyLength: ClientConnectionLimits.beforeHandshake.maxBody)
    private var inbound = ByteBuffer()
    private var context: ChannelHandlerContext?

    private var schedule: LoadConnectionSchedule?
    private var nextIntendedNanos: UInt64 = 0
    private var phase = 0
    /// Sends of this connection so far in the current phase (k above).
    private var sendsInPhase = 0
    private var sent = 0
    private var sendingStopped = false
    private var finished = false
    private var nextTick: Scheduled<Void>?
    private var lastExpiryScanNanos: UInt64 = 0
    private var random: SplitMix64

    /// Windows by interval index (by completion time; offers by intended time), until harvested.
    private var intervals: [Int: OperationWindows] = [:]
    /// Windows by phase of the intended send time.
    private var phases: [OperationWindows] = []

    /// - Parameter apiKey: presented in HELLO when the server requires keys.
    init(workload: LoadWorkload, connectionIndex: Int, apiKey: String? = nil, ready: EventLoopPromise<Void>) {
        self.workload = workload
        self.connectionIndex = connectionIndex
        // No LZ4 offered: the load measures the server's work, not compression of small bodies.
        self.machine = ClientConnectionStateMachine(clientName: "schema-registry load", apiKey: apiKey)
        self.ready = ready
        self.random = SplitMix64(seed: UInt64(connectionIndex) &* 0x9E37_79B9_7F4A_7C15 ^ Self.now)
    }

    static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(machine.connected()), promise: nil)
    }

    // MARK: Sending

    /// Starts sending on `schedule`. Call once, after the handshake.
    func start(_ schedule: LoadConnectionSchedule) {
        self.schedule = schedule
        phases = Array(repeating: OperationWindows(), count: schedule.phaseEnds.count)
        nextIntendedNanos = intendedTime(phase: 0, send: 0)
        lastExpiryScanNanos = schedule.startNanos
        scheduleTick(at: nextIntendedNanos)
    }

    /// Sends nothing more (a stress run found its knee); answers still count.
    func stopSending() {
        sendingStopped = true
    }

    /// Ends the timers; called by the runner once it has all it needs.
    func finish() {
        finished = true
        sendingStopped = true
        nextTick?.cancel()
        nextTick = nil
    }

    private func scheduleTick(at nanos: UInt64) {
        guard let context, !finished else { return }
        nextTick = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(nanos)) {
            [self] in
            tick()
        }
    }

    /// Sends every request whose intended time has come (one flush for all), expires old ones,
    /// and sleeps until the next intended time.
    private func tick() {
        guard let schedule, let context else { return }
        let now = Self.now
        var output = context.channel.allocator.buffer(capacity: 256)
        while !sendingStopped, nextIntendedNanos <= now {
            while phase < schedule.phaseEnds.count, nextIntendedNanos >= schedule.phaseEnds[phase] {
                phase += 1
                sendsInPhase = 0
                if phase < schedule.phaseEnds.count { nextIntendedNanos = intendedTime(phase: phase, send: 0) }
            }
            guard phase < schedule.phaseEnds.count, sent < schedule.maxRequests else {
                sendingStopped = true
                break
            }
            // A new phase's first send may still lie ahead.
            guard nextIntendedNanos <= now else { break }
            offer(intendedNanos: nextIntendedNanos, now: now, into: &output)
            sendsInPhase += 1
            nextIntendedNanos = intendedTime(phase: phase, send: sendsInPhase)
        }
        if output.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(output), promise: nil)
        }
        // Scanning for timeouts every 50 ms keeps the cost off the per-request path.
        let scanEvery: UInt64 = 50_000_000
        if now.subtractingClamped(lastExpiryScanNanos) >= scanEvery {
            lastExpiryScanNanos = now
            expire(now: now, timeout: schedule.timeoutNanos)
        }
        scheduleTick(at: sendingStopped ? now + scanEvery : min(nextIntendedNanos, now + scanEvery))
    }

    /// When send `send` of this connection in `phase` is due (uptime nanoseconds).
    private func intendedTime(phase: Int, send: Int) -> UInt64 {
        guard let schedule else { return 0 }
        let phaseStart = phase == 0 ? schedule.startNanos : schedule.phaseEnds[phase - 1]
        return phaseStart + UInt64((schedule.offset + Double(send)) * schedule.gaps[phase])
    }

    private func offer(intendedNanos: UInt64, now: UInt64, into output: inout ByteBuffer) {
        guard let schedule else { return }
        sent += 1
        let operation = workload.mix.pick(random.nextUnit())
        intervals[interval(of: intendedNanos), default: OperationWindows()][operation].offered += 1
        phases[phase][operation].offered += 1
        let request = Pending(intendedNanos: intendedNanos, operation: operation, phase: phase)
        guard machine.pendingCount < schedule.maxPending else {
            record(.failure("CLIENT_BACKLOG"), for: request, now: now)
            return
        }
        let body = workload.body(
            for: operation, connection: connectionIndex, sequence: UInt64(sent), pick: Int(random.next() % 1024))
        do {
            _ = try machine.startRequest(
                method: LoadWorkload.method(operation).rawValue, body: body, entry: request, into: &output)
        } catch {
            record(.failure(Self.refusalStatus(error)), for: request, now: now)
        }
    }

    /// How a request the connection refused is counted.
    private static func refusalStatus(_ refusal: ClientRequestRefusal) -> String {
        switch refusal {
        case .handshakeNotFinished, .closed: "CONNECTION_CLOSED"
        case .goneAway: StatusCode.shuttingDown.description
        case .tooLarge: StatusCode.frameTooLarge.description
        }
    }

    private func expire(now: UInt64, timeout: UInt64) {
        let late = machine.abandon { now.subtractingClamped($0.intendedNanos) > timeout }
        for request in late {
            record(.failure("TIMEOUT"), for: request, now: now)
        }
    }

    // MARK: Answers

    private enum Outcome {
        case success
        case failure(String)
    }

    private func interval(of nanos: UInt64) -> Int {
        guard let schedule, nanos > schedule.startNanos else { return 0 }
        return Int((nanos - schedule.startNanos) / schedule.intervalNanos)
    }

    /// Counts one outcome in its interval (by `now`) and its phase, under its operation.
    private func record(_ outcome: Outcome, for request: Pending, now: UInt64) {
        let slot = interval(of: now)
        switch outcome {
        case .success:
            let microseconds = now.subtractingClamped(request.intendedNanos) / 1000
            intervals[slot, default: OperationWindows()][request.operation].recordSuccess(microseconds: microseconds)
            phases[request.phase][request.operation].recordSuccess(microseconds: microseconds)
        case .failure(let status):
            intervals[slot, default: OperationWindows()][request.operation].recordError(status)
            phases[request.phase][request.operation].recordError(status)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        inbound.writeBuffer(&bytes)
        do {
            while case .frame(let frame)? = try decoder.decode(buffer: &inbound) {
                handle(frame, context: context)
            }
        } catch {
            context.close(promise: nil)
            return
        }
        inbound.discardReadBytes()
    }

    private func handle(_ frame: Frame, context: ChannelHandlerContext) {
        switch machine.frameReceived(frame) {
        case .handshakeCompleted:
            decoder.maxBodyLength = machine.maxBodyLength
            ready.succeed()
        case .handshakeRefused(let status, _):
            ready.fail(LoadSetupError("handshake refused: \(status)"))
        case .response(let request, let status, _):
            record(status == .ok ? .success : .failure(status.description), for: request, now: Self.now)
        case .streamed:
            break  // load scenarios open no streams
        case .pong(let pong):
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .goAway(_, _, let unprocessed):
            let now = Self.now
            for request in unprocessed { record(.failure(StatusCode.shuttingDown.description), for: request, now: now) }
        case .fail(let message, let ending):
            connectionEnded(ending, reason: "protocol error: \(message)")
            context.close(promise: nil)
        case .ignore:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connectionEnded(machine.closed(), reason: "connection closed before the handshake finished")
    }

    /// Counts what the connection's end left unanswered; fails the setup if it came first.
    private func connectionEnded(_ ending: ClientConnectionStateMachine<Pending>.Ending, reason: String) {
        if ending.handshakeWasPending { ready.fail(LoadSetupError(reason)) }
        let now = Self.now
        for request in ending.unanswered { record(.failure("CONNECTION_CLOSED"), for: request, now: now) }
    }

    // MARK: Reading the counters (from the runner)

    /// Intervals that can no longer change (all of them when `final`), removed from this handler.
    func harvest(final: Bool) -> (intervals: [Int: OperationWindows], pending: Int, sent: Int) {
        let current = final ? Int.max : interval(of: Self.now)
        let done = intervals.filter { $0.key < current }
        for key in done.keys { intervals[key] = nil }
        return (done, machine.pendingCount, sent)
    }

    /// Phase `index` so far. Requests of it still unanswered are added to the latency as their
    /// age now (a lower bound of their latency) and counted in `outstanding`.
    func phaseSnapshot(_ index: Int) -> OperationWindows {
        guard index < phases.count else { return OperationWindows() }
        var windows = phases[index]
        let now = Self.now
        for request in machine.pendingRequests where request.phase == index {
            windows[request.operation].outstanding += 1
            _ = windows[request.operation].latency.record(max(1, now.subtractingClamped(request.intendedNanos) / 1000))
        }
        return windows
    }
}

extension UInt64 {
    /// `self - other`, or 0 when `other` is larger (clock readings compared across code paths).
    func subtractingClamped(_ other: UInt64) -> UInt64 { self > other ? self - other : 0 }
}

/// A small, fast generator (SplitMix64): the mix is drawn per request, on the event loop.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
