import NIOCore

/// How bodies may be compressed on one connection, as negotiated in the handshake.
public struct CompressionPolicy: Sendable, Hashable {
    /// LZ4 was negotiated.
    public var lz4: Bool
    /// Bodies shorter than this are sent plain: LZ4 cannot pay for itself on them.
    public var threshold: Int

    public init(lz4: Bool, threshold: Int) {
        self.lz4 = lz4
        self.threshold = threshold
    }

    public static let none = CompressionPolicy(lz4: false, threshold: .max)
    /// Measured: below ~512 bytes typical schema JSON gains under 10% from LZ4.
    public static let defaultThreshold = 512
}

extension ByteBuffer {
    /// Writes a whole frame: header, then `body` compressed when `compression` allows and it pays.
    @discardableResult
    public mutating func writeFrame(
        kind: FrameKind, code: UInt16, requestID: UInt32, body: ByteBuffer,
        compression: CompressionPolicy = .none, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> Int {
        if compression.lz4, body.readableBytes >= compression.threshold,
            let compressed = LZ4Body.compress(body, allocator: allocator)
        {
            return writeFrame(kind: kind, flags: .lz4, code: code, requestID: requestID, encodedBody: compressed)
        }
        return writeFrame(kind: kind, flags: [], code: code, requestID: requestID, encodedBody: body)
    }

    /// Writes a REQUEST carrying a deadline: `milliseconds` the client will wait for it.
    @discardableResult
    public mutating func writeRequest(
        method: UInt16, requestID: UInt32, body: ByteBuffer, deadlineMilliseconds: UInt32,
        compression: CompressionPolicy = .none, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> Int {
        var flags: FrameFlags = .deadline
        var wire = allocator.buffer(capacity: body.readableBytes + 8)
        wire.writeInteger(deadlineMilliseconds)
        if compression.lz4, body.readableBytes >= compression.threshold,
            var compressed = LZ4Body.compress(body, allocator: allocator)
        {
            flags.insert(.lz4)
            wire.writeBuffer(&compressed)
        } else {
            var plain = body
            wire.writeBuffer(&plain)
        }
        return writeFrame(kind: .request, flags: flags, code: method, requestID: requestID, encodedBody: wire)
    }

    /// Writes a frame whose body is already in its wire form (plain or `[length][LZ4 block]`).
    @inlinable
    @discardableResult
    public mutating func writeFrame(
        kind: FrameKind, flags: FrameFlags, code: UInt16, requestID: UInt32, encodedBody: ByteBuffer
    ) -> Int {
        let header = FrameHeader(
            bodyLength: UInt32(encodedBody.readableBytes), kind: kind, flags: flags, code: code, requestID: requestID)
        var body = encodedBody
        return writeFrameHeader(header) + writeBuffer(&body)
    }

    /// Writes a frame whose body is already in its wire form, from bytes (the server's cache of
    /// encoded answers keeps them in arrays of exactly their size).
    @inlinable
    @discardableResult
    public mutating func writeFrame(
        kind: FrameKind, flags: FrameFlags, code: UInt16, requestID: UInt32, encodedBody: [UInt8]
    ) -> Int {
        let header = FrameHeader(
            bodyLength: UInt32(encodedBody.count), kind: kind, flags: flags, code: code, requestID: requestID)
        return writeFrameHeader(header) + writeBytes(encodedBody)
    }
}

extension Frame {
    /// Takes a DEADLINE request's budget off the front of its body: returns it (nil when the
    /// flag is not set) and leaves the frame as if it had been sent without the flag.
    public mutating func takeDeadline() throws -> UInt32? {
        guard header.flags.contains(.deadline) else { return nil }
        guard header.kind == .request, let milliseconds = body.readInteger(as: UInt32.self) else {
            throw ProtocolViolation(
                .malformedRequest, "DEADLINE flag on a frame without a 4-byte deadline (request id \(header.requestID))"
            )
        }
        header.flags.remove(.deadline)
        header.bodyLength -= UInt32(FrameHeader.deadlinePrefixSize)
        return milliseconds
    }

    /// The body with compression undone (a no-op for plain bodies).
    public func decodedBody(maxSize: Int, lz4Allowed: Bool, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        guard header.flags.contains(.lz4) else { return body }
        guard lz4Allowed else {
            throw ProtocolViolation(.badCompression, "LZ4 body sent but LZ4 was not negotiated in the handshake")
        }
        return try LZ4Body.decompress(body, maxSize: maxSize, allocator: allocator)
    }
}
