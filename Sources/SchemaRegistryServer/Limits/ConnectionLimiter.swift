import Synchronization

/// Open connections, globally and per source address, checked when a connection is accepted.
/// A client that opens connections without end hits its own address's limit long before the
/// global one, so everyone else can still connect.
public final class ConnectionLimiter: Sendable {
    public let maxConnections: Int
    public let maxPerAddress: Int
    private let state = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

    public init(maxConnections: Int, maxPerAddress: Int) {
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
    }

    /// Counts the connection in, or says why it is refused.
    public func admit(_ address: String) -> String? {
        state.withLock { state in
            guard state.total < maxConnections else {
                return "server has \(state.total) connections (max-connections \(maxConnections))"
            }
            let fromAddress = state.byAddress[address, default: 0]
            guard fromAddress < maxPerAddress else {
                return "\(fromAddress) connections from \(address) (max-connections-per-address \(maxPerAddress))"
            }
            state.total += 1
            state.byAddress[address] = fromAddress + 1
            return nil
        }
    }

    /// A connection admitted earlier closed.
    public func release(_ address: String) {
        state.withLock { state in
            state.total -= 1
            let left = state.byAddress[address, default: 1] - 1
            state.byAddress[address] = left > 0 ? left : nil
        }
    }

    public var open: Int { state.withLock { $0.total } }
}
