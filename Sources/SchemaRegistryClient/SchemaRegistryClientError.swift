import SRPWire

/// An error from a call: the server's status and message, or a local failure.
public struct SchemaRegistryClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the error came from: a status the server answered with, or a local failure.
    ///
    /// Open, like `RegistryError.Code` (a struct, not an enum): a new local failure is a new
    /// static member and never breaks a caller's `switch` (which needs a `default`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The server's status, or nil for a local failure.
        public let status: StatusCode?
        /// The local failure's name, or nil for a server status.
        private let local: String?

        private init(status: StatusCode?, local: String?) {
            self.status = status
            self.local = local
        }

        /// The server answered with this status (a protocol status or a registry code like 40403).
        public static func server(_ status: StatusCode) -> Code { Code(status: status, local: nil) }
        public static let connectionFailed = Code(status: nil, local: "connectionFailed")
        public static let connectionClosed = Code(status: nil, local: "connectionClosed")
        public static let deadlineExceeded = Code(status: nil, local: "deadlineExceeded")
        /// The server's answer could not be decoded.
        public static let badResponse = Code(status: nil, local: "badResponse")
        /// The request is larger than the server accepts (its `max_frame_size`); nothing was sent.
        public static let requestTooLarge = Code(status: nil, local: "requestTooLarge")

        public var description: String { local ?? "server(\(status.map { "\($0)" } ?? "?"))" }
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
        code.status
    }

    /// Confluent's error code (e.g. 40401), when this is a registry error.
    public var registryErrorCode: Int? {
        guard let status, status.rawValue >= 40000 else { return nil }
        return Int(status.rawValue)
    }

    public var description: String {
        if let status = code.status { return "\(status) (\(status.rawValue)): \(message)" }
        return "\(code): \(message)"
    }
}
