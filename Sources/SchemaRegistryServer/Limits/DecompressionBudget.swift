import Synchronization

/// Bytes of LZ4 bodies decompressed for requests still running, server-wide.
///
/// Why: the token bucket paces each connection, but a few connections of legal bombs (16 KiB
/// bodies inflating to 4 MiB) still held hundreds of MiB of inflated bodies at once and
/// starved everyone of CPU. Beyond this budget a request with an LZ4 body is answered
/// OVERLOADED (not executed, nothing decompressed) until others finish.
public final class DecompressionBudget: Sendable {
    /// 0 disables the budget.
    public let capacityBytes: Int
    private let inFlightBytes = Atomic<Int>(0)

    public init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// Takes `bytes` of the budget, or returns false. A body alone larger than the budget is
    /// admitted when nothing else is in flight, so no legal request is refused forever.
    func tryAcquire(_ bytes: Int) -> Bool {
        guard capacityBytes > 0, bytes > 0 else { return true }
        var current = inFlightBytes.load(ordering: .relaxed)
        while true {
            guard current == 0 || current + bytes <= capacityBytes else { return false }
            let (exchanged, original) = inFlightBytes.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func release(_ bytes: Int) {
        guard capacityBytes > 0, bytes > 0 else { return }
        inFlightBytes.subtract(bytes, ordering: .relaxed)
    }

    /// Decompressed bytes held by running requests now.
    public var inFlight: Int { inFlightBytes.load(ordering: .relaxed) }
}
