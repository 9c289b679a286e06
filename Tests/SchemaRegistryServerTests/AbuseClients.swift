import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import SwiftProtobuf
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension AbuseTests {
    static func prefaceAndHello(nameLength: Int) -> [UInt8] {
        var bytes = ByteBuffer(bytes: SRPPreface.bytes)
        bytes.writeFrame(
            kind: .request, code: SRPMethod.hello.rawValue, requestID: 0,
            body: ByteBuffer(
                bytes: try! Srp_HelloRequest.with {
                    $0.protocolVersions = [1]
                    $0.clientName = String(repeating: "s", count: nameLength)
                }.serializedBytes() as [UInt8]))
        return Array(bytes.readableBytesView)
    }
}

// MARK: - A well-behaved client beside the abuse

/// Registers a new version and reads it back, over and over, from before the abuse starts
/// until it ends (at least `minimumRounds`, at most `maximumRounds`).
struct Bystander {
    struct Report {
        var calls = 0
        var failures: [String] = []

        func expectAllSucceeded(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(failures.isEmpty, "bystander failures: \(failures.prefix(5))", sourceLocation: sourceLocation)
            #expect(calls > 0, sourceLocation: sourceLocation)
        }
    }

    private final class Stop: Sendable {
        let flag = Atomic<Bool>(false)
    }

    static func keepCalling<T: Sendable>(
        _ server: TestServer, minimumRounds: Int = 10, maximumRounds: Int = 400,
        during abuse: () async throws -> T
    ) async throws -> (T, Report) {
        let client = server.client()
        // Connected and working before the abuse starts.
        let first = try await client.registerSchema(
            .with {
                $0.subject = "bystander"
                $0.schema = avroRecord("Bystander", seed: 0)
            })
        #expect(try await client.getSchemaById(.with { $0.id = first.id }).schema.id == first.id)
        let stop = Stop()
        let task = Task {
            var report = Report(calls: 2)
            var round = 1
            while round < maximumRounds, round < minimumRounds || !stop.flag.load(ordering: .relaxed) {
                do {
                    let registered = try await client.registerSchema(
                        .with {
                            $0.subject = "bystander"
                            $0.schema = avroRecord("Bystander", seed: round)
                        })
                    report.calls += 1
                    let read = try await client.getSchemaById(.with { $0.id = registered.id })
                    report.calls += 1
                    if read.schema.id != registered.id || !read.schema.schema.contains("f0_\(round)") {
                        report.failures.append("round \(round): read back \(read.schema.id) for \(registered.id)")
                    }
                } catch {
                    report.failures.append("round \(round): \(error)")
                }
                round += 1
                try? await Task.sleep(for: .milliseconds(10))
            }
            return report
        }
        let result: T
        do {
            result = try await abuse()
        } catch {
            stop.flag.store(true, ordering: .relaxed)
            _ = await task.value
            await client.close()
            throw error
        }
        stop.flag.store(true, ordering: .relaxed)
        let report = await task.value
        await client.close()
        return (result, report)
    }
}

// MARK: - Helpers

/// Polls `condition` every 20 ms, up to `attempts` times.
/// `count` requests of `method` with the same body, ids 1...count, as one byte stream.
func pipelined(_ method: SRPMethod, _ request: some SwiftProtobuf.Message, count: Int) throws -> [UInt8] {
    let body = ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
    var stream = ByteBuffer()
    for id in 1...count {
        stream.writeFrame(kind: .request, code: method.rawValue, requestID: UInt32(id), body: body)
    }
    return Array(stream.readableBytesView)
}

/// The in-process server shares this process's descriptor limit with the test's sockets.
func raiseOpenFileLimit(to wanted: Int) throws {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw POSIXError(.EPERM) }
    guard limit.rlim_cur < rlim_t(wanted) else { return }
    limit.rlim_cur = min(limit.rlim_max, rlim_t(wanted))
    guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur >= rlim_t(wanted) else {
        throw POSIXError(.EMFILE)
    }
}

