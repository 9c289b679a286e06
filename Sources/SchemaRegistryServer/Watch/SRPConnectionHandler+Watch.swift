import NIOCore
import SRPWire
import SchemaRegistryCore

/// The connection's side of the hub (which calls it on the connection's event loop).
final class WatchFeed: ChangeSubscriber, @unchecked Sendable {
    let eventLoop: any EventLoop
    /// Read and written on `eventLoop` only.
    weak var handler: SRPConnectionHandler?

    init(eventLoop: any EventLoop, handler: SRPConnectionHandler) {
        self.eventLoop = eventLoop
        self.handler = handler
    }

    func changesCommitted(_ changes: [PublishedChange], through: ChangePosition) {
        eventLoop.preconditionInEventLoop()
        handler?.watchChangesArrived(changes, through: through)
    }

    func changesLost(resumeAfter position: ChangePosition) {
        eventLoop.preconditionInEventLoop()
        handler?.watchChangesLost(resumeAfter: position)
    }
}

/// Watch and Unwatch (docs/PROTOCOL.md 19): answered on the event loop, since they touch only
/// this connection's ``WatchSet`` and the hub's window (no I/O). Events go out only while the
/// socket takes writes; a client that does not read lets its watches' queues fill, and then
/// gets RESYNC events instead of unbounded buffers.
extension SRPConnectionHandler {
    func answerWatchMethod(
        _ method: SRPMethod, body: ByteBuffer?, requestID: UInt32, into out: inout ByteBuffer,
        _ context: ChannelHandlerContext
    ) {
        let reply: Reply
        do {
            guard let body else {
                throw RegistryError(
                    .invalidRequest, "\(method.name) request bodies are small: this one inflates past 64 KiB.")
            }
            reply = try method == .watch ? startWatch(body, requestID: requestID, context) : endWatch(body)
        } catch {
            reply = RequestDispatcher.reply(for: error, method: method)
        }
        shared.metrics.recordAnswered(method, status: reply.status)
        append(reply, requestID, into: &out)
        machine.requestCompleted()
        // A resume's backlog goes out after this decode pass (whose buffer holds the answer).
        if reply.status == .ok { scheduleWatchFlush(context) }
    }

    private func startWatch(_ body: ByteBuffer, requestID: UInt32, _ context: ChannelHandlerContext) throws -> Reply {
        let request = try RequestDispatcher.decode(Srp_WatchRequest.self, body)
        try Authorization.check(.watch, request, principal)
        guard let hub = shared.hub else {
            throw RegistryError(.invalidRequest, "This server's store keeps no change log: Watch is not available.")
        }
        guard !watches.isFull else {
            throw RegistryError(
                .invalidRequest, "This connection has \(watches.maxWatches) watches already (watch-max-per-connection)."
            )
        }
        guard watches.watches[requestID] == nil else {
            throw RegistryError(.invalidRequest, "Request id \(requestID) is an active watch on this connection.")
        }
        if request.afterPosition > 0 && request.logID.isEmpty {
            throw RegistryError(.invalidRequest, "after_position needs the log_id it came from.")
        }
        // Registered before the start is read, so nothing committed in between is missed; what
        // both deliver is skipped by position.
        let feed = watchFeed ?? WatchFeed(eventLoop: context.eventLoop, handler: self)
        if watchFeed == nil {
            watchFeed = feed
            hub.register(feed)
            armRevocationCheck(context)
        }
        // A log id makes it a resume, from any position: 0 too (a watch that began on an empty
        // log). Reading 0 as "now" there would silently skip what committed while away.
        guard let start = hub.start(after: request.logID.isEmpty ? nil : request.afterPosition, logID: request.logID)
        else {
            throw RegistryError(.unavailable, "The change log has not been read yet; retry shortly.")
        }
        let filter = WatchFilter(
            subjects: Set(request.subjects), prefixes: request.subjectPrefixes,
            mayAccess: principal.flatMap { $0.isUnrestricted ? nil : $0.mayAccess(subject:) })
        watches.add(requestID, filter: filter, position: start.position, backlog: start.backlog)
        shared.metrics.watchesStarted.increment()
        if start.resync { shared.metrics.watchResyncs.increment() }
        let response = Srp_WatchResponse.with {
            $0.logID = start.logID
            $0.position = start.position
            $0.resync = start.resync
        }
        return Reply(status: .ok, body: ByteBuffer(bytes: try response.serializedBytes() as [UInt8]))
    }

