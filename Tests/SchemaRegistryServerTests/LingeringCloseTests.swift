import Foundation
import Logging
import NIOCore
import NIOPosix
import Prometheus
import SRPWire
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SchemaRegistryServer

#if canImport(Glibc)
    import Glibc
#endif

/// A connection the server closes on an error drains what the peer is still sending, so the
/// peer reads the GOAWAY (or HTTP error answer) that says why instead of a reset
/// (PROTOCOL.md, "Closing").
@Suite("Lingering close")
struct LingeringCloseTests {
    /// What one attempt of a misbehaving client sends, and the GOAWAY it must read.
    private struct Attack {
        var handshake: Bool
        var badStart: [UInt8]
        var status: StatusCode
        var reason: String
    }

    private static let attacks: [Attack] = {
        var reservedFlags = ByteBuffer()
        reservedFlags.writeFrame(
            kind: .request, flags: FrameFlags(rawValue: 0x80), code: 2, requestID: 1, encodedBody: ByteBuffer())
        var tooLarge = ByteBuffer()
        tooLarge.writeFrameHeader(FrameHeader(bodyLength: 1 << 30, kind: .request, code: 10, requestID: 1))
        return [
            Attack(
                handshake: true, badStart: Array(reservedFlags.readableBytesView), status: .badFlags,
                reason: "reserved flag bits"),
            Attack(
                handshake: true, badStart: Array(tooLarge.readableBytesView), status: .frameTooLarge,
                reason: "exceeds the limit"),
            Attack(
                handshake: false, badStart: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), status: .badPreface,
                reason: "HTTP"),
        ]
    }()

    /// One attempt on its own socket: the bad start and a burst of bytes in one write, then
    /// read until the server closes. Returns nil when the GOAWAY arrived with its reason.
    private static func attempt(port: Int, _ attack: Attack, burst: Int) -> String? {
        do {
            let raw = try RawConnection(port: port, receiveTimeoutSeconds: 60)
            if attack.handshake { _ = try raw.blockingHandshake(lz4: false) }
            raw.send(attack.badStart + [UInt8](repeating: 0x5A, count: burst))
            guard let goAway = try raw.blockingReadUntilClosed() else { return "closed without a GOAWAY" }
            let message = RawConnection.errorMessage(goAway)
            guard goAway.header.code == attack.status.rawValue, message.contains(attack.reason) else {
                return "GOAWAY \(goAway.header.code) '\(message)'"
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Runs `attempts` attacks one after another on one thread of its own; the failures.
    private static func attackRepeatedly(port: Int, attempts: Int) async -> [String] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var failures: [String] = []
                for index in 0..<attempts {
                    let attack = attacks[index % attacks.count]
                    // 8 KiB to 256 KiB: more than one read of the server's, far under the byte bound.
                    let burst = 8 * 1024 << (index % 6)
                    if let failure = attempt(port: port, attack, burst: burst) {
                        failures.append("attempt \(index) (\(attack.status), burst \(burst)): \(failure)")
                    }
                }
                continuation.resume(returning: failures)
            }
        }
    }

    @Test func aClientStillSendingAfterABadHeaderReadsTheGoAwayEveryTime() async throws {
        try await withServer { server in
            let failures = await Self.attackRepeatedly(port: server.port, attempts: 1000)
            #expect(failures.count == 0, "\(failures.count) of 1000 lost the GOAWAY; first: \(failures.prefix(3))")
            // The server lives on.
            let client = server.client()
            let info = try await client.serverInfo(.init())
            #expect(!info.serverID.isEmpty)
            await client.close()
        }
    }

    /// Without lingering (close-linger-ms = 0) the same attack loses the reason: proof that
    /// the test above tests something.
    @Test func withoutLingeringTheReasonIsLost() async throws {
        try await withServer({ $0.linger.time = .zero }) { server in
            let failures = await Self.attackRepeatedly(port: server.port, attempts: 200)
            #expect(!failures.isEmpty)
        }
    }

    @Test func aClientThatNeverStopsSendingIsClosedAtTheByteBound() async throws {
        try await withServer({ $0.linger = LingerLimits(time: .seconds(600), bytes: 64 * 1024) }) { server in
            let raw = try RawConnection(port: server.port, receiveTimeoutSeconds: 60)
            _ = try await raw.handshake()
            // 64 MiB in all, far past the byte bound: the server must close rather than drain
            // for the 600 s time bound, and the send fails once it has.
            let sent = await raw.sendUntilRefused(
                first: Self.attacks[0].badStart, total: 64 << 20)
            #expect(sent < 64 << 20)
        }
    }

    /// The HTTP port lingers too: a malformed request followed by more bytes gets its 400.
    @Test func theMetricsPortAnswersAMalformedRequestBeforeClosing() async throws {
        let metrics = MetricsHTTPServer(
            host: "127.0.0.1", port: 0, registry: PrometheusCollectorRegistry(),
            group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "metrics-test"),
            collect: {}, readiness: { (true, "ready") })
        let task = Task { try await metrics.run() }
        defer { task.cancel() }
        let port = try await metrics.localAddress.port!
        let failures: [String] = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var failures: [String] = []
                for index in 0..<300 {
                    let burst = 4 * 1024 << (index % 6)
                    let request = Array("GET /metrics HTTP/1.1\r\nHost x\r\n\r\n".utf8)
                    let answer = Self.rawExchange(port: port, request + [UInt8](repeating: 0x20, count: burst))
                    if !answer.hasPrefix("HTTP/1.1 400") { failures.append("attempt \(index): '\(answer.prefix(40))'") }
                }
                continuation.resume(returning: failures)
            }
        }
        #expect(failures.count == 0, "\(failures.count) of 300 lost the answer; first: \(failures.prefix(3))")
    }

    /// Sends `bytes` on a fresh socket and reads until the server closes (or an error).
    private static func rawExchange(port: Int, _ bytes: [UInt8]) -> String {
        guard let raw = try? RawConnection(port: port, receiveTimeoutSeconds: 60) else { return "connect failed" }
        raw.send(bytes)
        var received: [UInt8] = []
        while true {
            switch raw.receiveChunk() {
            case .success(let chunk) where !chunk.isEmpty: received += chunk
            case .success: return String(decoding: received, as: UTF8.self)
            case .failure(let error): return "\(error) after '\(String(decoding: received, as: UTF8.self))'"
            }
        }
    }
}

