import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A port the server could not listen on, named: NIO's own message ("bind(descriptor:ptr:bytes:):
/// Address already in use") says neither which port nor which listener.
public struct ListenError: Error, CustomStringConvertible {
    /// What was to listen there, e.g. "SRP" or "metrics".
    public var listener: String
    public var host: String
    public var port: Int
    public var underlying: any Error

    public init(listener: String, host: String, port: Int, underlying: any Error) {
        self.listener = listener
        self.host = host
        self.port = port
        self.underlying = underlying
    }

    public var description: String {
        let reason =
            if let io = underlying as? IOError, io.errnoCode == EADDRINUSE {
                "address already in use (another process listens there; pick another with --port or --set)"
            } else if let io = underlying as? IOError, io.errnoCode == EACCES {
                "permission denied (ports below 1024 need privileges)"
            } else {
                "\(underlying)"
            }
        return "cannot listen on \(host):\(port) for \(listener): \(reason)"
    }
}
