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
}

extension Frame {
    /// The body with compression undone (a no-op for plain bodies).
    public func decodedBody(maxSize: Int, lz4Allowed: Bool, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        guard header.flags.contains(.lz4) else { return body }
        guard lz4Allowed else {
            throw ProtocolViolation(.badCompression, "LZ4 body sent but LZ4 was not negotiated in the handshake")
        }
        return try LZ4Body.decompress(body, maxSize: maxSize, allocator: allocator)
    }
}
