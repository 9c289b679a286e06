import NIOCore

/// The client side of one SRP connection as a pure state machine: preface and HELLO, the limits
/// HELLO_OK sets, request ids, GOAWAY and PING. No I/O: a channel handler feeds events in and
/// performs the returned actions, so the Swift client, `schema-registry load` and `bench` speak
/// the handshake one way, and every rule here is tested without sockets.
///
/// `Pending` is what the handler keeps per request until its answer (a promise, a send time);
/// the machine holds it under the request's id and hands it back with the answer, with GOAWAY
/// (for the requests the server will not process) or when the connection ends.
public struct ClientConnectionStateMachine<Pending> {
    /// What to do with a frame from the server.
    public enum FrameAction {
        /// HELLO_OK: the connection is ready and ``limits`` hold what it says.
        case handshakeCompleted(Srp_HelloResponse)
        /// The server refused the HELLO (an error answer, or GOAWAY before HELLO_OK). No call will
        /// be accepted; the server closes the connection.
        case handshakeRefused(status: StatusCode, message: String)
        /// The answer to a request. Its body is as sent: ``decodedBody(of:allocator:)`` undoes LZ4.
        case response(Pending, status: StatusCode, frame: Frame)
        /// A later answer of a stream (see ``continueStream(requestID:_:)``); a status other than
        /// OK ends it.
        case streamed(Pending, status: StatusCode, frame: Frame)
        /// A PING: write this PONG (same request id, same body bytes as received).
        case pong(ByteBuffer)
        /// GOAWAY after the handshake: the server will not process `unprocessed` (the requests
        /// above its last request id, in id order) and no new call is accepted; answers to the
        /// others still come.
        case goAway(status: StatusCode, message: String, unprocessed: [Pending])
        /// Fail everything and close: the server broke the protocol.
        case fail(message: String, ending: Ending)
        /// Nothing to do (a PONG, an answer to a request already given up on).
        case ignore
    }

    /// What the end of a connection leaves unanswered.
    public struct Ending {
        /// Requests sent and not answered, in id order.
        public var unanswered: [Pending]
        /// Whether the HELLO had not been answered yet.
        public var handshakeWasPending: Bool
    }

    private enum State {
        /// Not connected yet.
        case idle
        /// Preface and HELLO written; waiting for HELLO_OK.
        case awaitingHelloResponse
        case ready
        /// GOAWAY received: answers still come for requests up to `lastRequestID`.
        case goneAway(lastRequestID: UInt32)
        case closed
    }

    /// The HELLO this connection sends.
    public let hello: Srp_HelloRequest
    /// The client's own floor for compressing a body; the server's threshold may raise it.
    public let compressionThreshold: Int
    private var state = State.idle
    /// What the connection may do now: ``ClientConnectionLimits/beforeHandshake`` until HELLO_OK.
    public private(set) var limits = ClientConnectionLimits.beforeHandshake
    private var pending: [UInt32: Pending] = [:]
    /// Requests answered more than once (Watch, docs/PROTOCOL.md 19) after their first answer:
    /// their ids stay reserved until the stream ends.
    private var streams: [UInt32: Pending] = [:]
    private var nextRequestID: UInt32 = 1

    /// - Parameters:
    ///   - clientName: the `client_name` of the HELLO (shows in the server's logs).
    ///   - apiKey: presented in the HELLO when the server requires keys.
    ///   - offerLZ4: whether the HELLO offers LZ4.
    ///   - compressionThreshold: bodies shorter than this are never compressed.
    public init(
        clientName: String, apiKey: String? = nil, offerLZ4: Bool = false,
        compressionThreshold: Int = CompressionPolicy.defaultThreshold
    ) {
        self.hello = Srp_HelloRequest.with {
            $0.protocolVersions = [UInt32(SRPPreface.version)]
            $0.clientName = clientName
            $0.compressions = offerLZ4 ? [.lz4] : []
            if let apiKey { $0.credentials.apiKey = apiKey }
        }
        self.compressionThreshold = compressionThreshold
    }

    // MARK: State

    /// Whether a request may be sent now: HELLO_OK came, and no GOAWAY and no close since.
    public var acceptsRequests: Bool {
        if case .ready = state { return true }
        return false
    }

    /// Whether HELLO_OK or a refusal has been received, or the connection ended.
    public var isHandshakeFinished: Bool {
        switch state {
        case .idle, .awaitingHelloResponse: false
        case .ready, .goneAway, .closed: true
        }
    }

    /// Requests sent and not yet answered, given up on or failed.
    public var pendingCount: Int { pending.count }
    /// What is kept for each of them, in no particular order.
    public var pendingRequests: Dictionary<UInt32, Pending>.Values { pending.values }

    /// The body limit the frame decoder should enforce now (LZ4 and deadline prefixes aside).
    public var maxBodyLength: Int { limits.maxBody }

