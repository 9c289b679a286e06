import CHiredis

/// A Redis reply, copied out of hiredis's reply tree so that it outlives `freeReplyObject`.
public enum RedisReply: Sendable, Hashable {
    /// A bulk string: binary-safe bytes.
    case bytes([UInt8])
    case integer(Int)
    /// A nil bulk string or nil array (a missing key).
    case null
    case array([RedisReply])
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    /// An error reply from the server (`ERR ...`, `WRONGTYPE ...`); the connection stays usable.
    case error(String)

    /// The bulk string as UTF-8 text, if this is one.
    public var string: String? {
        if case .bytes(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        if case .status(let text) = self { return text }
        return nil
    }

    /// Copies a hiredis reply (and its elements) into Swift values.
    init(_ reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .bytes(Self.bytes(value.str, value.len))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] {
                    elements.append(RedisReply(element))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }
}

/// Why a Redis call failed. Never shown to registry clients: the cache falls back to the store.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The circuit breaker is open: the call was refused without touching the network.
        case unavailable
        /// Connecting failed, or the connection broke.
        case connection
        /// The server did not answer within the command timeout.
        case timeout
        /// The URL could not be parsed.
        case invalidURL
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "redis \(kind): \(message)" }
}
