/// A port the server was configured to listen on could not be bound (in use, not allowed, no
/// such address): the start fails with this, naming the setting and the port, so that the
/// operator need not guess which of the two ports was taken.
public struct PortUnavailable: Error, CustomStringConvertible {
    /// `port` (SRP) or `metrics-port`.
    public var setting: String
    public var host: String
    public var port: Int
    public var reason: String

    public var description: String {
        "\(setting) \(port) on \(host) cannot be bound: \(reason). Free it or pick another port"
            + (setting == "metrics-port"
                ? ", or set metrics-port = off to run without /metrics, /healthz and /readyz" : "")
    }
}
