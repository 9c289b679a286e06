import SRPWire
import Testing

/// Event in, action out: no sockets, no clocks but a number.
@Suite("ServerConnectionStateMachine")
struct ServerConnectionStateMachineTests {
    private static let millisecond: UInt64 = 1_000_000

    private func request(_ method: SRPMethod, id: UInt32) -> FrameHeader {
        FrameHeader(bodyLength: 2, kind: .request, code: method.rawValue, requestID: id)
    }

    private func header(_ kind: FrameKind, code: UInt16 = 0, id: UInt32) -> FrameHeader {
        FrameHeader(bodyLength: 0, kind: kind, code: code, requestID: id)
    }

    /// A machine past the handshake.
    private func ready(_ configuration: ServerConnectionStateMachine.Configuration = .init(), lz4: Bool = true)
        -> ServerConnectionStateMachine
    {
        var machine = ServerConnectionStateMachine(configuration: configuration, now: 0)
        machine.prefaceReceived()
        #expect(machine.frameReceived(request(.hello, id: 1), now: 0) == .handshake(requestID: 1))
        machine.handshakeCompleted(lz4: lz4)
        #expect(machine.isReady)
        return machine
    }

    private func status(of action: ServerConnectionStateMachine.FrameAction) -> StatusCode? {
        switch action {
        case .reject(_, let status, _, _), .goAwayAndClose(let status, _): status
        default: nil
        }
    }

    // MARK: Decompression is charged

