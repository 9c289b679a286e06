import NIOCore
import SRPWire

/// Answers waiting to be written on one connection: the buffer they are encoded into, when it
/// is flushed (once per event-loop tick, however many answers: ``EndOfTickFlusher``) and how
/// much one decode pass may produce. It also counts what it encoded, published once per read
/// batch (no atomics per request).
struct OutboundBatch {
    /// Answer bytes one decode pass may produce before it stops (checked between frames).
    /// Without it, one 64 KiB read of GetSchemaById requests for a 100 KiB schema built
    /// ~400 MiB of answers at once, read by the client or not (AbuseTests, the never-reading client).
    static let passBudget = 1 << 20

    /// Frames to write at the next flush.
    private(set) var buffer: ByteBuffer
    /// A flush is scheduled for the end of this event-loop tick.
    private var flushScheduled = false
    /// Sizes of bodies sent compressed, before and after.
    private(set) var compressedPlain = 0
    private(set) var compressedWire = 0
    /// Answers served from L1.
    var cachedAnswers = 0
    /// Cached answers until the next one is timed: the first of a connection, then 1 in
    /// ``MetricsCatalog/cachedReadSampling`` (a decrement per answer, not a clock read).
    private var untilTimedAnswer = 0
    /// When the read bringing a timed cached answer was decoded; 0: none waits for its flush.
    private var timedAnswerSince: UInt64 = 0

    init(allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        buffer = allocator.buffer(capacity: 16 * 1024)
    }

    /// An empty buffer parked in `buffer` while a decode pass writes to a local one.
    private static let parked = ByteBuffer()

    // MARK: Decode passes

    /// A decode pass starts: it encodes into the returned buffer, a local one, which saves a
    /// dynamically checked access to the handler's state per frame (~10% of the cached path).
    mutating func beginPass() -> ByteBuffer {
        let out = buffer
        buffer = Self.parked
        return out
    }

    /// The pass ended with `out`. Answers that arrived meanwhile (a task that finished before
    /// its callback was registered answers synchronously) are kept after the pass's.
    mutating func endPass(_ out: ByteBuffer) {
        var out = out
        if buffer.readableBytes > 0 {
            var late = buffer
            out.writeBuffer(&late)
        }
        buffer = out
    }

    // MARK: Encoding

    /// Appends an answer to the pending buffer (outside a pass).
    mutating func append(_ reply: Reply, requestID: UInt32, maxBody: Int, compression: CompressionPolicy) {
        var out = buffer
        buffer = Self.parked
        append(reply, requestID: requestID, maxBody: maxBody, compression: compression, into: &out)
        buffer = out
    }

    /// Appends an answer to a pass's buffer. An answer over the frame limit is replaced by
    /// INTERNAL_ERROR saying why: never send what the client agreed not to accept.
    mutating func append(
        _ reply: Reply, requestID: UInt32, maxBody: Int, compression: CompressionPolicy, into out: inout ByteBuffer
    ) {
        if reply.bodyLength > maxBody {
            let tooLarge = Reply.error(
                .internalError, "response of \(reply.bodyLength) bytes exceeds the frame limit of \(maxBody)")
            out.writeFrame(kind: .response, code: tooLarge.status.rawValue, requestID: requestID, body: tooLarge.body)
            return
        }
        if let encoded = reply.encoded {
            // A miss filled L1: its forms are sent as they are, never compressed again (an
            // entry without an LZ4 form is one where L1 found that compression does not pay).
            if compression.lz4, let lz4 = encoded.lz4 {
                out.writeFrame(kind: .response, flags: .lz4, code: 0, requestID: requestID, encodedBody: lz4)
                compressedPlain += encoded.plain.count
                compressedWire += lz4.count
            } else {
                out.writeFrame(kind: .response, flags: [], code: 0, requestID: requestID, encodedBody: encoded.plain)
            }
            return
        }
        let written = out.writeFrame(
            kind: .response, code: reply.status.rawValue, requestID: requestID, body: reply.body,
            compression: compression)
        let wireBody = written - FrameHeader.size
        if wireBody != reply.body.readableBytes {
            compressedPlain += reply.body.readableBytes
            compressedWire += wireBody
        }
    }

    /// Appends a pre-encoded L1 answer: its LZ4 form when the connection negotiated LZ4 and
    /// one exists. `now` is the pass's clock (sampled answers are timed until their flush).
    mutating func appendCached(
        plain: [UInt8], lz4: [UInt8]?, requestID: UInt32, now: UInt64, into out: inout ByteBuffer
    ) {
        if let lz4 {
            out.writeFrame(kind: .response, flags: .lz4, code: 0, requestID: requestID, encodedBody: lz4)
            compressedPlain += plain.count
            compressedWire += lz4.count
        } else {
            out.writeFrame(kind: .response, flags: [], code: 0, requestID: requestID, encodedBody: plain)
        }
        cachedAnswers += 1
        if untilTimedAnswer == 0 {
            untilTimedAnswer = MetricsCatalog.cachedReadSampling - 1
            if timedAnswerSince == 0 { timedAnswerSince = now }
        } else {
            untilTimedAnswer -= 1
        }
    }

    /// Appends a frame that is not an answer (GOAWAY, PONG).
    mutating func appendFrame(kind: FrameKind, code: UInt16, requestID: UInt32, encodedBody: ByteBuffer) {
        buffer.writeFrame(kind: kind, flags: [], code: code, requestID: requestID, encodedBody: encodedBody)
    }

    // MARK: Flushing

    /// Whether the caller should schedule a flush for the end of the tick (one per tick).
    mutating func flushNeedsScheduling() -> Bool {
        guard !flushScheduled else { return false }
        flushScheduled = true
        return true
    }

    /// The scheduled flush runs: what to write, if anything.
    mutating func takeForScheduledFlush(allocator: ByteBufferAllocator) -> ByteBuffer? {
        flushScheduled = false
        return take(allocator: allocator)
    }

    /// What to write now, if anything; the next answers go to a fresh buffer sized like it.
    mutating func take(allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard buffer.readableBytes > 0 else { return nil }
        let chunk = buffer
        buffer = allocator.buffer(capacity: max(16 * 1024, chunk.readableBytes))
        return chunk
    }

    /// Everything pending, for the last write before closing.
    mutating func takeAll() -> ByteBuffer {
        let chunk = buffer
        buffer.clear()
        return chunk
    }

    /// The pending bytes went to the socket (or its queue): how long the timed cached answer
    /// waited since its read was decoded, if one was waiting.
    mutating func timedAnswerWritten(now: UInt64) -> UInt64? {
        guard timedAnswerSince != 0 else { return nil }
        defer { timedAnswerSince = 0 }
        return now &- timedAnswerSince
    }

    /// The counts since the last call, reset.
    mutating func takeCounts() -> (cachedAnswers: Int, compressedPlain: Int, compressedWire: Int) {
        defer {
            cachedAnswers = 0
            compressedPlain = 0
            compressedWire = 0
        }
        return (cachedAnswers, compressedPlain, compressedWire)
    }
}