    private func endWatch(_ body: ByteBuffer) throws -> Reply {
        let request = try RequestDispatcher.decode(Srp_UnwatchRequest.self, body)
        guard watches.remove(request.watchRequestID) else {
            throw RegistryError(
                .invalidRequest, "Request id \(request.watchRequestID) is not an active watch on this connection.")
        }
        if watches.isEmpty { stopWatchFeed() }
        return Reply(status: .ok, body: ByteBuffer(bytes: try Srp_UnwatchResponse().serializedBytes() as [UInt8]))
    }

    // MARK: Deliveries (on the event loop)

    /// Delivered by the hub on this connection's event loop: the events go out in this call
    /// (no further hop), unless the socket does not take writes.
    func watchChangesArrived(_ changes: [PublishedChange], through: ChangePosition) {
        guard let context, !watches.isEmpty else { return }
        if let principal, principal.isRevoked {
            return goAwayAndClose(context, .unauthenticated, "API key \(principal.keyID) was revoked")
        }
        watches.deliver(changes, through: through)
        flushWatches(context)
    }

    func watchChangesLost(resumeAfter position: ChangePosition) {
        guard let context, !watches.isEmpty else { return }
        watches.lost(resumeAfter: position)
        flushWatches(context)
    }

    /// Writes what the watches have, if the socket takes writes (else `channelWritabilityChanged`
    /// calls again). Inside a read the frames join that read's answers, written when it completes;
    /// otherwise, with nothing else pending, they go out in one buffer of their own size (no
    /// copy through the connection's batch: this runs once per watching connection per commit).
    func flushWatches(_ context: ChannelHandlerContext) {
        guard watches.hasPending, context.channel.isWritable, !machine.isClosing else { return }
        let maxBody = shared.configuration.connection.maxBody
        let frames = watches.takeFrames()
        let direct = !isReadingBatch && batch.buffer.readableBytes == 0
        // Either a buffer of the frames' own size, or the batch's buffer (after what it holds).
        var out =
            direct
            ? context.channel.allocator.buffer(
                capacity: frames.reduce(0) { $0 + FrameHeader.size + $1.body.readableBytes }) : batch.beginPass()
        var events = 0
        for frame in frames {
            events += frame.eventCount
            batch.append(
                Reply(status: .ok, body: frame.body), requestID: frame.requestID, maxBody: maxBody,
                compression: compression, into: &out)
        }
        if direct {
            write(out, context)
        } else {
            batch.endPass(out)
            if !isReadingBatch { flushOutput(context) }
        }
        shared.metrics.watchEventsSent.increment(by: Int64(events))
    }

    private func scheduleWatchFlush(_ context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, let context = self.context else { return }
            self.flushWatches(context)
        }
    }

    /// A revoked key loses its watches even if its client sends nothing (requests check at once).
    private func armRevocationCheck(_ context: ChannelHandlerContext) {
        guard principal != nil else { return }
        revocationTimer = schedule(in: .seconds(1), context) { handler, context in
            guard handler.watchFeed != nil, let principal = handler.principal else { return }
            if principal.isRevoked {
                handler.goAwayAndClose(context, .unauthenticated, "API key \(principal.keyID) was revoked")
            } else {
                handler.armRevocationCheck(context)
            }
        }
    }

    func stopWatchFeed() {
        if let watchFeed { shared.hub?.unregister(watchFeed) }
        watchFeed = nil
        revocationTimer?.cancel()
        revocationTimer = nil
    }

    /// Draining: every watch ends with SHUTTING_DOWN (clients resume on a new connection).
    func endWatchesForDrain() {
        let maxBody = shared.configuration.connection.maxBody
        for id in watches.removeAll() {
            batch.append(
                .error(.shuttingDown, "server shutting down: resume the watch on a new connection"), requestID: id,
                maxBody: maxBody, compression: compression)
        }
        stopWatchFeed()
    }
}
