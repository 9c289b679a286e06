import NIOCore
import SRPWire

/// Answers a connection refused at accept with GOAWAY OVERLOADED and the reason, then closes:
/// the client learns why instead of seeing a bare reset. Reads nothing.
final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let reason: String

    init(reason: String) {
        self.reason = reason
    }

    func channelActive(context: ChannelHandlerContext) {
        let body = Srp_ErrorBody.with {
            $0.code = UInt32(StatusCode.overloaded.rawValue)
            $0.message = "connection refused: \(reason)"
            $0.retryAfterMs = 1000
        }
        var frame = context.channel.allocator.buffer(capacity: 128)
        frame.writeFrame(
            kind: .goAway, flags: [], code: StatusCode.overloaded.rawValue, requestID: 0,
            encodedBody: ByteBuffer(bytes: (try? body.serializedBytes() as [UInt8]) ?? []))
        // A lingering close (LingeringCloseHandler): the HELLO the client sent meanwhile is
        // drained, so the client reads this GOAWAY instead of a reset.
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