@Suite("Lingering close machine")
struct LingeringCloseMachineTests {
    @Test func closeShutsTheWriteSideThenDiscardsUpToTheByteBound() {
        var machine = LingeringCloseMachine(limits: LingerLimits(time: .seconds(1), bytes: 100))
        #expect(machine.bytesRead(10) == .passThrough)
        #expect(machine.closeRequested(channelActive: true) == .shutDownOutputAndLinger)
        #expect(machine.bytesRead(60) == .discardAndReadMore)
        #expect(machine.bytesRead(40) == .discardAndReadMore)
        #expect(machine.bytesRead(1) == .closeNow)
        #expect(machine.bytesRead(1) == .none)
    }

    @Test func theTimeBoundOrASecondCloseEndsLingering() {
        var timedOut = LingeringCloseMachine(limits: LingerLimits())
        _ = timedOut.closeRequested(channelActive: true)
        #expect(timedOut.gaveUp() == .closeNow)
        #expect(timedOut.gaveUp() == .none)

        var closedTwice = LingeringCloseMachine(limits: LingerLimits())
        _ = closedTwice.closeRequested(channelActive: true)
        #expect(closedTwice.closeRequested(channelActive: true) == .closeNow)
        #expect(closedTwice.closeRequested(channelActive: true) == .passThrough)
    }

    @Test func zeroTimeOrAnInactiveChannelClosesAtOnce() {
        var disabled = LingeringCloseMachine(limits: LingerLimits(time: .zero))
        #expect(disabled.closeRequested(channelActive: true) == .passThrough)
        var inactive = LingeringCloseMachine(limits: LingerLimits())
        #expect(inactive.closeRequested(channelActive: false) == .passThrough)
    }

    @Test func refusedConnectionsLingerBriefly() {
        let limits = LingerLimits(time: .seconds(5), bytes: 1 << 20).forRefusedConnection
        #expect(limits.time == .milliseconds(250) && limits.bytes == 64 * 1024)
    }
}
