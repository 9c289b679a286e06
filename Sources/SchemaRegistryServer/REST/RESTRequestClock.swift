import NIOCore

/// The REST port's two timeouts, on raw bytes before the HTTP decoder (which cannot tell an
/// idle keep-alive connection from one trickling a request header):
///
/// - **idle**: a connection between requests (nothing read since the last answer) is closed
///   after `idle`;
/// - **request**: once a request's first byte is read it must arrive whole within `request`,
///   or the connection is answered 408 and closed (slowloris: headers or a body that never end).
///
/// ``RESTConnectionHandler`` reports when a request was read whole and when its answer went out.
final class RESTRequestClock: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        /// Between requests, nothing read since.
        case idle
        /// Bytes of a request are arriving.
        case reading
        /// A request was read whole; its answer is being made.
        case answering
    }

    private let idle: TimeAmount
    private let request: TimeAmount
    private var state = State.idle
    private var bytesSinceRequest = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(idle: TimeAmount, request: TimeAmount) {
        self.idle = idle
        self.request = request
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(idle, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(idle, context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .idle:
            state = .reading
            arm(request, context: context)
        case .answering:
            bytesSinceRequest = true
        case .reading:
            break
        }
        context.fireChannelRead(data)
    }

    /// A request was read to its end: no deadline while it is answered.
    func requestRead() {
        state = .answering
        bytesSinceRequest = false
        timer?.cancel()
        timer = nil
    }

    /// Its answer was written: the next request (already started if bytes came meanwhile) or idleness.
    func answerSent() {
        guard let context else { return }
        state = bytesSinceRequest ? .reading : .idle
        arm(state == .reading ? request : idle, context: context)
    }

    private func arm(_ after: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        let expired = state
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: after) { [weak self] in
            self?.expire(expired)
        }
    }

    private func expire(_ expired: State) {
        guard let context, state == expired else { return }
        if expired == .reading {
            // Written below the HTTP encoder: no answer is in progress while a request is unread.
            let body = #"{"error_code":408,"message":"The request was not received in time."}"#
            let head =
                "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/vnd.schemaregistry.v1+json\r\n"
                + "content-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
            context.writeAndFlush(NIOAny(ByteBuffer(string: head + body)), promise: nil)
        }
        context.close(promise: nil)
    }
}