/// Resident memory of this process (the server is in-process), from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Answers to pipelined requests, counted on the reading thread.
final class AnswerCount: @unchecked Sendable {
    private struct State {
        var ok = 0
        var throttled = 0
        var other = 0
        var bodyBytes = 0
        var ids = Set<UInt32>()
        var retryAfter: [UInt32] = []
    }

    private let state = Mutex(State())

    var record: @Sendable (Int, Frame) -> Void {
        { [self] _, frame in
            guard frame.header.kind == .response else { return }
            let retryAfter: UInt32? =
                frame.header.code == StatusCode.throttled.rawValue
                ? (try? Srp_ErrorBody(serializedBytes: Array(frame.body.readableBytesView)))?.retryAfterMs : nil
            state.withLock { state in
                switch frame.header.code {
                case 0: state.ok += 1
                case StatusCode.throttled.rawValue: state.throttled += 1
                default: state.other += 1
                }
                if let retryAfter { state.retryAfter.append(retryAfter) }
                state.bodyBytes += frame.body.readableBytes
                state.ids.insert(frame.header.requestID)
            }
        }
    }

    var ok: Int { state.withLock { $0.ok } }
    var throttled: Int { state.withLock { $0.throttled } }
    var total: Int { state.withLock { $0.ok + $0.throttled + $0.other } }
    var bodyBytes: Int { state.withLock { $0.bodyBytes } }
    var distinctIDs: Int { state.withLock { $0.ids.count } }
    var retryAfter: [UInt32] { state.withLock { $0.retryAfter } }
}

/// Sends a pipeline of requests on a non-blocking socket without ever reading (after
/// `warmUpFrames` unsolicited PONG frames of 64 KiB), then (with `padding`) more PONG frames, which the server reads and drops (section 12), so that
/// the stream is large enough to fill the kernel's buffers; it stops padding once a send
/// makes no progress for 300 ms (the server is not reading), finishing the frame it is in.
final class PipelineSender: Sendable {
    struct State: Sendable {
        var stalled = false
        var bytesAtStall = 0
        var finished = false
        var completed = false
        var bytesSent = 0
        var paddingFrames = 0
    }

    private let fd: Int32
    private let requests: [UInt8]
    private let padding: Bool
    private let warmUpFrames: Int
    private let shared = Mutex(State())

    init(fd: Int32, requests: [UInt8], warmUpFrames: Int = 0, padding: Bool = true) {
        self.fd = fd
        self.requests = requests
        self.warmUpFrames = warmUpFrames
        self.padding = padding
    }

    var state: State { shared.withLock { $0 } }

    /// Blocking: call on a thread of its own.
    func run() -> State {
        let deadline = ContinuousClock.now + .seconds(60)
        var pong = ByteBuffer()
        pong.writeFrame(
            kind: .pong, flags: [], code: 0, requestID: 0, encodedBody: ByteBuffer(repeating: 0x50, count: 64 * 1024))
        let pongFrame = Array(pong.readableBytesView)
        var completed = true
        // Warm-up: while the server reads freely, its reads grow to their largest size (64 KiB,
        // over 4,000 of the requests that follow in one read).
        for _ in 0..<warmUpFrames where completed {
            completed = sendAll(pongFrame, deadline: deadline)
        }
        completed = completed && sendAll(requests, deadline: deadline)
        if completed, padding {
            // At most 64 MiB: more than the kernel buffers on both sides can hold.
            for _ in 0..<1024 where completed && !state.stalled {
                completed = sendAll(pongFrame, deadline: deadline)
                shared.withLock { $0.paddingFrames += 1 }
            }
        }
        return shared.withLock {
            $0.finished = true
            $0.completed = completed
            return $0
        }
    }

    private func sendAll(_ bytes: [UInt8], deadline: ContinuousClock.Instant) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
                shared.withLock { $0.bytesSent += sent }
                continue
            }
            guard sent < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
            guard ContinuousClock.now < deadline else { return false }
            var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&entry, 1, 300) == 0 {
                shared.withLock { state in
                    if !state.stalled {
                        state.stalled = true
                        state.bytesAtStall = state.bytesSent
                    }
                }
            }
        }
        return true
    }
}
