import NIOCore
import SRPWire
import SchemaRegistryCore

/// Frames and requests: the machine's action for each frame, the HELLO, the L1 fast path,
/// and requests handed to ``RequestRunner`` (their answers come back to `complete`).
extension SRPConnectionHandler {
    var compression: CompressionPolicy {
        machine.lz4Negotiated
            ? CompressionPolicy(lz4: true, threshold: shared.configuration.compressionThreshold) : .none
    }

    /// Runs the machine's action for a frame; returns a reason when the connection must close.
    func handle(_ frame: Frame, now: UInt64, into out: inout ByteBuffer, _ context: ChannelHandlerContext)
        -> (StatusCode, String)?
    {
        let declared = Self.declaredDecompressedSize(frame)
        switch machine.frameReceived(frame.header, now: now, decompressedSize: declared) {
        case .handshake(let requestID):
            return answerHello(frame, requestID: requestID, into: &out)
        case .dispatch(let method, let requestID):
            return dispatch(
                frame, method: method, requestID: requestID, declaredSize: declared, now: now, into: &out, context)
        case .reject(let requestID, let status, let message, let retryAfter):
            shared.metrics.rejected.increment()
            shared.metrics.recordAnswered(SRPMethod(rawValue: frame.header.code), status: status)
            append(.error(status, message, retryAfterMilliseconds: retryAfter), requestID, into: &out)
        case .pong(let requestID):
            out.writeFrame(kind: .pong, flags: [], code: 0, requestID: requestID, encodedBody: frame.body)
        case .ignore:
            break
        case .goAwayAndClose(let status, let message):
            return (status, message)
        }
        return nil
    }

    func append(_ reply: Reply, _ requestID: UInt32, into out: inout ByteBuffer) {
        batch.append(
            reply, requestID: requestID, maxBody: shared.configuration.connection.maxBody, compression: compression,
            into: &out)
    }

