#if canImport(Glibc)
    import Glibc
#endif

/// Loopback ports for tests. Servers under test bind port 0 and report what they got; these are
/// for the other cases: a port to hand to a child process, or one that must refuse connections.
public enum Ports {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A TCP socket bound to a loopback port the kernel picked, not listening: connecting to it
    /// is refused, and no one else can take the port while it stays open. The caller closes it.
    public static func boundLoopbackSocket() throws -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed: errno \(errno)") }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw Failure(description: "cannot bind a loopback port: errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A free loopback TCP port, picked by the kernel (free again once this returns, so another
    /// socket of this process may take it before the caller does: prefer ``unusedPort()`` for a
    /// port handed to a child process).
    public static func freeLoopbackPort() throws -> Int {
        let (fd, port) = try Ports.boundLoopbackSocket()
        close(fd)
        return port
    }

    /// A loopback port nothing listens on (bound, then released), picked below Linux's
    /// ephemeral range (32768-60999), where servers bound to port 0 and client sockets of
    /// parallel tests get their ports, so no other test can take it meanwhile.
    public static func unusedPort() throws -> Int {
        for _ in 0..<100 {
            let candidate = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            var address = loopback(port: candidate)
            let bound = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if bound { return candidate }
        }
        throw Failure(description: "no free loopback port found in 20000-31999")
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }
}
