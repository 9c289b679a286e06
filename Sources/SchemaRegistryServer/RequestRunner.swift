import NIOCore
import SRPWire

/// Runs the requests of a connection that are not answered on the event loop, holding their
/// share of the server-wide budgets while they run: the in-flight budget (``OverloadGuard``),
/// decompressed bodies (``DecompressionBudget``) and reserved answers (``GlobalAnswerBudget``).
/// A request whose client sent a deadline is answered DEADLINE_EXCEEDED when it passes.
///
/// It keeps no state of its own: the connection's answer budget stays with the handler, which
/// this reports to through ``Ending``.
struct RequestRunner {
    let shared: SRPConnectionHandler.Shared

    /// How a request run off the loop ends, reported on the event loop.
    enum Ending {
        /// The deadline passed first: send this DEADLINE_EXCEEDED now (the work runs on).
        case deadlineExceeded(Reply)
        /// The work finished; its reservation is free. `send`: false when the deadline was
        /// answered already (the client stopped waiting: the late answer is dropped).
        case finished(Reply, send: Bool)
    }

    /// What a request needs off the loop.
    struct Work: Sendable {
        var frame: Frame
        /// nil: decompressed in the task.
        var body: ByteBuffer?
        var method: SRPMethod
        var maxBody: Int
        var lz4Allowed: Bool
        var principal: Principal?
        var dispatcher: RequestDispatcher
        /// The schema id of a GetSchemaById whose L1 lookup missed: read without parsing the
        /// body again or looking L1 up again.
        var missedSchemaID: UInt32? = nil

        func run() async -> Reply {
            if let missedSchemaID { return await dispatcher.schemaByIDMissed(missedSchemaID) }
            let requestBody: ByteBuffer
            if let body {
                requestBody = body
            } else {
                do {
                    requestBody = try frame.decodedBody(
                        maxSize: maxBody, lz4Allowed: lz4Allowed, allocator: ByteBufferAllocator())
                } catch {
                    dispatcher.metrics.recordAnswered(method, status: .badCompression)
                    return .error(.badCompression, RequestRunner.describe(error))
                }
            }
            return await dispatcher.handle(method, body: requestBody, principal: principal)
        }
    }

    /// Bodies inflating to more than this are decompressed off the event loop.
    static let inflateOnLoopLimit = 64 * 1024

    static func describe(_ error: any Error) -> String {
        (error as? ProtocolViolation)?.message ?? "\(error)"
    }

    // MARK: Admission

    /// OVERLOADED when the server-wide budget of inflated bodies cannot take `bytes` more.
    func refuseInflation(_ bytes: Int, method: SRPMethod) -> Reply? {
        let decompression = shared.decompression
        guard !decompression.tryAcquire(bytes) else { return nil }
        countShed(method)
        return Reply.error(
            .overloaded,
            "server is decompressing \(decompression.inFlight) bytes of request bodies already "
                + "(max-decompressed-bytes-in-flight \(decompression.capacityBytes))",
            retryAfterMilliseconds: shared.overload.retryAfterMilliseconds)
    }

    func releaseInflation(_ bytes: Int) {
        if bytes > 0 { shared.decompression.release(bytes) }
    }

    /// OVERLOADED when the server is at its in-flight budget; nil when the request may run
    /// (then ``run(_:requestID:reservation:inflated:deadline:on:ending:)`` releases it).
    func refuseAtInFlightBudget(_ method: SRPMethod, now: UInt64) -> Reply? {
        let overload = shared.overload
        let isWrite = Self.isWrite(method)
        guard !overload.tryAcquire(isWrite: isWrite, now: now) else { return nil }
        countShed(method)
        let limit = isWrite ? overload.currentWriteLimit : overload.currentLimit
        return Reply.error(
            .overloaded,
            "server at its in-flight budget (\(limit) \(isWrite ? "writes" : "requests"))",
            retryAfterMilliseconds: overload.retryAfterMilliseconds)
    }

    private func countShed(_ method: SRPMethod) {
        (Self.isWrite(method) ? shared.metrics.shedWrites : shared.metrics.shedReads).increment()
        shared.metrics.recordAnswered(method, status: .overloaded)
    }

    private static func isWrite(_ method: SRPMethod) -> Bool {
        Authorization.requiredRole(method) >= .write
    }

    // MARK: Running

    /// Runs an admitted request in a task. `reservation` (answer bytes) and `inflated`
    /// (decompressed bytes) are held until it finishes.
    func run(
        _ work: Work, requestID: UInt32, reservation: Int, inflated: Int, deadline: UInt32?,
        on eventLoop: any EventLoop, ending: @escaping (Ending) -> Void
    ) {
        let overload = shared.overload
        let isWrite = Self.isWrite(work.method)
        let started = NIODeadline.now().uptimeNanoseconds
        shared.answers.add(reservation)
        let promise = eventLoop.makePromise(of: Reply.self)
        promise.completeWithTask { await work.run() }
        let expiry = deadline.flatMap {
            $0 > 0 ? armDeadline(milliseconds: $0, method: work.method, on: eventLoop, ending: ending) : nil
        }
        promise.futureResult.assumeIsolated().whenSuccess { [self] reply in
            let now = NIODeadline.now().uptimeNanoseconds  // the batch's clock is long stale by now
            overload.release(isWrite: isWrite, latency: now &- started, now: now)
            shared.answers.add(-reservation)
            releaseInflation(inflated)
            // Answered DEADLINE_EXCEEDED already (and counted complete then): the client
            // stopped waiting, drop the late answer.
            let send = !(expiry?.answered ?? false)
            if send { expiry?.timer?.cancel() }
            ending(.finished(reply, send: send))
        }
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
        milliseconds: UInt32, method: SRPMethod, on eventLoop: any EventLoop, ending: @escaping (Ending) -> Void
    ) -> Expiry {
        let expiry = Expiry()
        let metrics = shared.metrics
        expiry.timer = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(milliseconds))) {
            guard !expiry.answered else { return }
            expiry.answered = true
            metrics.deadlinesExceeded.increment()
            ending(
                .deadlineExceeded(
                    .error(
                        .deadlineExceeded, "\(method.name) did not complete within its deadline of \(milliseconds) ms")
                ))
        }
        return expiry
    }
}