    // MARK: Events

    /// The connection is open: returns the preface and the HELLO, to write and flush.
    public mutating func connected() -> ByteBuffer {
        guard case .idle = state else { return ByteBuffer() }
        state = .awaitingHelloResponse
        var bytes = ByteBuffer(bytes: SRPPreface.bytes)
        // Cannot fail: a proto3 message has no required fields to miss.
        let body = ByteBuffer(bytes: (try? hello.serializedBytes() as [UInt8]) ?? [])
        bytes.writeFrame(kind: .request, code: SRPMethod.hello.rawValue, requestID: 0, body: body)
        return bytes
    }

    /// A frame arrived from the server.
    public mutating func frameReceived(_ frame: Frame) -> FrameAction {
        if case .closed = state { return .ignore }
        let header = frame.header
        switch header.kind {
        case .response where header.requestID == 0:
            return helloAnswered(frame)
        case .response:
            let status = StatusCode(rawValue: header.code)
            if let entry = pending.removeValue(forKey: header.requestID) {
                return .response(entry, status: status, frame: frame)
            }
            guard let entry = streams[header.requestID] else { return .ignore }
            // A status other than OK is a stream's last answer.
            if status != .ok { streams.removeValue(forKey: header.requestID) }
            return .streamed(entry, status: status, frame: frame)
        case .ping:
            var pong = ByteBuffer()
            pong.writeFrame(kind: .pong, flags: [], code: 0, requestID: header.requestID, encodedBody: frame.body)
            return .pong(pong)
        case .pong:
            return .ignore
        case .goAway:
            return goAwayReceived(frame)
        case .request:
            return failed("the server sent a REQUEST frame")
        }
    }

    private mutating func helloAnswered(_ frame: Frame) -> FrameAction {
        guard case .awaitingHelloResponse = state else { return .ignore }
        let status = StatusCode(rawValue: frame.header.code)
        let body: ByteBuffer
        do {
            body = try frame.decodedBody(
                maxSize: limits.maxBody, lz4Allowed: false, allocator: ByteBufferAllocator())
        } catch {
            return failed("\(error)")
        }
        guard status == .ok else {
            state = .closed
            let error = try? Srp_ErrorBody(serializedBytes: Array(body.readableBytesView))
            return .handshakeRefused(status: status, message: error?.message ?? "handshake refused")
        }
        let answer: Srp_HelloResponse
        do {
            answer = try Srp_HelloResponse(serializedBytes: Array(body.readableBytesView))
        } catch {
            return failed("\(error)")
        }
        // LZ4 only when offered: a server choosing what was not offered must not make this side compress.
        let lz4 = answer.compression == .lz4 && hello.compressions.contains(.lz4)
        limits = ClientConnectionLimits(
            maxBody: Int(answer.maxFrameSize),
            compression: lz4
                ? CompressionPolicy(lz4: true, threshold: max(compressionThreshold, Int(answer.compressionThreshold)))
                : .none,
            requestDeadlines: answer.requestDeadlines)
        state = .ready
        return .handshakeCompleted(answer)
    }

    private mutating func goAwayReceived(_ frame: Frame) -> FrameAction {
        let status = StatusCode(rawValue: frame.header.code)
        let message = (try? Srp_ErrorBody(serializedBytes: Array(frame.body.readableBytesView)))?.message ?? ""
        if case .awaitingHelloResponse = state {
            state = .closed
            return .handshakeRefused(status: status, message: message)
        }
        let lastRequestID = frame.header.requestID
        state = .goneAway(lastRequestID: lastRequestID)
        let unprocessed = pending.keys.filter { $0 > lastRequestID }.sorted()
        return .goAway(
            status: status, message: message, unprocessed: unprocessed.map { pending.removeValue(forKey: $0)! })
    }

    private mutating func failed(_ message: String) -> FrameAction {
        .fail(message: message, ending: closed())
    }

    /// The connection closed or failed (or the handler gives up on it): returns what it leaves
    /// unanswered; nothing is accepted afterwards.
    public mutating func closed() -> Ending {
        let handshakeWasPending = !isHandshakeFinished
        state = .closed
        let unanswered = pending.keys.sorted().map { pending[$0]! } + streams.keys.sorted().map { streams[$0]! }
        pending.removeAll()
        streams.removeAll()
        return Ending(unanswered: unanswered, handshakeWasPending: handshakeWasPending)
    }

    // MARK: Requests