    /// A legal LZ4 bomb (4 MiB declared) costs its method's tokens plus one per KiB it inflates
    /// to: the default 20,000-token burst admits four of them at once, and the fifth is
    /// THROTTLED, saying why, before anything is decompressed. A plain request costs as before.
    @Test("an LZ4 body is charged one token per KiB it declares after decompression")
    func decompressionIsCharged() {
        var machine = ready()
        let bomb = 4 << 20
        for id in 1...4 {
            #expect(
                machine.frameReceived(request(.ping, id: UInt32(id)), now: 0, decompressedSize: bomb)
                    == .dispatch(method: .ping, requestID: UInt32(id)))
        }
        let fifth = machine.frameReceived(request(.ping, id: 5), now: 0, decompressedSize: bomb)
        #expect(status(of: fifth) == .throttled)
        if case .reject(_, _, let message, let retryAfter) = fifth {
            #expect(message.contains("4096 for its 4194304 bytes after decompression"), "\(message)")
            #expect(retryAfter > 0)
        }
        // With the charge off, the same bodies cost only their method's tokens.
        var uncharged = ServerConnectionStateMachine.Configuration()
        uncharged.decompressedBytesPerToken = 0
        var free = ready(uncharged)
        for id in 1...100 {
            #expect(
                status(of: free.frameReceived(request(.ping, id: UInt32(id)), now: 0, decompressedSize: bomb)) == nil)
            free.requestCompleted()
        }
    }

    // MARK: Handshake

    @Test("a first frame that is not a HELLO request: GOAWAY HANDSHAKE_REQUIRED and close")
    func firstFrameNotHello() {
        let firsts = [
            request(.getSchemaById, id: 7), request(.ping, id: 1), header(.ping, id: 1), header(.pong, id: 1),
            header(.response, id: 1), header(.goAway, id: 0),
            FrameHeader(bodyLength: 0, kind: .request, code: 999, requestID: 1),
        ]
        for first in firsts {
            var machine = ServerConnectionStateMachine(configuration: .init(), now: 0)
            machine.prefaceReceived()
            let action = machine.frameReceived(first, now: 0)
            #expect(status(of: action) == .handshakeRequired, "\(first.kind) \(first.code)")
            guard case .goAwayAndClose = action else {
                Issue.record("not a GOAWAY: \(action)")
                continue
            }
            #expect(machine.isClosed)
        }
    }

    @Test("HELLO: handshake, then requests are dispatched; LZ4 as negotiated")
    func hello() {
        var machine = ServerConnectionStateMachine(configuration: .init(), now: 0)
        #expect(!machine.isReady)
        machine.prefaceReceived()
        #expect(machine.frameReceived(request(.hello, id: 5), now: 0) == .handshake(requestID: 5))
        #expect(!machine.isReady, "ready only once HELLO_OK is sent")
        machine.handshakeCompleted(lz4: true)
        #expect(machine.isReady)
        #expect(machine.lz4Negotiated)
        #expect(
            machine.frameReceived(request(.getSchemaById, id: 7), now: 0)
                == .dispatch(method: .getSchemaById, requestID: 7))
        #expect(machine.inFlight == 1)
        #expect(machine.lastDispatchedRequestID == 7)

        let plain = ready(lz4: false)
        #expect(!plain.lz4Negotiated)
    }

    @Test("a HELLO that cannot be accepted closes the connection")
    func handshakeFailed() {
        var machine = ServerConnectionStateMachine(configuration: .init(), now: 0)
        machine.prefaceReceived()
        _ = machine.frameReceived(request(.hello, id: 1), now: 0)
        machine.handshakeFailed()
        #expect(machine.isClosed)
        #expect(machine.frameReceived(request(.getSchemaById, id: 2), now: 0) == .ignore)
    }

    @Test("a second HELLO is refused with PROTOCOL_ERROR; the connection goes on")
    func secondHello() {
        var machine = ready()
        #expect(status(of: machine.frameReceived(request(.hello, id: 2), now: 0)) == .protocolError)
        #expect(machine.isReady)
        #expect(machine.inFlight == 0)
    }

    @Test("handshake timeout before HELLO_OK: GOAWAY HANDSHAKE_TIMEOUT; after it, ignored")
    func handshakeTimeout() {
        for prefaceSeen in [false, true] {
            var machine = ServerConnectionStateMachine(configuration: .init(), now: 0)
            if prefaceSeen { machine.prefaceReceived() }
            let action = machine.handshakeTimedOut()
            guard case .goAwayAndClose(.handshakeTimeout, _) = action else {
                Issue.record("expected GOAWAY HANDSHAKE_TIMEOUT, got \(action)")
                continue
            }
            #expect(machine.isClosed)
        }
        var done = ready()
        #expect(done.handshakeTimedOut() == .ignore)
        #expect(done.isReady)
    }

    @Test("body limit: 16 KiB before the handshake, max frame size after")
    func bodyLimits() {
        var configuration = ServerConnectionStateMachine.Configuration()
        #expect(configuration.preHandshakeMaxBody == 16 * 1024)
        #expect(configuration.maxBody == 4 * 1024 * 1024)
        configuration.preHandshakeMaxBody = 1000
        configuration.maxBody = 2_000_000
        var machine = ServerConnectionStateMachine(configuration: configuration, now: 0)
        #expect(machine.maxBodyLength == 1000)
        machine.prefaceReceived()
        #expect(machine.maxBodyLength == 1000)
        _ = machine.frameReceived(request(.hello, id: 1), now: 0)
        #expect(machine.maxBodyLength == 1000, "HELLO_OK not sent yet")
        machine.handshakeCompleted(lz4: false)
        #expect(machine.maxBodyLength == 2_000_000)
        _ = machine.shutdownRequested()
        #expect(machine.maxBodyLength == 2_000_000, "draining keeps the negotiated limit")
    }

    // MARK: Requests

    @Test("an unknown method id: UNKNOWN_METHOD, no tokens spent, nothing in flight")
    func unknownMethod() {
        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.tokenRate = 1
        configuration.tokenBurst = 1
        var machine = ready(configuration)
        for code: UInt16 in [0, 4, 9, 18, 45, 999, .max] {
            let action = machine.frameReceived(
                FrameHeader(bodyLength: 0, kind: .request, code: code, requestID: 3), now: 0)
            guard case .reject(3, .unknownMethod, _, 0) = action else {
                Issue.record("method \(code): \(action)")
                continue
            }
        }
        #expect(machine.inFlight == 0)
        #expect(
            machine.frameReceived(request(.getSchemaById, id: 4), now: 0)
                == .dispatch(method: .getSchemaById, requestID: 4))
    }

    @Test("an empty bucket: THROTTLED with retry-after, reads muted until then, nothing spent")
    func throttled() {
        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.tokenRate = 100
        configuration.tokenBurst = 20
        var machine = ready(configuration)
        // RegisterSchema costs 10: two fit in the burst of 20.
        #expect(
            machine.frameReceived(request(.registerSchema, id: 2), now: 0)
                == .dispatch(method: .registerSchema, requestID: 2))
        #expect(
            machine.frameReceived(request(.registerSchema, id: 3), now: 0)
                == .dispatch(method: .registerSchema, requestID: 3))
        let action = machine.frameReceived(request(.registerSchema, id: 4), now: 0)
        guard case .reject(4, .throttled, let message, let retryMilliseconds) = action else {
            Issue.record("expected THROTTLED, got \(action)")
            return
        }
        // 10 tokens at 100/s: 100 ms.
        #expect(retryMilliseconds == 100)
        #expect(message.contains("RegisterSchema"))
        #expect(machine.inFlight == 2, "the refused request is not in flight")
        #expect(machine.lastDispatchedRequestID == 3)
        #expect(machine.mutedUntil == 100 * Self.millisecond)
        #expect(!machine.mayDecodeRequests(now: 0))
        #expect(!machine.mayDecodeRequests(now: 100 * Self.millisecond - 1))
        #expect(machine.mayDecodeRequests(now: 100 * Self.millisecond))
        // The refusal spent nothing: exactly the advised wait is enough.
        #expect(
            machine.frameReceived(request(.registerSchema, id: 4), now: 100 * Self.millisecond)
                == .dispatch(method: .registerSchema, requestID: 4))
    }

    @Test("retry-after is rounded up to whole milliseconds")
    func retryAfterRoundsUp() {
        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.tokenRate = 3
        configuration.tokenBurst = 1
        var machine = ready(configuration)
        _ = machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
        // One token at 3/s is 333.33... ms: advise 334.
        guard case .reject(_, .throttled, _, 334) = machine.frameReceived(request(.getSchemaById, id: 3), now: 0) else {
            Issue.record("expected THROTTLED with 334 ms")
            return
        }
    }

    @Test("per-method costs come from proto's default_cost unless configured")
    func costs() {
        #expect(SRPMethod.hello.defaultCost == 0)
        #expect(SRPMethod.getSchemaById.defaultCost == 1)
        #expect(SRPMethod.registerSchema.defaultCost == 10)

        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.tokenRate = 1
        configuration.tokenBurst = 3
        configuration.methodCosts = [SRPMethod.getSchemaById.rawValue: 3]
        var machine = ready(configuration)
        #expect(
            machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
                == .dispatch(method: .getSchemaById, requestID: 2))
        #expect(
            status(of: machine.frameReceived(request(.ping, id: 3), now: 0)) == .throttled,
            "bucket emptied by a cost of 3")
    }

    @Test("rate 0 disables throttling")
    func noBucket() {
        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.tokenRate = 0
        configuration.maxInFlight = .max
        var machine = ready(configuration)
        for id in UInt32(2)..<5002 {
            #expect(
                machine.frameReceived(request(.registerSchema, id: id), now: 0)
                    == .dispatch(method: .registerSchema, requestID: id))
        }
    }

    @Test("the in-flight cap stops decoding; a completion resumes it, without an error")
    func inFlightCap() {
        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.maxInFlight = 3
        var machine = ready(configuration)
        for id in UInt32(2)...4 {
            #expect(machine.mayDecodeRequests(now: 0))
            #expect(
                machine.frameReceived(request(.getSchemaById, id: id), now: 0)
                    == .dispatch(method: .getSchemaById, requestID: id))
        }
        #expect(machine.inFlight == 3)
        #expect(!machine.mayDecodeRequests(now: 0))
        machine.requestCompleted()
        #expect(machine.inFlight == 2)
        #expect(machine.mayDecodeRequests(now: 0))
        machine.requestCompleted()
        machine.requestCompleted()
        machine.requestCompleted()  // one too many: never below zero
        #expect(machine.inFlight == 0)
    }

    @Test("PING is answered with PONG, free of tokens; stray PONGs are ignored")
    func ping() {
        var configuration = ServerConnectionStateMachine.Configuration()
        configuration.tokenRate = 1
        configuration.tokenBurst = 1
        var machine = ready(configuration)
        for id in UInt32(1)...100 {
            #expect(machine.frameReceived(header(.ping, id: id), now: 0) == .pong(requestID: id))
        }
        #expect(machine.frameReceived(header(.pong, id: 9), now: 0) == .ignore)
        #expect(machine.inFlight == 0)
        #expect(
            machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
                == .dispatch(method: .getSchemaById, requestID: 2))
    }

    @Test("a RESPONSE frame from the client: GOAWAY PROTOCOL_ERROR and close")
    func responseFromClient() {
        var machine = ready()
        guard case .goAwayAndClose(.protocolError, _) = machine.frameReceived(header(.response, id: 1), now: 0) else {
            Issue.record("expected GOAWAY PROTOCOL_ERROR")
            return
        }
        #expect(machine.isClosed)
    }

    // MARK: Shutdown

    @Test("shutdown: draining, in-flight requests finish, new ones get SHUTTING_DOWN, then drained")
    func draining() {
        var machine = ready()
        _ = machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
        _ = machine.frameReceived(request(.getSchemaById, id: 3), now: 0)
        let first = machine.shutdownRequested()
        let second = machine.shutdownRequested()
        #expect(first, "send GOAWAY")
        #expect(!second, "only once")
        #expect(!machine.isReady)
        #expect(machine.lastDispatchedRequestID == 3, "the GOAWAY's request id")
        #expect(!machine.drained)

        for method in [SRPMethod.getSchemaById, .hello, .registerSchema] {
            let action = machine.frameReceived(request(method, id: 9), now: 0)
            guard case .reject(9, .shuttingDown, _, 0) = action else {
                Issue.record("\(method) while draining: \(action)")
                continue
            }
        }
        #expect(
            machine.frameReceived(FrameHeader(bodyLength: 0, kind: .request, code: 999, requestID: 10), now: 0)
                == .reject(
                    requestID: 10, status: .shuttingDown,
                    message: "the server is shutting down; retry on a new connection",
                    retryAfterMilliseconds: 0))
        #expect(machine.frameReceived(header(.ping, id: 5), now: 0) == .pong(requestID: 5), "PING still answered")
        #expect(machine.inFlight == 2)
        machine.requestCompleted()
        #expect(!machine.drained)
        machine.requestCompleted()
        #expect(machine.drained)
    }

    @Test("shutdown before the handshake closes at once")
    func shutdownBeforeHandshake() {
        var machine = ServerConnectionStateMachine(configuration: .init(), now: 0)
        machine.prefaceReceived()
        let sendGoAway = machine.shutdownRequested()
        #expect(sendGoAway)
        #expect(machine.isClosed)
        #expect(machine.drained)
    }

    @Test("a GOAWAY from the client starts draining")
    func clientGoAway() {
        var machine = ready()
        _ = machine.frameReceived(request(.getSchemaById, id: 2), now: 0)
        #expect(machine.frameReceived(header(.goAway, id: 2), now: 0) == .ignore)
        #expect(status(of: machine.frameReceived(request(.getSchemaById, id: 3), now: 0)) == .shuttingDown)
        #expect(!machine.drained)
        machine.requestCompleted()
        #expect(machine.drained)
    }

    @Test("closed: every frame is ignored")
    func closed() {
        var machine = ready()
        machine.closed()
        #expect(machine.isClosed)
        #expect(machine.frameReceived(request(.getSchemaById, id: 2), now: 0) == .ignore)
        #expect(machine.drained)
    }

    @Test("no frame is acted on before the preface")
    func beforePreface() {
        var machine = ServerConnectionStateMachine(configuration: .init(), now: 0)
        #expect(machine.frameReceived(request(.hello, id: 1), now: 0) == .ignore)
    }
}
