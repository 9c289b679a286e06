/// A breach of the framing rules found while decoding. Each maps to the GOAWAY status the
/// server sends before closing, and carries a message that says exactly what was wrong.
public struct ProtocolViolation: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: StatusCode
    public var message: String

    public init(_ status: StatusCode, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status): \(message)" }
}