    /// Assigns the next request id to a call and appends its frame to `output`: the body
    /// compressed when the negotiated policy says so, and carrying `deadlineMilliseconds` when
    /// given and the server honours deadlines. `entry` is kept until the answer.
    /// - Returns: the request id.
    public mutating func startRequest(
        method: UInt16, body: ByteBuffer, deadlineMilliseconds: UInt32? = nil, entry: Pending,
        into output: inout ByteBuffer
    ) throws(ClientRequestRefusal) -> UInt32 {
        switch state {
        case .ready: break
        case .idle, .awaitingHelloResponse: throw .handshakeNotFinished
        case .goneAway(let lastRequestID): throw .goneAway(lastRequestID: lastRequestID)
        case .closed: throw .closed
        }
        guard body.readableBytes <= limits.maxBody else {
            throw .tooLarge(size: body.readableBytes, limit: limits.maxBody)
        }
        var requestID = nextRequestID
        // Id 0 is the HELLO's; a stream's id stays taken after a wrap.
        while streams[requestID] != nil { requestID = requestID == UInt32.max ? 1 : requestID + 1 }
        nextRequestID = requestID == UInt32.max ? 1 : requestID + 1
        pending[requestID] = entry
        if let deadlineMilliseconds, limits.requestDeadlines {
            output.writeRequest(
                method: method, requestID: requestID, body: body, deadlineMilliseconds: deadlineMilliseconds,
                compression: limits.compression)
        } else {
            output.writeFrame(
                kind: .request, code: method, requestID: requestID, body: body, compression: limits.compression)
        }
        return requestID
    }

    /// After the first answer of a request that goes on being answered (Watch): later answers
    /// under `requestID` come as ``FrameAction/streamed(_:status:frame:)`` with `entry`.
    public mutating func continueStream(requestID: UInt32, _ entry: Pending) {
        guard acceptsRequests || isGoneAway else { return }
        streams[requestID] = entry
    }

    /// The client ended a stream (its Unwatch was answered): later answers are ignored.
    public mutating func endStream(requestID: UInt32) -> Pending? {
        streams.removeValue(forKey: requestID)
    }

    /// Streams open now.
    public var streamCount: Int { streams.count }

    private var isGoneAway: Bool {
        if case .goneAway = state { return true }
        return false
    }

    /// Changes what is kept for a pending request (e.g. to add its timer once it has an id).
    public mutating func updatePending(requestID: UInt32, _ update: (inout Pending) -> Void) {
        guard pending[requestID] != nil else { return }
        update(&pending[requestID]!)
    }

    /// Gives up on one request (its timeout passed): returns what was kept, nil when it was
    /// already answered or failed. A late answer is then ignored.
    public mutating func abandon(requestID: UInt32) -> Pending? {
        pending.removeValue(forKey: requestID)
    }

    /// Gives up on every pending request matching `shouldAbandon`; returns them.
    public mutating func abandon(where shouldAbandon: (Pending) -> Bool) -> [Pending] {
        let ids = pending.filter { shouldAbandon($0.value) }.keys.sorted()
        return ids.map { pending.removeValue(forKey: $0)! }
    }

    // MARK: Bodies

    /// A response's body with LZ4 undone, within the negotiated limits.
    public func decodedBody(of frame: Frame, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        try frame.decodedBody(maxSize: limits.maxBody, lz4Allowed: limits.compression.lz4, allocator: allocator)
    }
}

extension ClientConnectionStateMachine: Sendable where Pending: Sendable {}
extension ClientConnectionStateMachine.FrameAction: Sendable where Pending: Sendable {}
extension ClientConnectionStateMachine.Ending: Sendable where Pending: Sendable {}

/// What HELLO_OK allows; before it, the defaults a HELLO exchange needs.
public struct ClientConnectionLimits: Sendable, Hashable {
    /// Largest frame body, both ways (`max_frame_size`).
    public var maxBody: Int
    /// How request bodies are compressed: LZ4 above a threshold once both sides chose it.
    public var compression: CompressionPolicy
    /// The server honours the DEADLINE flag (`request_deadlines`).
    public var requestDeadlines: Bool

    public init(maxBody: Int, compression: CompressionPolicy, requestDeadlines: Bool) {
        self.maxBody = maxBody
        self.compression = compression
        self.requestDeadlines = requestDeadlines
    }

    /// Until HELLO_OK: a HELLO_OK is small, and nothing is compressed or carries a deadline.
    public static let beforeHandshake = ClientConnectionLimits(
        maxBody: 16 * 1024, compression: .none, requestDeadlines: false)
}

/// Why a request was not sent.
public enum ClientRequestRefusal: Error, Sendable, Hashable {
    /// HELLO_OK has not arrived yet.
    case handshakeNotFinished
    /// The connection closed, failed or was refused.
    case closed
    /// The server sent GOAWAY: it processes no request above `lastRequestID`.
    case goneAway(lastRequestID: UInt32)
    /// The body is over the server's `max_frame_size`. Sent, it would cost the whole
    /// connection (the server answers an oversized frame with GOAWAY, and a body declaring
    /// more than the limit with BAD_COMPRESSION); refused here it is one call's error.
    case tooLarge(size: Int, limit: Int)
}
