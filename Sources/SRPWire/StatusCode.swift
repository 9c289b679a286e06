/// The status of a RESPONSE frame (and the reason of a GOAWAY), a big-endian u16.
///
/// 0 is OK; 1-99 are protocol statuses; 40000-59999 are registry errors whose numbers are
/// Confluent's error codes (40401 subject not found, 40901 incompatible, 42201 invalid
/// schema, 50001 store error, ...), so one table serves both.
public struct StatusCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ok = StatusCode(rawValue: 0)
    /// A rule of the framing was broken; the connection closes.
    public static let protocolError = StatusCode(rawValue: 1)
    public static let badPreface = StatusCode(rawValue: 2)
    public static let unsupportedVersion = StatusCode(rawValue: 3)
    public static let frameTooLarge = StatusCode(rawValue: 4)
    public static let badFlags = StatusCode(rawValue: 5)
    public static let unknownKind = StatusCode(rawValue: 6)
    public static let handshakeRequired = StatusCode(rawValue: 7)
    public static let handshakeTimeout = StatusCode(rawValue: 8)
    public static let unauthenticated = StatusCode(rawValue: 9)
    public static let unknownMethod = StatusCode(rawValue: 10)
    /// The body is not a valid protobuf message of the method's request type.
    public static let malformedRequest = StatusCode(rawValue: 11)
    /// LZ4 not negotiated, declared size out of bounds, or the block does not decode.
    public static let badCompression = StatusCode(rawValue: 12)
    /// The connection's token bucket is empty: retry after `retry_after_ms`.
    public static let throttled = StatusCode(rawValue: 13)
    public static let overloaded = StatusCode(rawValue: 14)
    public static let deadlineExceeded = StatusCode(rawValue: 15)
    public static let shuttingDown = StatusCode(rawValue: 16)
    public static let idleTimeout = StatusCode(rawValue: 17)
    public static let internalError = StatusCode(rawValue: 18)

    /// Whether this status is an error of the protocol layer (as opposed to the registry).
    public var isProtocolStatus: Bool { rawValue > 0 && rawValue < 100 }

    public var description: String {
        switch self {
        case .ok: "OK"
        case .protocolError: "PROTOCOL_ERROR"
        case .badPreface: "BAD_PREFACE"
        case .unsupportedVersion: "UNSUPPORTED_VERSION"
        case .frameTooLarge: "FRAME_TOO_LARGE"
        case .badFlags: "BAD_FLAGS"
        case .unknownKind: "UNKNOWN_KIND"
        case .handshakeRequired: "HANDSHAKE_REQUIRED"
        case .handshakeTimeout: "HANDSHAKE_TIMEOUT"
        case .unauthenticated: "UNAUTHENTICATED"
        case .unknownMethod: "UNKNOWN_METHOD"
        case .malformedRequest: "MALFORMED_REQUEST"
        case .badCompression: "BAD_COMPRESSION"
        case .throttled: "THROTTLED"
        case .overloaded: "OVERLOADED"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .shuttingDown: "SHUTTING_DOWN"
        case .idleTimeout: "IDLE_TIMEOUT"
        case .internalError: "INTERNAL"
        default: "STATUS_\(rawValue)"
        }
    }
}
