import NIOCore
import SRPWire
import SwiftProtobuf
import Testing

/// Event in, action out: the client's handshake, request ids and GOAWAY without sockets.
@Suite("ClientConnectionStateMachine")
struct ClientConnectionStateMachineTests {
    typealias Machine = ClientConnectionStateMachine<String>

    private func frame(
        _ kind: FrameKind, flags: FrameFlags = [], code: UInt16 = 0, id: UInt32, body: ByteBuffer = .init()
    )
        -> Frame
    {
        Frame(
            header: FrameHeader(
                bodyLength: UInt32(body.readableBytes), kind: kind, flags: flags, code: code, requestID: id),
            body: body)
    }

    private func bytes(_ message: some SwiftProtobuf.Message) -> ByteBuffer {
        ByteBuffer(bytes: try! message.serializedBytes() as [UInt8])
    }

    private func helloOK(
        maxFrameSize: UInt32 = 4 << 20, lz4: Bool = false, threshold: UInt32 = 0, deadlines: Bool = false
    ) -> Frame {
        frame(
            .response, code: StatusCode.ok.rawValue, id: 0,
            body: bytes(
                Srp_HelloResponse.with {
                    $0.protocolVersion = 1
                    $0.maxFrameSize = maxFrameSize
                    $0.compression = lz4 ? .lz4 : .none
                    $0.compressionThreshold = threshold
                    $0.requestDeadlines = deadlines
                }))
    }

