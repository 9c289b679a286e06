/// The server side of one SRP connection as a pure state machine: preface, handshake,
/// token bucket, in-flight cap, draining, and the connection's flow control (held reads,
/// paused decoding, its timers: see `ServerConnectionStateMachine+FlowControl.swift`).
/// No I/O: the channel handler feeds events in and performs the returned actions, so every
/// rule here is tested without sockets.
public struct ServerConnectionStateMachine: Sendable {
    /// Limits and flow-control settings for a connection.
    public struct Configuration: Sendable, Hashable {
        /// Largest body before the handshake completes: a HELLO is small.
        public var preHandshakeMaxBody: Int = 16 * 1024
        /// Largest body after it (negotiated in HELLO_OK).
        public var maxBody: Int = 4 * 1024 * 1024
        public var maxInFlight: Int = 1024
        /// Token bucket: tokens per second (0 disables) and capacity.
        public var tokenRate: Double = 100_000
        public var tokenBurst: Double = 20_000
        /// Cost per method id; methods not listed cost `defaultCost(method)`.
        public var methodCosts: [UInt16: Int] = [:]
        /// An LZ4 body also costs one token per this many bytes it declares after
        /// decompression (0: no charge). Why: a legal 16 KiB body inflating 255:1 to 4 MiB cost
        /// as little as a 20-byte read, and a few connections of them starved every other
        /// client of CPU; charged this way, 4 MiB costs 4,096 tokens and is paced by the bucket.
        public var decompressedBytesPerToken: Int = 1024

        public init() {}
    }

    /// What to do with a frame.
    public enum FrameAction: Sendable, Hashable {
        /// A HELLO: answer it, then call ``handshakeCompleted(lz4:)``.
        case handshake(requestID: UInt32)
        /// Run the request (admitted by the bucket, counted in flight).
        case dispatch(method: SRPMethod, requestID: UInt32)
        /// Answer with an error status; the connection goes on.
        case reject(requestID: UInt32, status: StatusCode, message: String, retryAfterMilliseconds: UInt32)
        /// Answer a PING with a PONG carrying the same body.
        case pong(requestID: UInt32)
        /// Nothing to do (a PONG, a GOAWAY from the client while draining).
        case ignore
        /// Send GOAWAY with this reason and close.
        case goAwayAndClose(status: StatusCode, message: String)
    }

    enum State: Sendable, Hashable {
        case awaitingPreface
        case awaitingHello
        case ready
        /// GOAWAY sent: in-flight requests finish, new ones are refused.
        case draining
        case closed
    }

    public let configuration: Configuration
    var state: State = .awaitingPreface
    /// Held reads, paused decoding and armed timers (the flow-control events own it).
    var flow = FlowControlState()
    private var bucket: TokenBucket
    private var compressionAllowed = false
    /// Requests dispatched and not yet answered.
    public private(set) var inFlight = 0
    /// Reads are muted until this monotonic time after a THROTTLED answer.
    public private(set) var mutedUntil: UInt64 = 0
    /// The highest request id dispatched, reported in GOAWAY.
    public private(set) var lastDispatchedRequestID: UInt32 = 0

    public init(configuration: Configuration, now: UInt64) {
        self.configuration = configuration
        self.bucket = TokenBucket(rate: configuration.tokenRate, burst: configuration.tokenBurst, now: now)
    }

    /// The body limit the decoder should enforce now.
    public var maxBodyLength: Int {
        state == .ready || state == .draining ? configuration.maxBody : configuration.preHandshakeMaxBody
    }

    public var isReady: Bool { state == .ready }
    public var isClosed: Bool { state == .closed }
    /// Whether LZ4 bodies may be sent and received.
    public var lz4Negotiated: Bool { compressionAllowed }

    // MARK: Events

    public mutating func prefaceReceived() {
        if state == .awaitingPreface { state = .awaitingHello }
    }

    /// A frame arrived. `now` is monotonic nanoseconds.
    /// - Parameter decompressedSize: for an LZ4 body, the size it declares after decompression
    ///   (charged to the token bucket, see ``Configuration/decompressedBytesPerToken``); else 0.
    public mutating func frameReceived(_ header: FrameHeader, now: UInt64, decompressedSize: Int = 0) -> FrameAction {
        switch state {
        case .awaitingPreface, .closed:
            return .ignore
        case .awaitingHello:
            guard header.kind == .request, header.code == SRPMethod.hello.rawValue else {
                state = .closed
                return .goAwayAndClose(
                    status: .handshakeRequired,
                    message:
                        "the first frame must be a HELLO request (method 1); got \(header.kind) code \(header.code)")
            }
            return .handshake(requestID: header.requestID)
        case .ready, .draining:
            return readyFrameReceived(header, now: now, decompressedSize: decompressedSize)
        }
    }

