// Frame decoder + handshake: the input is what a client sends on a fresh connection
// (preface, HELLO, frames, LZ4 bodies), fed to SRPFrameDecoder and ServerConnectionStateMachine
// the way SRPConnectionHandler does, with every documented invariant checked.
//
// Input: byte 0 = how the stream is cut into reads (bits 0-6: bytes per read, 0 = all at
// once; bit 7: the server starts shutting down right after the handshake); the rest is
// the byte stream.
import FuzzSupport
import NIOCore
import SRPWire
import SwiftProtobuf

/// Small limits, so that the fuzzer reaches them.
private let configuration: ServerConnectionStateMachine.Configuration = {
    var configuration = ServerConnectionStateMachine.Configuration()
    configuration.maxBody = 64 * 1024
    configuration.maxInFlight = 4
    configuration.tokenRate = 1000
    configuration.tokenBurst = 40
    return configuration
}()

/// What the decoder may throw (PROTOCOL.md section 4 and 11): all close the connection.
private let headerStatuses: Set<StatusCode> = [
    .badPreface, .unsupportedVersion, .frameTooLarge, .badFlags, .unknownKind,
]
/// What a RESPONSE from the state machine may carry.
private let rejectStatuses: Set<StatusCode> = [.unknownMethod, .protocolError, .shuttingDown, .throttled]
private let allocator = ByteBufferAllocator()

