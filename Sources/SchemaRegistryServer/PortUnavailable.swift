import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A port the server was configured to listen on could not be bound (in use, not allowed, no
/// such address): the start fails with this, naming the setting and the port, so that the
/// operator need not guess which of the two ports was taken. NIO's own message ("bind(descriptor:
/// ptr:bytes:): Address already in use") names neither.
public struct PortUnavailable: Error, CustomStringConvertible {
    /// `port` (SRP) or `metrics-port`.
    public var setting: String
    public var host: String
    public var port: Int
    public var reason: String

    public init(setting: String, host: String, port: Int, underlying: any Error) {
        self.setting = setting
        self.host = host
        self.port = port
        self.reason =
            if let io = underlying as? IOError, io.errnoCode == EADDRINUSE {
                "address already in use (another process listens on \(host):\(port))"
            } else if let io = underlying as? IOError, io.errnoCode == EACCES {
                "permission denied (ports below 1024 need privileges)"
            } else {
                "\(underlying)"
            }
    }

    public var description: String {
        "\(setting) \(port) on \(host) cannot be bound: \(reason). Free it or pick another port"
            + (setting == "metrics-port"
                ? ", or set metrics-port = off to run without /metrics, /healthz and /readyz" : "")
    }
}