    private mutating func readyFrameReceived(_ header: FrameHeader, now: UInt64, decompressedSize: Int) -> FrameAction {
        switch header.kind {
        case .ping:
            return .pong(requestID: header.requestID)
        case .pong, .response:
            // A client never answers; tolerate stray PONGs, refuse RESPONSE frames.
            if header.kind == .pong { return .ignore }
            state = .closed
            return .goAwayAndClose(status: .protocolError, message: "clients must not send RESPONSE frames")
        case .goAway:
            state = .draining
            return .ignore
        case .request:
            return requestReceived(header, now: now, decompressedSize: decompressedSize)
        }
    }

    private mutating func requestReceived(_ header: FrameHeader, now: UInt64, decompressedSize: Int) -> FrameAction {
        if state == .draining {
            return .reject(
                requestID: header.requestID, status: .shuttingDown,
                message: "the server is shutting down; retry on a new connection", retryAfterMilliseconds: 0)
        }
        guard let method = SRPMethod(rawValue: header.code) else {
            return .reject(
                requestID: header.requestID, status: .unknownMethod, message: "unknown method id \(header.code)",
                retryAfterMilliseconds: 0)
        }
        if method == .hello {
            return .reject(
                requestID: header.requestID, status: .protocolError, message: "HELLO was already completed",
                retryAfterMilliseconds: 0)
        }
        let methodCost = configuration.methodCosts[method.rawValue] ?? method.defaultCost
        let perToken = configuration.decompressedBytesPerToken
        let decompressionCost = perToken > 0 && decompressedSize > 0 ? (decompressedSize + perToken - 1) / perToken : 0
        let cost = methodCost + decompressionCost
        switch bucket.take(cost: cost, now: now) {
        case .admitted:
            inFlight += 1
            lastDispatchedRequestID = max(lastDispatchedRequestID, header.requestID)
            return .dispatch(method: method, requestID: header.requestID)
        case .throttled(let retryAfter):
            mutedUntil = max(mutedUntil, now &+ retryAfter)
            let milliseconds = UInt32(min(UInt64(UInt32.max), (retryAfter + 999_999) / 1_000_000))
            return .reject(
                requestID: header.requestID, status: .throttled,
                message: "rate limit of \(Int(bucket.rate)) tokens/s exceeded (\(method.name) costs \(methodCost)"
                    + (decompressionCost > 0
                        ? ", plus \(decompressionCost) for its \(decompressedSize) bytes after decompression)" : ")"),
                retryAfterMilliseconds: milliseconds)
        }
    }

    /// The HELLO was answered; `lz4` is whether LZ4 was chosen.
    public mutating func handshakeCompleted(lz4: Bool) {
        guard state == .awaitingHello else { return }
        compressionAllowed = lz4
        state = .ready
    }

    /// The HELLO could not be accepted (bad body, no common version).
    public mutating func handshakeFailed() {
        state = .closed
    }

    /// A dispatched request was answered.
    public mutating func requestCompleted() {
        inFlight = max(0, inFlight - 1)
    }

    /// Whether more requests may be decoded now: below the in-flight cap and not muted.
    public func mayDecodeRequests(now: UInt64) -> Bool {
        inFlight < configuration.maxInFlight && now >= mutedUntil
    }

    /// The handshake deadline passed.
    public mutating func handshakeTimedOut() -> FrameAction {
        guard state == .awaitingPreface || state == .awaitingHello else { return .ignore }
        state = .closed
        return .goAwayAndClose(status: .handshakeTimeout, message: "no handshake within the handshake timeout")
    }

    /// The server is shutting down: send GOAWAY, then close once nothing is in flight.
    public mutating func shutdownRequested() -> Bool {
        switch state {
        case .ready:
            state = .draining
            return true
        case .awaitingPreface, .awaitingHello:
            state = .closed
            return true
        case .draining, .closed:
            return false
        }
    }

    /// Whether a draining connection can close now.
    public var drained: Bool { (state == .draining && inFlight == 0) || state == .closed }

    /// The connection closed or failed.
    public mutating func closed() {
        state = .closed
    }
}