    private func answerHello(_ frame: Frame, requestID: UInt32, into out: inout ByteBuffer) -> (StatusCode, String)? {
        let responder = HandshakeResponder(
            configuration: shared.configuration, keyRing: shared.keyRing, watch: shared.hub != nil)
        switch responder.respond(to: frame) {
        case .refused(let status, let message, let authFailure):
            if let authFailure {
                shared.metrics.authFailures.increment()
                logger.notice("authentication failed", metadata: ["reason": "\(authFailure)"])
            }
            machine.handshakeFailed()
            return (status, message)
        case .accepted(let answer, let lz4, let principal, let clientName):
            self.principal = principal
            if let principal { logger[metadataKey: "key_id"] = "\(principal.keyID)" }
            append(
                Reply(status: .ok, body: ByteBuffer(bytes: try! answer.serializedBytes() as [UInt8])), requestID,
                into: &out)
            machine.handshakeCompleted(lz4: lz4)
            decoder.maxBodyLength = machine.maxBodyLength
            handshakeTimer?.cancel()
            logger[metadataKey: "client"] = "\(clientName)"
            logger.debug("handshake complete", metadata: ["lz4": "\(lz4)"])
            return nil
        }
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
            shared.metrics.recordAnswered(method, status: .malformedRequest)
            return answerNow(.error(.malformedRequest, RequestRunner.describe(error)), requestID, into: &out)
        }
        let maxBody = shared.configuration.connection.maxBody
        // Held until the request finishes (its inflated body lives that long). A size over the
        // frame limit is refused by decoding before any work, so it takes nothing. Plain bodies
        // (every cached read) never touch the budget.
        let inflated = declaredSize <= maxBody ? declaredSize : 0
        if inflated > 0, let refusal = requests.refuseInflation(inflated, method: method) {
            return answerNow(refusal, requestID, into: &out)
        }
        // A body that inflates past 64 KiB is decompressed in the request's task, off the event
        // loop: 4 MiB decompressed on the loop held up every connection sharing it (a bystander's
        // cached reads waited behind legal LZ4 bombs). Such a body is never a cached read.
        let lz4Allowed = machine.lz4Negotiated
        var body: ByteBuffer?
        if inflated <= RequestRunner.inflateOnLoopLimit {
            do {
                body = try frame.decodedBody(
                    maxSize: maxBody, lz4Allowed: lz4Allowed, allocator: context.channel.allocator)
            } catch {
                requests.releaseInflation(inflated)
                shared.metrics.recordAnswered(method, status: .badCompression)
                return answerNow(.error(.badCompression, RequestRunner.describe(error)), requestID, into: &out)
            }
        }
        if method == .watch || method == .unwatch {
            requests.releaseInflation(inflated)
            answerWatchMethod(method, body: body, requestID: requestID, into: &out, context)
            return nil
        }
        // The fast path serves keys that may read every subject; a key limited to subject
        // prefixes goes through the dispatcher, which checks the schema's subjects.
        var missedSchemaID: UInt32? = nil
        if method == .getSchemaById, principal?.isUnrestricted ?? true, let body {
            switch answerFromL1(body, requestID: requestID, now: now, into: &out) {
            case .answered:
                requests.releaseInflation(inflated)
                machine.requestCompleted()
                return nil
            case .missed(let id): missedSchemaID = id
            case .unparsed: break
            }
        }
        if let refusal = requests.refuseAtInFlightBudget(method, now: now) {
            return answerNow(refusal, requestID, into: &out, releasing: inflated)
        }
        let work = RequestRunner.Work(
            frame: frame, body: body, method: method, maxBody: maxBody, lz4Allowed: lz4Allowed,
            principal: principal, dispatcher: shared.dispatcher, missedSchemaID: missedSchemaID)
        let reservation = answerBudget.reservation(for: method)
        answerBudget.dispatched(reservation: reservation)
        requests.run(
            work, requestID: requestID, reservation: reservation, inflated: inflated, deadline: deadline,
            on: context.eventLoop
        ) { [self] ending in
            switch ending {
            case .deadlineExceeded(let reply):
                complete(reply, requestID: requestID)
            case .finished(let reply, let send):
                answerBudget.completed(reservation: reservation, answerBytes: reply.bodyLength)
                if send {
                    complete(reply, requestID: requestID)
                } else if let context = self.context {
                    // (Counted complete when the deadline answered.) Its reservation is free now.
                    resumeAfterAnswers(context)
                }
            }
        }
        return nil
    }

    /// What the L1 fast path did with a GetSchemaById.
    private enum L1Outcome {
        case answered
        /// Not cached (the miss is counted): the id goes with the request, parsed once.
        case missed(UInt32)
        /// The body is not the plain encoding `FastRequestParser` reads: the dispatcher decodes it.
        case unparsed
    }

    /// The L1 fast path: the pre-encoded answer of a cached GetSchemaById, copied after its
    /// header. The one place the connection reads L1; nothing is allocated per call.
    private func answerFromL1(_ body: ByteBuffer, requestID: UInt32, now: UInt64, into out: inout ByteBuffer)
        -> L1Outcome
    {
        guard let id = FastRequestParser.schemaID(body) else { return .unparsed }
        guard let entry = shared.schemas.cached(id) else { return .missed(id) }
        batch.appendCached(
            plain: entry.plain, lz4: machine.lz4Negotiated ? entry.lz4 : nil, requestID: requestID, now: now,
            into: &out)
        return .answered
    }

    /// Answers a dispatched request on the loop (an error) and counts it complete.
    private func answerNow(
        _ reply: Reply, _ requestID: UInt32, into out: inout ByteBuffer, releasing inflated: Int = 0
    ) -> (StatusCode, String)? {
        append(reply, requestID, into: &out)
        requests.releaseInflation(inflated)
        machine.requestCompleted()
        return nil
    }

    /// A request that ran in a task has its answer (we are back on the event loop).
    private func complete(_ reply: Reply, requestID: UInt32) {
        guard machine.asyncRequestCompleted(), let context else { return }
        batch.append(
            reply, requestID: requestID, maxBody: shared.configuration.connection.maxBody, compression: compression)
        scheduleFlush(context)
        // The cap may have paused decoding with frames still buffered, or held a read.
        resumeDecoding(context)
        resumeHeldRead(context)
        if machine.drainFinished { closeAfterFlush(context) }
    }

    /// The size an LZ4 request body declares after decompression (its first 4 bytes, after the
    /// deadline when there is one), read without decompressing; 0 for other frames.
    private static func declaredDecompressedSize(_ frame: Frame) -> Int {
        guard frame.header.flags.contains(.lz4), frame.header.kind == .request else { return 0 }
        let offset = frame.header.flags.contains(.deadline) ? FrameHeader.deadlinePrefixSize : 0
        return frame.body.getInteger(at: frame.body.readerIndex + offset, as: UInt32.self).map(Int.init) ?? 0
    }
}
