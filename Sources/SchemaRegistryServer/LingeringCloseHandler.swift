import NIOCore

/// How long, and for how many bytes, a closing connection keeps reading (and discarding) so
/// that its last frame reaches the peer.
public struct LingerLimits: Sendable, Equatable {
    /// The longest a closing connection waits for the peer to close its side. Zero closes at
    /// once (the last frame may then be lost to a reset; for tests of that behaviour only).
    public var time: Duration = .seconds(2)
    /// The most bytes a closing connection reads and discards before it closes anyway.
    public var bytes = 1 << 20

    public init(time: Duration = .seconds(2), bytes: Int = 1 << 20) {
        self.time = time
        self.bytes = bytes
    }

    /// For connections refused at accept: long enough to drain the HELLO a client sends at once.
    var forRefusedConnection: LingerLimits {
        LingerLimits(time: min(time, .milliseconds(250)), bytes: min(bytes, 64 * 1024))
    }
}

/// What a closing connection does next; pure, so the rules are testable without sockets.
///
/// Why: when a server closes a socket whose receive buffer still holds unread bytes, the
/// kernel answers with RST instead of FIN, and a peer that has not yet read the server's
/// last frame (a GOAWAY saying why) gets ECONNRESET and never sees it. So a close is done in
/// two steps, as HTTP servers do ("lingering close"): finish writing and shut down the write
/// side (FIN after the last frame), then read and discard until the peer closes, a byte
/// budget is spent or a time bound passes, and only then close.
struct LingeringCloseMachine: Equatable {
    enum State: Equatable {
        case open
        /// Write side shut; `discarded` bytes read and dropped so far.
        case lingering(discarded: Int)
        case closed
    }

    enum Action: Equatable {
        /// Shut down the write side after pending writes, keep reading, arm the time bound.
        case shutDownOutputAndLinger
        /// Close the socket now.
        case closeNow
        /// Drop what was read and keep reading.
        case discardAndReadMore
        /// Pass the event on unchanged (the connection is not closing).
        case passThrough
        case none
    }

    let limits: LingerLimits
    private(set) var state = State.open

    init(limits: LingerLimits) {
        self.limits = limits
    }

    /// A handler asked to close the whole connection.
    mutating func closeRequested(channelActive: Bool) -> Action {
        switch state {
        case .open:
            guard channelActive, limits.time > .zero else {
                state = .closed
                return .passThrough
            }
            state = .lingering(discarded: 0)
            return .shutDownOutputAndLinger
        case .lingering:
            // A second close while lingering (an error, shutdown): nothing left to wait for.
            state = .closed
            return .closeNow
        case .closed:
            return .passThrough
        }
    }

    /// Bytes arrived from the peer.
    mutating func bytesRead(_ count: Int) -> Action {
        switch state {
        case .open: return .passThrough
        case .closed: return .none  // closing: nobody behind wants them
        case .lingering: break
        }
        guard case .lingering(let discarded) = state else { return .none }
        let total = discarded + count
        if total > limits.bytes {
            state = .closed
            return .closeNow
        }
        state = .lingering(discarded: total)
        return .discardAndReadMore
    }

    /// The time bound passed, or shutting the write side failed.
    mutating func gaveUp() -> Action {
        guard case .lingering = state else { return .none }
        state = .closed
        return .closeNow
    }

    /// The connection is gone (the peer closed, or it was closed).
    mutating func closed() {
        state = .closed
    }

    var isLingering: Bool {
        if case .lingering = state { return true }
        return false
    }
}

/// The first handler of every accepted connection (SRP and HTTP ports): turns every full
/// close requested by the handlers behind it into a lingering close (``LingeringCloseMachine``),
/// so a GOAWAY or an HTTP error answer written just before the close reaches the peer even
/// when the peer is still sending. Bounded by ``LingerLimits`` in time and bytes.
final class LingeringCloseHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: LingeringCloseMachine
    private var timer: Scheduled<Void>?

    init(limits: LingerLimits) {
        machine = LingeringCloseMachine(limits: limits)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        switch machine.closeRequested(channelActive: context.channel.isActive) {
        case .shutDownOutputAndLinger:
            // The close that started lingering completes when the channel really closes.
            if let promise { context.channel.closeFuture.cascade(to: promise) }
            let timeout = TimeAmount(machine.limits.time)
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                perform(machine.gaveUp(), context)
            }
            // NIO shuts the socket's write side once the pending writes are written.
            let shutDown = context.eventLoop.makePromise(of: Void.self)
            shutDown.futureResult.assumeIsolated().whenFailure { [self] _ in
                perform(machine.gaveUp(), context)
            }
            context.close(mode: .output, promise: shutDown)
            // Handlers behind may be holding reads back (backpressure); the bytes must be read now.
            context.read()
        case .closeNow, .passThrough:
            context.close(mode: .all, promise: promise)
        case .discardAndReadMore, .none:
            promise?.succeed(())
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        switch machine.bytesRead(bytes.readableBytes) {
        case .passThrough:
            context.fireChannelRead(data)
        case let action:
            perform(action, context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if machine.isLingering {
            context.read()
        } else {
            context.fireChannelReadComplete()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if machine.isLingering {
            // A reset or read error while lingering: the peer is gone, nothing more to deliver.
            perform(machine.gaveUp(), context)
        } else {
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.closed()
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func perform(_ action: LingeringCloseMachine.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .closeNow:
            timer?.cancel()
            timer = nil
            context.close(mode: .all, promise: nil)
        case .discardAndReadMore, .none, .passThrough, .shutDownOutputAndLinger:
            break
        }
    }
}
