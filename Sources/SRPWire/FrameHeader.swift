import NIOCore

/// What a frame carries.
public enum FrameKind: UInt8, Sendable, Hashable, CaseIterable {
    /// A call: `code` is the method id, the body a protobuf request.
    case request = 1
    /// The answer to the request with the same id: `code` is the status.
    case response = 2
    /// Liveness probe; the peer answers PONG with the same id and body.
    case ping = 3
    case pong = 4
    /// The sender is closing: `code` is the reason, `requestID` the last request it processes.
    case goAway = 5
}

/// Frame flags. Reserved bits must be zero.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The body is an LZ4 block preceded by its 4-byte uncompressed length.
    public static let lz4 = FrameFlags(rawValue: 0x01)
    /// REQUEST only, when the server announced `request_deadlines`: the body starts with a
    /// 4-byte big-endian budget in milliseconds (before any LZ4 length prefix). Bit 1 (0x02)
    /// stays reserved.
    public static let deadline = FrameFlags(rawValue: 0x04)
    /// Every bit this version defines.
    public static let known: FrameFlags = [.lz4, .deadline]
}

/// The fixed 12-byte frame header, big-endian.
///
/// ```
/// offset  size  field
///  0      4     body length (bytes after the header, as sent: compressed if LZ4)
///  4      1     kind        (FrameKind)
///  5      1     flags       (FrameFlags; reserved bits zero)
///  6      2     code        (REQUEST: method id; RESPONSE, GOAWAY: status; else 0)
///  8      4     request id  (chosen by the client; echoed by the response)
/// ```
/// When `flags` has LZ4 the body starts with a 4-byte big-endian uncompressed length.
public struct FrameHeader: Sendable, Hashable {
    public static let size = 12
    /// Size of the uncompressed-length prefix of an LZ4 body.
    public static let compressedPrefixSize = 4
    /// The budget in milliseconds that a DEADLINE request's body starts with.
    public static let deadlinePrefixSize = 4

    public var bodyLength: UInt32
    public var kind: FrameKind
    public var flags: FrameFlags
    public var code: UInt16
    public var requestID: UInt32

    public init(bodyLength: UInt32, kind: FrameKind, flags: FrameFlags = [], code: UInt16 = 0, requestID: UInt32) {
        self.bodyLength = bodyLength
        self.kind = kind
        self.flags = flags
        self.code = code
        self.requestID = requestID
    }
}

extension ByteBuffer {
    /// Writes a frame header.
    @inlinable
    @discardableResult
    public mutating func writeFrameHeader(_ header: FrameHeader) -> Int {
        // One multi-integer write: a single bounds check and capacity reservation.
        self.writeMultipleIntegers(
            header.bodyLength, header.kind.rawValue, header.flags.rawValue, header.code, header.requestID)
    }
}
