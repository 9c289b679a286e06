import NIOCore

/// Writes the answers of every connection of one event loop once, at the end of the loop's
/// tick: after all the reads the tick brought, as Redis writes its replies before it sleeps.
///
/// Why: written one connection at a time, between reads, each answer woke its client's
/// thread on its own (an IPI per answer when the client sleeps in `epoll_wait`):
/// `sock_def_readable` was 10.5% of the server's CPU at 50 connections x 1 request against
/// Redis's 3.5%. Written together at the end of the tick, one wake-up serves the answers that
/// follow it while the client is still awake. Only lone answers wait for it: a pipelining
/// client's answers already share one wake-up and are written at once (`channelReadComplete`).
/// A connection asks once per tick (``OutboundBatch/flushNeedsScheduling()``); the loop runs
/// one task per tick for all of them.
///
/// Confined to its event loop: every method is called on it (checked in debug builds).
final class EndOfTickFlusher: @unchecked Sendable {
    private let eventLoop: any EventLoop
    /// Connections with answers to write at the end of this tick, in the order they asked.
    private var waiting: [SRPConnectionHandler] = []
    /// The previous tick's list, kept for its capacity (no allocation per tick).
    private var flushing: [SRPConnectionHandler] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `handler`'s answers are written at the end of the current tick.
    func flushAtEndOfTick(_ handler: SRPConnectionHandler) {
        eventLoop.assertInEventLoop()
        waiting.append(handler)
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().execute { [self] in flushAll() }
    }

    private func flushAll() {
        scheduled = false
        swap(&waiting, &flushing)
        // A write may make a connection ask again (its list is `waiting`, now empty): that
        // request schedules the next tick's task.
        for handler in flushing { handler.flushScheduledOutput() }
        flushing.removeAll(keepingCapacity: true)
    }
}

/// One ``EndOfTickFlusher`` per event loop of a server's group, made when the server is.
struct EndOfTickFlushers: Sendable {
    private let flushers: [(eventLoop: any EventLoop, flusher: EndOfTickFlusher)]

    /// No shared flushers: each connection gets its own (tests on `EmbeddedChannel`).
    init() {
        flushers = []
    }

    init(group: any EventLoopGroup) {
        flushers = group.makeIterator().map { ($0, EndOfTickFlusher(eventLoop: $0)) }
    }

    /// The flusher of `eventLoop`: the group's, or a new one for a loop outside the group.
    func flusher(for eventLoop: any EventLoop) -> EndOfTickFlusher {
        flushers.first { $0.eventLoop === eventLoop }?.flusher ?? EndOfTickFlusher(eventLoop: eventLoop)
    }
}
