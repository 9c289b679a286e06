import NIOCore
import NIOPosix
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A peer that completes the handshake and then never answers: what a stuck server looks like.
private final class SilentServerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        // The first read carries the preface and HELLO: answer HELLO_OK once, ignore the rest.
        guard bytes.readableBytesView.starts(with: SRPPreface.magic) else { return }
        let hello = Srp_HelloResponse.with {
            $0.protocolVersion = 1
            $0.maxFrameSize = 1 << 20
            $0.maxInFlight = 100
        }
        var frame = ByteBuffer()
        frame.writeFrame(
            kind: .response, code: 0, requestID: 0, body: ByteBuffer(bytes: try! hello.serializedBytes() as [UInt8]))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}

@Suite("Client behaviour")
struct ClientBehaviourTests {
    @Test func perCallDeadline() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SilentServerHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = SchemaRegistryClient(configuration: .init(host: "127.0.0.1", port: listener.localAddress!.port!))
        let error = await #expect(throws: SchemaRegistryClientError.self) {
            try await client.getSchemaById(.with { $0.id = 1 }, options: CallOptions(timeout: .milliseconds(200)))
        }
        #expect(error?.code == .deadlineExceeded)
        await client.close()
        try await listener.close()
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let first = try await TestServer.start()
        let port = first.port
        let client = first.client()
        let registered = try await client.registerSchema(
            .with {
                $0.subject = "restart"
                $0.schema = avroRecord("Restart")
            })
        await first.stop(keepData: true)
        // While nothing listens, calls fail fast with a connection error.
        let down = await #expect(throws: SchemaRegistryClientError.self) {
            try await client.getSchemaById(.with { $0.id = registered.id })
        }
        #expect(down?.code == .connectionFailed || down?.code == .connectionClosed)

        let second = try await TestServer.start(directory: first.directory) { $0.port = port }
        let fetched = try await client.getSchemaById(.with { $0.id = registered.id })
        #expect(fetched.schema.id == registered.id)
        await client.close()
        await second.stop()
    }

    @Test func connectionRefusedIsATypedError() async throws {
        // A socket bound but never listening holds the port: connecting to it is refused, and
        // nothing else (a server of a test running in parallel) can take the port meanwhile.
        let (holder, port) = try Ports.boundLoopbackSocket()
        defer { close(holder) }
        let client = SchemaRegistryClient(configuration: .init(host: "127.0.0.1", port: port))
        let error = await #expect(throws: SchemaRegistryClientError.self) { try await client.ping(.init()) }
        #expect(error?.code == .connectionFailed)
    }

    /// A listener that accepts and never answers HELLO fails the call within the connect timeout.
    @Test func handshakeThatNeverCompletesFailsInTime() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        var configuration = ClientConfiguration(host: "127.0.0.1", port: listener.localAddress!.port!)
        // Long enough for a loaded machine to finish the TCP connect (so the error is about HELLO_OK).
        configuration.connectTimeout = .seconds(2)
        let client = SchemaRegistryClient(configuration: configuration)
        let error = await #expect(throws: SchemaRegistryClientError.self) { try await client.ping(.init()) }
        #expect(error?.message.contains("HELLO_OK") == true)
        await client.close()
        try await listener.close()
    }
}
