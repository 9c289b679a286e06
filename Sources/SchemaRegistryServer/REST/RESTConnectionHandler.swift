import Logging
import NIOCore
import NIOHTTP1
import SRPWire
import SchemaRegistryCore

/// One REST connection, behind NIO's HTTP/1.1 pipeline (which keeps pipelined requests in
/// order: the next request is read only once this one is answered).
///
/// Per request: route, authenticate, the connection's token bucket (429), then either the
/// cached `GET /schemas/ids/{id}` answered from L1's pre-encoded JSON on the event loop, or the
/// server-wide in-flight budget (503 when shed) and a task that runs ``RESTAPI``.
final class RESTConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection of the server shares.
    struct Shared: Sendable {
        let api: RESTAPI
        let schemas: SchemaTier
        let keyRing: APIKeyRing?
        let overload: OverloadGuard
        let metrics: RESTMetrics
        let maxBodyBytes: Int
        let tokenRate: Double
        let tokenBurst: Double
        let logger: Logger
    }

    private let shared: Shared
    private let clock: RESTRequestClock
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// The request being read is refused already (its body is too large): the rest is dropped.
    private var refused = false
    private var bucket: TokenBucket
    /// The headers of the last plain answer, reused when the next has the same length and type.
    private var lastHeaders: (length: Int, type: String, headers: HTTPHeaders)?

    init(shared: Shared, clock: RESTRequestClock) {
        self.shared = shared
        self.clock = clock
        self.bucket = TokenBucket(
            rate: shared.tokenRate, burst: shared.tokenBurst, now: NIODeadline.now().uptimeNanoseconds)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            refused = false
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > shared.maxBodyBytes {
                refuseOversizedBody(context: context, length: length)
            }
        case .body(var part):
            guard !refused else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > shared.maxBodyBytes {
                refuseOversizedBody(context: context, length: nil)
                return
            }
            if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard let head, !refused else { return }
            self.head = nil
            clock.requestRead()
            handle(head, body: body ?? ByteBuffer(), context: context)
            body = nil
        }
    }

    /// 413 at once (before the body is read) and close: reading a body we will not use only
    /// costs the server; the lingering close lets the client read the answer.
    private func refuseOversizedBody(context: ChannelHandlerContext, length: Int?) {
        refused = true
        guard let head else { return }
        let size = length.map { "of \($0) bytes " } ?? ""
        var answer = RESTResponse.error(
            .payloadTooLarge, code: 413, "The request body \(size)exceeds the limit of \(shared.maxBodyBytes) bytes.")
        answer.close = true
        write(answer, for: head, route: nil, context: context)
    }

    private func handle(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let route: RESTRoute
        switch Self.plainSchemaRead(head) ?? RESTRouter.route(head.method, path: String(RESTRequest.path(of: head.uri)))
        {
        case .success(let found): route = found
        case .failure(.notFound):
            return write(.error(.notFound, code: 404, "HTTP 404 Not Found"), for: head, route: nil, context: context)
        case .failure(.methodNotAllowed(let allowed)):
            let allow = allowed.map { "\($0)" }.joined(separator: ", ")
            let answer = RESTResponse.error(
                .methodNotAllowed, code: 405, "HTTP 405 Method Not Allowed", headers: [("allow", allow)])
            return write(answer, for: head, route: nil, context: context)
        }
        let principal: Principal?
        switch authenticate(head) {
        case .success(let found): principal = found
        case .failure(let refusal): return write(refusal.response, for: head, route: route, context: context)
        }
        let now = NIODeadline.now().uptimeNanoseconds
        if case .throttled(let wait) = bucket.take(cost: 1, now: now) {
            let seconds = max(1, (wait + 999_999_999) / 1_000_000_000)
            let answer = RESTResponse.error(
                .tooManyRequests, code: 42901, "Too many requests on this connection: retry after \(seconds) s.",
                headers: [("retry-after", "\(seconds)")])
            return write(answer, for: head, route: route, context: context)
        }
        var l1Missed = false
        if case .schemaByID(let text) = route, principal?.isUnrestricted ?? true, Self.answerableFromL1(head.uri),
            let id = try? RESTAPI.schemaID(text)
        {
            if let entry = shared.schemas.cached(id) {
                shared.metrics.recordCached()
                return write(
                    RESTResponse(status: .ok, body: shared.schemas.json(of: entry, id: id)), for: head, route: nil,
                    context: context)
            }
            l1Missed = true
        }
        var request = RESTRequest(
            route: route, method: head.method, target: head.uri, headers: head.headers, body: body)
        request.l1Missed = l1Missed
        guard shared.overload.tryAcquire(isWrite: route.isWrite, now: now) else {
            let answer = RESTResponse.error(
                .serviceUnavailable, code: 50302, "The server is overloaded: retry shortly.",
                headers: [("retry-after", "1")])
            return write(answer, for: head, route: route, context: context)
        }
        run(request, principal: principal, head: head, started: now, context: context)
    }

    private func run(
        _ request: RESTRequest, principal: Principal?, head: HTTPRequestHead, started: UInt64,
        context: ChannelHandlerContext
    ) {
        let (api, overload, route) = (shared.api, shared.overload, request.route)
        let answer = context.eventLoop.makeFutureWithTask { await api.respond(to: request, principal: principal) }
        answer.assumeIsolated().whenSuccess { [self] response in
            let now = NIODeadline.now().uptimeNanoseconds
            overload.release(isWrite: route.isWrite, latency: now &- started, now: now)
            shared.metrics.record(route, status: response.status, nanoseconds: now &- started)
            write(response, for: head, route: nil, context: context)
        }
    }

    /// `GET /schemas/ids/{digits}` recognised without the router (no allocation): the hot route.
    static func plainSchemaRead(_ head: HTTPRequestHead) -> Result<RESTRoute, RESTRouter.Failure>? {
        guard head.method == .GET else { return nil }
        let prefix = "/schemas/ids/"
        guard head.uri.utf8.count > prefix.utf8.count, head.uri.hasPrefix(prefix) else { return nil }
        let rest = head.uri.utf8.dropFirst(prefix.utf8.count)
        let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        guard !digits.isEmpty, digits.count <= 10,
            rest.count == digits.count || rest[digits.endIndex] == UInt8(ascii: "?")
        else { return nil }
        return .success(.schemaByID(String(Substring(digits))))
    }

    /// The cached answer is the plain `SchemaString`: not with `fetchMaxId` or `format=serialized`.
    static func answerableFromL1(_ uri: String) -> Bool {
        guard uri.utf8.contains(UInt8(ascii: "?")) else { return true }
        let query = RESTRequest.parseQuery(uri)
        return !query.contains { $0.0 == "fetchMaxId" || ($0.0 == "format" && $0.1 == "serialized") }
    }

    /// The principal of the request's key; a 401 answer when a key is required and this one is not valid.
    private func authenticate(_ head: HTTPRequestHead) -> Result<Principal?, RESTResponseFailure> {
        guard let keyRing = shared.keyRing else { return .success(nil) }
        switch keyRing.authenticate(apiKey: RESTAuthentication.presentedKey(head.headers)) {
        case .open:
            return .success(nil)
        case .allowed(let principal) where !principal.isRevoked:
            return .success(principal)
        case .allowed(let principal):
            shared.logger.notice("REST request refused: API key revoked", metadata: ["key_id": "\(principal.keyID)"])
        case .rejected(let reason):
            shared.logger.notice("REST request refused", metadata: ["reason": "\(reason)"])
        }
        shared.metrics.authFailures.increment()
        return .failure(
            RESTResponseFailure(
                response: .error(
                    .unauthorized, code: 401,
                    "Unauthorized: send an API key as HTTP Basic (any user name, the key as password) or Bearer.",
                    headers: [("www-authenticate", RESTAuthentication.challenge)])))
    }

    /// Writes an answer; `route` non-nil records it in the metrics (answers from tasks are
    /// recorded where they finish).
    private func write(
        _ response: RESTResponse, for head: HTTPRequestHead, route: RESTRoute?, context: ChannelHandlerContext
    ) {
        if let route { shared.metrics.record(route, status: response.status, nanoseconds: 0) }
        let keepAlive = head.isKeepAlive && !response.close
        let type = response.contentType ?? RESTResponse.mediaType(accepting: head.headers.first(name: "accept"))
        let length = response.body.readableBytes
        let plain = keepAlive && response.headers.isEmpty
        let headers: HTTPHeaders
        if plain, let last = lastHeaders, last.length == length, last.type == type {
            // A client reading one schema again and again (the common case): the same headers.
            headers = last.headers
        } else {
            var made = HTTPHeaders()
            made.reserveCapacity(3 + response.headers.count)
            made.add(name: "content-type", value: type)
            made.add(name: "content-length", value: String(length))
            for (name, value) in response.headers { made.add(name: name, value: value) }
            if !keepAlive { made.add(name: "connection", value: "close") }
            if plain { lastHeaders = (length, type, made) }
            headers = made
        }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))),
            promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive {
            clock.answerSent()
        } else {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// A malformed request was answered 400 by NIO's error handler; nothing more on this
    /// connection can be trusted, so it closes (lingering: the 400 is read before the reset).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("REST connection closed on a malformed request", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

/// A refusal made before a request runs.
struct RESTResponseFailure: Error {
    var response: RESTResponse
}