    /// Every frame in `buffer`.
    private func frames(in buffer: ByteBuffer) throws -> [Frame] {
        var buffer = buffer
        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: 64 << 20)
        var result: [Frame] = []
        while case .frame(let frame)? = try decoder.decode(buffer: &buffer) { result.append(frame) }
        #expect(buffer.readableBytes == 0)
        return result
    }

    /// A machine past HELLO_OK.
    private func ready(_ answer: Frame? = nil, offerLZ4: Bool = false, threshold: Int = 512) -> Machine {
        var machine = Machine(clientName: "test", offerLZ4: offerLZ4, compressionThreshold: threshold)
        _ = machine.connected()
        guard case .handshakeCompleted = machine.frameReceived(answer ?? helloOK()) else {
            Issue.record("no handshake")
            return machine
        }
        return machine
    }

    private func send(
        _ machine: inout Machine, _ entry: String, body: ByteBuffer = ByteBuffer(bytes: [1, 2, 3]),
        deadline: UInt32? = nil
    ) throws -> (id: UInt32, frame: Frame) {
        var output = ByteBuffer()
        let id = try machine.startRequest(
            method: SRPMethod.getSchemaById.rawValue, body: body, deadlineMilliseconds: deadline, entry: entry,
            into: &output)
        let written = try frames(in: output)
        #expect(written.count == 1)
        return (id, written[0])
    }

    private func refusal(_ machine: inout Machine, body: ByteBuffer = ByteBuffer(bytes: [1])) -> ClientRequestRefusal? {
        var output = ByteBuffer()
        do {
            _ = try machine.startRequest(method: 5, body: body, entry: "refused", into: &output)
            return nil
        } catch {
            #expect(output.readableBytes == 0, "a refused request writes nothing")
            return error
        }
    }

    // MARK: Handshake

    @Test("connected writes the preface and a HELLO with id 0, once")
    func connectedWritesPrefaceAndHello() throws {
        var machine = Machine(clientName: "tool", apiKey: "sr_key", offerLZ4: true)
        var written = machine.connected()
        #expect(written.readBytes(length: SRPPreface.size) == SRPPreface.bytes)
        let hello = try #require(try frames(in: written).first)
        #expect(hello.header.kind == .request)
        #expect(hello.header.code == SRPMethod.hello.rawValue)
        #expect(hello.header.requestID == 0)
        let request = try Srp_HelloRequest(serializedBytes: Array(hello.body.readableBytesView))
        #expect(request.protocolVersions == [UInt32(SRPPreface.version)])
        #expect(request.clientName == "tool")
        #expect(request.compressions == [.lz4])
        #expect(request.credentials.apiKey == "sr_key")
        #expect(machine.connected().readableBytes == 0, "a second connect writes nothing")

        let plain = Machine(clientName: "load").hello
        #expect(plain.compressions.isEmpty)
        #expect(!plain.hasCredentials)
    }

    @Test("no request before HELLO_OK; 16 KiB frames until then")
    func nothingBeforeHelloOK() {
        var machine = Machine(clientName: "test")
        #expect(refusal(&machine) == .handshakeNotFinished)
        _ = machine.connected()
        #expect(refusal(&machine) == .handshakeNotFinished)
        #expect(machine.maxBodyLength == 16 * 1024)
        #expect(!machine.acceptsRequests)
        #expect(!machine.isHandshakeFinished)
        // An answer with a request id other than 0 cannot be to anything yet.
        #expect(isIgnore(machine.frameReceived(frame(.response, id: 7))))
    }

    @Test("HELLO_OK sets the frame limit, LZ4 with the larger threshold, and deadlines")
    func helloOKSetsLimits() {
        var machine = Machine(clientName: "test", offerLZ4: true, compressionThreshold: 100)
        _ = machine.connected()
        let action = machine.frameReceived(helloOK(maxFrameSize: 1 << 20, lz4: true, threshold: 300, deadlines: true))
        guard case .handshakeCompleted(let answer) = action else {
            Issue.record("\(action)")
            return
        }
        #expect(answer.maxFrameSize == 1 << 20)
        #expect(machine.acceptsRequests)
        #expect(machine.isHandshakeFinished)
        #expect(
            machine.limits
                == .init(maxBody: 1 << 20, compression: .init(lz4: true, threshold: 300), requestDeadlines: true))
        // A later response with id 0 is not a second handshake.
        #expect(isIgnore(machine.frameReceived(helloOK(maxFrameSize: 1))))
        #expect(machine.maxBodyLength == 1 << 20)
    }

    @Test("LZ4 is used only when this side offered it")
    func lz4OnlyWhenOffered() {
        let machine = ready(helloOK(lz4: true), offerLZ4: false)
        #expect(machine.limits.compression == .none)
    }

    @Test("an error answer to HELLO refuses the handshake with the server's message")
    func helloRefused() {
        var machine = Machine(clientName: "test")
        _ = machine.connected()
        let answer = frame(
            .response, code: StatusCode.unauthenticated.rawValue, id: 0,
            body: bytes(Srp_ErrorBody.with { $0.message = "an API key is required" }))
        guard case .handshakeRefused(let status, let message) = machine.frameReceived(answer) else {
            Issue.record("not refused")
            return
        }
        #expect(status == .unauthenticated)
        #expect(message == "an API key is required")
        #expect(refusal(&machine) == .closed)
        #expect(machine.closed().handshakeWasPending == false, "the refusal already ended the handshake")
    }

    @Test("GOAWAY before HELLO_OK refuses the handshake")
    func goAwayBeforeHelloOK() {
        var machine = Machine(clientName: "test")
        _ = machine.connected()
        let goAway = frame(
            .goAway, code: StatusCode.handshakeTimeout.rawValue, id: 0,
            body: bytes(Srp_ErrorBody.with { $0.message = "too slow" }))
        guard case .handshakeRefused(let status, let message) = machine.frameReceived(goAway) else {
            Issue.record("not refused")
            return
        }
        #expect(status == .handshakeTimeout)
        #expect(message == "too slow")
    }

    @Test("a HELLO_OK that does not parse, or is LZ4, fails the connection")
    func malformedHelloOK() {
        var machine = Machine(clientName: "test")
        _ = machine.connected()
        let garbage = frame(.response, code: 0, id: 0, body: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF]))
        guard case .fail(_, let ending) = machine.frameReceived(garbage) else {
            Issue.record("not failed")
            return
        }
        #expect(ending.handshakeWasPending)
        #expect(refusal(&machine) == .closed)

        var compressed = Machine(clientName: "test", offerLZ4: true)
        _ = compressed.connected()
        guard case .fail(let message, _) = compressed.frameReceived(frame(.response, flags: .lz4, id: 0)) else {
            Issue.record("an LZ4 HELLO_OK was accepted")
            return
        }
        #expect(message.contains("LZ4"), "\(message)")
    }

    // MARK: Requests

    @Test("request ids count from 1 and answers come back with what was kept, in any order")
    func requestIDsAndAnswers() throws {
        var machine = ready()
        let first = try send(&machine, "first")
        let second = try send(&machine, "second")
        #expect(first.id == 1)
        #expect(second.id == 2)
        #expect(first.frame.header.kind == .request)
        #expect(first.frame.header.code == SRPMethod.getSchemaById.rawValue)
        #expect(first.frame.header.requestID == 1)
        #expect(Array(first.frame.body.readableBytesView) == [1, 2, 3])
        #expect(machine.pendingCount == 2)

        let answer = frame(.response, code: StatusCode.ok.rawValue, id: 2, body: ByteBuffer(bytes: [9]))
        guard case .response(let entry, let status, let received) = machine.frameReceived(answer) else {
            Issue.record("no response")
            return
        }
        #expect(entry == "second")
        #expect(status == .ok)
        #expect(Array(received.body.readableBytesView) == [9])
        // Answered once: a repeat, or an answer to an id never used, is ignored.
        #expect(isIgnore(machine.frameReceived(answer)))
        #expect(isIgnore(machine.frameReceived(frame(.response, id: 99))))
        #expect(Array(machine.pendingRequests) == ["first"])
    }

    @Test("a body over max_frame_size is refused without using an id")
    func tooLargeIsRefused() throws {
        var machine = ready(helloOK(maxFrameSize: 8))
        let big = ByteBuffer(bytes: [UInt8](repeating: 7, count: 9))
        #expect(refusal(&machine, body: big) == .tooLarge(size: 9, limit: 8))
        #expect(machine.pendingCount == 0)
        #expect(try send(&machine, "fits", body: ByteBuffer(bytes: [UInt8](repeating: 7, count: 8))).id == 1)
    }

    @Test("DEADLINE only when the server announced request_deadlines")
    func deadlineFlag() throws {
        var without = ready(helloOK(deadlines: false))
        let plain = try send(&without, "a", deadline: 250)
        #expect(plain.frame.header.flags == [])

        var with = ready(helloOK(deadlines: true))
        var sent = try send(&with, "a", deadline: 250).frame
        #expect(sent.header.flags == .deadline)
        #expect(try sent.takeDeadline() == 250)
        #expect(Array(sent.body.readableBytesView) == [1, 2, 3])
        #expect(try send(&with, "b").frame.header.flags == [], "no deadline given, none sent")
    }

    @Test("LZ4 for bodies at or over the threshold once negotiated; decodedBody undoes it")
    func compression() throws {
        var machine = ready(helloOK(lz4: true, threshold: 64), offerLZ4: true, threshold: 16)
        let small = try send(&machine, "small", body: ByteBuffer(bytes: [UInt8](repeating: 1, count: 63)))
        #expect(small.frame.header.flags == [])
        let large = try send(&machine, "large", body: ByteBuffer(bytes: [UInt8](repeating: 1, count: 1000)))
        #expect(large.frame.header.flags == .lz4)
        // The server's answers may be LZ4 too.
        let answer = frame(.response, flags: .lz4, id: large.id, body: large.frame.body)
        guard case .response(_, _, let received) = machine.frameReceived(answer) else {
            Issue.record("no response")
            return
        }
        let body = try machine.decodedBody(of: received, allocator: ByteBufferAllocator())
        #expect(Array(body.readableBytesView) == [UInt8](repeating: 1, count: 1000))
    }

    // MARK: GOAWAY, PING, the end

    @Test("GOAWAY fails the requests above its id, in order, keeps the rest, and refuses new calls")
    func goAway() throws {
        var machine = ready()
        for name in ["one", "two", "three", "four"] { _ = try send(&machine, name) }
        let goAway = frame(
            .goAway, code: StatusCode.shuttingDown.rawValue, id: 2,
            body: bytes(Srp_ErrorBody.with { $0.message = "draining" }))
        guard case .goAway(let status, let message, let unprocessed) = machine.frameReceived(goAway) else {
            Issue.record("no goAway")
            return
        }
        #expect(status == .shuttingDown)
        #expect(message == "draining")
        #expect(unprocessed == ["three", "four"])
        #expect(!machine.acceptsRequests)
        #expect(refusal(&machine) == .goneAway(lastRequestID: 2))
        // Requests the server does process are still answered.
        guard case .response(let entry, _, _) = machine.frameReceived(frame(.response, id: 1)) else {
            Issue.record("answer after GOAWAY lost")
            return
        }
        #expect(entry == "one")
        #expect(machine.closed().unanswered == ["two"])
    }

    @Test("PING is answered with a PONG of the same id and body; PONG is ignored")
    func ping() throws {
        var machine = ready()
        let ping = frame(.ping, id: 42, body: ByteBuffer(bytes: [5, 6]))
        guard case .pong(let bytes) = machine.frameReceived(ping) else {
            Issue.record("no pong")
            return
        }
        let pong = try #require(try frames(in: bytes).first)
        #expect(pong.header.kind == .pong)
        #expect(pong.header.requestID == 42)
        #expect(Array(pong.body.readableBytesView) == [5, 6])
        #expect(isIgnore(machine.frameReceived(frame(.pong, id: 1))))
    }

    @Test("a REQUEST from the server fails the connection with what was pending")
    func requestFromServer() throws {
        var machine = ready()
        _ = try send(&machine, "a")
        guard case .fail(let message, let ending) = machine.frameReceived(frame(.request, code: 3, id: 9)) else {
            Issue.record("not failed")
            return
        }
        #expect(message.contains("REQUEST"))
        #expect(ending.unanswered == ["a"])
        #expect(!ending.handshakeWasPending)
        #expect(machine.pendingCount == 0)
    }

    @Test("closing returns what is unanswered in id order and refuses everything after")
    func closing() throws {
        var machine = ready()
        for name in ["a", "b", "c"] { _ = try send(&machine, name) }
        let ending = machine.closed()
        #expect(ending.unanswered == ["a", "b", "c"])
        #expect(!ending.handshakeWasPending)
        #expect(refusal(&machine) == .closed)
        #expect(isIgnore(machine.frameReceived(frame(.response, id: 1))))
        #expect(machine.closed().unanswered.isEmpty, "closing twice fails nothing twice")

        var early = Machine(clientName: "test")
        _ = early.connected()
        #expect(early.closed().handshakeWasPending)
    }

    @Test("abandoned requests are gone: a late answer is ignored")
    func abandon() throws {
        var machine = ready()
        let a = try send(&machine, "a").id
        _ = try send(&machine, "bb")
        _ = try send(&machine, "ccc")
        machine.updatePending(requestID: a) { $0 += "!" }
        #expect(machine.abandon(requestID: a) == "a!")
        #expect(machine.abandon(requestID: a) == nil)
        #expect(isIgnore(machine.frameReceived(frame(.response, id: a))))
        #expect(machine.abandon { $0.count > 2 } == ["ccc"])
        #expect(Array(machine.pendingRequests) == ["bb"])
    }

    private func isIgnore(_ action: Machine.FrameAction) -> Bool {
        if case .ignore = action { return true }
        return false
    }
}
