import CLZ4
import NIOCore

/// LZ4 block compression of frame bodies.
///
/// A compressed body is `[u32 uncompressed length, big-endian][LZ4 block]`. Before anything
/// is allocated the declared length is checked against the frame limit and against the
/// largest ratio LZ4 can reach (255:1), so a 1 KiB body cannot claim to expand to 1 GiB.
/// Only `LZ4_decompress_safe` is used, and the output must be exactly the declared length.
public enum LZ4Body {
    /// LZ4's worst-case expansion: one token byte and 255 literal-length bytes per 255 bytes of match.
    public static let maximumRatio = 255

    /// Compresses `body` into `[length][block]`, or returns nil when that would not save bytes.
    public static func compress(_ body: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        let inputSize = body.readableBytes
        guard inputSize > 0, inputSize <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(inputSize)))
        var output = allocator.buffer(capacity: FrameHeader.compressedPrefixSize + bound)
        output.writeInteger(UInt32(inputSize))
        let written = body.withUnsafeReadableBytes { input in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { out in
                Int(
                    LZ4_compress_default(
                        input.baseAddress!.assumingMemoryBound(to: CChar.self),
                        out.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(inputSize), Int32(bound)))
            }
        }
        guard written > 0, FrameHeader.compressedPrefixSize + written < inputSize else { return nil }
        return output
    }

    /// Decompresses a `[length][block]` body, refusing declared sizes over `maxSize` or
    /// beyond LZ4's ratio, and blocks that do not decode to exactly the declared size.
    public static func decompress(_ body: ByteBuffer, maxSize: Int, allocator: ByteBufferAllocator) throws
        -> ByteBuffer
    {
        var body = body
        guard let declared = body.readInteger(as: UInt32.self) else {
            throw ProtocolViolation(.badCompression, "LZ4 body of \(body.readableBytes) bytes has no length prefix")
        }
        let blockSize = body.readableBytes
        guard Int(declared) <= maxSize else {
            throw ProtocolViolation(
                .badCompression, "LZ4 body declares \(declared) bytes uncompressed, over the limit of \(maxSize)")
        }
        guard Int(declared) <= blockSize * maximumRatio else {
            throw ProtocolViolation(
                .badCompression,
                "LZ4 body declares \(declared) bytes from a \(blockSize)-byte block, beyond LZ4's 255:1 ratio")
        }
        if declared == 0 {
            // The only valid block for empty input is the single token byte 00.
            guard blockSize == 1, body.getInteger(at: body.readerIndex, as: UInt8.self) == 0 else {
                throw ProtocolViolation(
                    .badCompression, "LZ4 body declares 0 bytes but its block is not the empty block")
            }
            return allocator.buffer(capacity: 0)
        }
        var output = allocator.buffer(capacity: Int(declared))
        let produced = body.withUnsafeReadableBytes { input in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(declared)) { out in
                max(
                    0,
                    Int(
                        LZ4_decompress_safe(
                            input.baseAddress!.assumingMemoryBound(to: CChar.self),
                            out.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(blockSize), Int32(declared))))
            }
        }
        guard produced == Int(declared) else {
            throw ProtocolViolation(
                .badCompression, "LZ4 block does not decode to its declared \(declared) bytes (got \(produced))")
        }
        return output
    }
}