private struct FuzzServer {
    var machine = ServerConnectionStateMachine(configuration: configuration, now: 0)
    var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: configuration.preHandshakeMaxBody)
    var inbound = ByteBuffer()
    var now: UInt64 = 1
    var prefaceSeen = false
    var handshakeDone = false
    var closed = false
    var inFlight = 0
    let shutDownAfterHandshake: Bool

    init(shutDownAfterHandshake: Bool) {
        self.shutDownAfterHandshake = shutDownAfterHandshake
    }

    mutating func received(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        inbound.writeBytes(bytes)
        now += 1_000_000  // each read 1 ms after the last
        decodeAll()
    }

    mutating func decodeAll() {
        while !closed {
            if machine.isReady, !machine.mayDecodeRequests(now: now) {
                // What the handler's paused read amounts to: in-flight requests complete and the
                // mute passes; then reading resumes.
                completeAll()
                now = max(now, machine.mutedUntil)
                fuzzCheck(machine.mayDecodeRequests(now: now), "still paused with nothing in flight and the mute over")
            }
            decoder.maxBodyLength = machine.maxBodyLength
            fuzzCheck(
                decoder.maxBodyLength == (handshakeDone ? configuration.maxBody : configuration.preHandshakeMaxBody),
                "body limit \(decoder.maxBodyLength) does not follow the handshake")
            let before = inbound.readableBytes
            let item: SRPInbound?
            do {
                item = try decoder.decode(buffer: &inbound)
            } catch let violation as ProtocolViolation {
                fuzzCheck(headerStatuses.contains(violation.status), "decoder threw \(violation)")
                closed = true
                return
            } catch {
                fatalError("decoder threw \(type(of: error)): \(error)")
            }
            guard let item else {
                fuzzCheck(inbound.readableBytes == before, "decoder consumed bytes and yielded nothing")
                // Never more buffered than one preface, or one header and a body within the limit.
                let bound =
                    prefaceSeen
                    ? FrameHeader.size + decoder.maxBodyLength + FrameHeader.compressedPrefixSize : SRPPreface.size
                fuzzCheck(inbound.readableBytes < bound, "\(inbound.readableBytes) bytes waiting, bound \(bound)")
                return
            }
            switch item {
            case .preface(let version):
                fuzzCheck(!prefaceSeen && version == SRPPreface.version, "preface \(version) twice or wrong")
                fuzzCheck(before - inbound.readableBytes == SRPPreface.size, "preface not 8 bytes")
                prefaceSeen = true
                machine.prefaceReceived()
            case .frame(let frame):
                fuzzCheck(prefaceSeen, "frame before the preface")
                let limit =
                    decoder.maxBodyLength + (frame.header.flags.contains(.lz4) ? FrameHeader.compressedPrefixSize : 0)
                fuzzCheck(
                    frame.body.readableBytes == Int(frame.header.bodyLength) && frame.body.readableBytes <= limit,
                    "body of \(frame.body.readableBytes) bytes, header says \(frame.header.bodyLength), limit \(limit)")
                fuzzCheck(
                    before - inbound.readableBytes == FrameHeader.size + frame.body.readableBytes,
                    "frame consumed the wrong number of bytes")
                fuzzCheck(frame.header.flags.isSubset(of: .known), "reserved flags let through")
                handle(frame)
                now += 100_000
            }
        }
    }

    mutating func handle(_ frame: Frame) {
        let action = machine.frameReceived(frame.header, now: now)
        switch action {
        case .handshake:
            fuzzCheck(
                !handshakeDone && frame.header.kind == .request && frame.header.code == SRPMethod.hello.rawValue,
                "handshake action for \(frame.header)")
            // As SRPConnectionHandler.completeHandshake: plain body, a HelloRequest, version 1.
            guard frame.header.flags.isEmpty,
                let hello = checkRoundTrip(Srp_HelloRequest.self, Array(frame.body.readableBytesView))
                    as? Srp_HelloRequest
            else {
                machine.handshakeFailed()
                fuzzCheck(machine.isClosed, "a failed handshake leaves the connection open")
                closed = true
                return
            }
            guard hello.protocolVersions.isEmpty || hello.protocolVersions.contains(UInt32(SRPPreface.version)) else {
                machine.handshakeFailed()
                closed = true
                return
            }
            machine.handshakeCompleted(lz4: hello.compressions.contains(.lz4))
            fuzzCheck(machine.isReady, "not ready after the handshake")
            fuzzCheck(machine.lz4Negotiated == hello.compressions.contains(.lz4), "LZ4 not as negotiated")
            handshakeDone = true
            if shutDownAfterHandshake {
                fuzzCheck(machine.shutdownRequested(), "shutdown of a ready connection did nothing")
            }
        case .dispatch(let method, let requestID):
            fuzzCheck(
                handshakeDone && frame.header.kind == .request, "dispatch before the handshake or of a non-request")
            fuzzCheck(
                requestID == frame.header.requestID && method.rawValue == frame.header.code, "dispatch of another frame"
            )
            guard method != .hello else {
                fatalError("dispatch of method \(method)")
            }
            inFlight += 1
            fuzzCheck(machine.inFlight == inFlight, "machine counts \(machine.inFlight) in flight, \(inFlight) sent")
            fuzzCheck(inFlight <= configuration.maxInFlight, "\(inFlight) in flight, cap \(configuration.maxInFlight)")
            fuzzCheck(machine.lastDispatchedRequestID >= requestID, "last dispatched id went back")
            dispatch(frame, method)
        case .reject(let requestID, let status, _, let retryAfter):
            fuzzCheck(requestID == frame.header.requestID, "reject of another frame")
            fuzzCheck(rejectStatuses.contains(status), "request rejected with \(status)")
            fuzzCheck((status == .throttled) == (retryAfter > 0), "\(status) with retry-after \(retryAfter) ms")
        case .pong(let requestID):
            fuzzCheck(frame.header.kind == .ping && requestID == frame.header.requestID, "PONG for \(frame.header)")
        case .ignore:
            fuzzCheck(frame.header.kind == .pong || frame.header.kind == .goAway, "ignored \(frame.header)")
        case .goAwayAndClose(let status, _):
            fuzzCheck(status == .handshakeRequired || status == .protocolError, "GOAWAY \(status)")
            fuzzCheck(machine.isClosed, "GOAWAY and the machine is not closed")
            closed = true
        }
    }

    /// What the handler does before running a request: undo LZ4, decode the request message.
    mutating func dispatch(_ frame: Frame, _ method: SRPMethod) {
        let body: ByteBuffer
        do {
            body = try frame.decodedBody(
                maxSize: configuration.maxBody, lz4Allowed: machine.lz4Negotiated, allocator: allocator)
        } catch let violation as ProtocolViolation {
            fuzzCheck(violation.status == .badCompression, "body rejected with \(violation)")
            return
        } catch {
            fatalError("decodedBody threw \(type(of: error)): \(error)")
        }
        fuzzCheck(body.readableBytes <= configuration.maxBody, "LZ4 body expanded to \(body.readableBytes) bytes")
        if frame.header.flags.contains(.lz4), let again = LZ4Body.compress(body, allocator: allocator) {
            let back = try? LZ4Body.decompress(again, maxSize: configuration.maxBody, allocator: allocator)
            fuzzCheck(back == body, "LZ4 round trip changed the body")
        }
        checkRoundTrip(RequestTypes.all[method]!, Array(body.readableBytesView))
    }

    mutating func completeAll() {
        while inFlight > 0 {
            machine.requestCompleted()
            inFlight -= 1
        }
        fuzzCheck(machine.inFlight == 0, "in flight after all completed")
    }

    /// The peer closed: what is left must be a clean end or a PROTOCOL_ERROR.
    mutating func endOfStream() {
        while !closed {
            do {
                guard let item = try decoder.decodeLast(buffer: &inbound, seenEOF: true) else { break }
                fatalError("decodeLast yielded \(item) after decode yielded nothing")
            } catch let violation as ProtocolViolation {
                fuzzCheck(
                    violation.status == .protocolError || headerStatuses.contains(violation.status),
                    "decodeLast threw \(violation)")
                closed = true
            } catch {
                fatalError("decodeLast threw \(type(of: error)): \(error)")
            }
        }
        machine.closed()
        fuzzCheck(machine.isClosed && machine.drained, "closed connection not drained")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let control = input.first else { return 0 }
    let stream = input.dropFirst()
    let chunk = control & 0x7F == 0 ? max(1, stream.count) : Int(control & 0x7F)
    var server = FuzzServer(shutDownAfterHandshake: control & 0x80 != 0)
    var offset = stream.startIndex
    while offset < stream.endIndex, !server.closed {
        let end = min(offset + chunk, stream.endIndex)
        server.received(stream[offset..<end])
        offset = end
    }
    if !server.closed { server.endOfStream() }
    return 0
}

@main
enum Main {
    static func main() {
        _ = RequestTypes.all  // built before libFuzzer checks inputs for leaks
        runLibFuzzer(fuzz)
    }
}
