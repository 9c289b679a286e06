import SRPWire

/// An error from a call: the server's status and message, or a local failure.
public struct SchemaRegistryClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the error came from.
    public enum Code: Sendable, Hashable {
        /// The server answered with this status (a protocol status or a registry code like 40403).
        case server(StatusCode)
        case connectionFailed
        case connectionClosed
        case deadlineExceeded
        /// The server's answer could not be decoded.
        case badResponse
        /// The request is larger than the server accepts (its `max_frame_size`); nothing was sent.
        case requestTooLarge
    }

    public var code: Code
    public var message: String
    /// For THROTTLED, OVERLOADED and UNAVAILABLE answers: when the server advised to retry.
    public var retryAfterMilliseconds: UInt32
    /// Reasons given by the server (e.g. each incompatibility).
    public var details: [String]

    public init(code: Code, message: String, retryAfterMilliseconds: UInt32 = 0, details: [String] = []) {
        self.code = code
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
        self.details = details
    }

    /// The server status, when the server answered.
    public var status: StatusCode? {
        if case .server(let status) = code { return status }
        return nil
    }

    /// Confluent's error code (e.g. 40401), when this is a registry error.
    public var registryErrorCode: Int? {
        guard let status, status.rawValue >= 40000 else { return nil }
        return Int(status.rawValue)
    }

    public var description: String {
        switch code {
        case .server(let status): "\(status) (\(status.rawValue)): \(message)"
        default: "\(code): \(message)"
        }
    }
}
