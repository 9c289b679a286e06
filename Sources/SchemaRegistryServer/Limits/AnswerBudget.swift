import SRPWire
import Synchronization

/// Bounds the bytes of answers a connection (and the server) holds for clients that do not
/// read them.
///
/// Why: only `max-in-flight` (1,024) x answer size bounded it: a client pipelining
/// `GetSchemasByIds` of 1.4 MB answers and never reading took the server from 44 MB to 2.3 GB
/// on one connection in ten seconds. Now a connection stops decoding requests while
///
///     answers not yet taken by the socket + a reservation per request still running
///
/// is over its budget (`answer-budget-bytes`), or the server's reservations are over
/// `answer-budget-bytes-global`; it decodes again when answers complete or the socket drains.
/// The reservation of a running request is what its answer is expected to weigh: the largest
/// answer this connection has had, and at least 16 KiB (1 MiB for batch reads), so memory per
/// connection stays within the budget plus what answers outgrow their reservation.
struct AnswerBudget {
    /// Per connection; 0 disables the gate.
    let connectionBytes: Int
    private(set) var reserved = 0
    private(set) var largestAnswer = 0

    init(connectionBytes: Int) {
        self.connectionBytes = connectionBytes
    }

    /// What a request of `method` is expected to answer.
    func reservation(for method: SRPMethod) -> Int {
        let floor = method == .getSchemasByIds || method == .searchSchemas ? 1 << 20 : 16 << 10
        return max(floor, largestAnswer)
    }

    mutating func dispatched(reservation: Int) {
        reserved += reservation
    }

    mutating func completed(reservation: Int, answerBytes: Int) {
        reserved -= reservation
        largestAnswer = max(largestAnswer, answerBytes)
    }

    /// Whether decoding must wait, with `waiting` bytes of answers not yet taken by the socket.
    func isOver(waiting: Int) -> Bool {
        connectionBytes > 0 && waiting + reserved > connectionBytes
    }
}

/// The server-wide sum of the connections' reservations.
public final class GlobalAnswerBudget: Sendable {
    /// 0 disables the gate.
    public let capacityBytes: Int
    private let reservedBytes = Atomic<Int>(0)

    public init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    func add(_ bytes: Int) { reservedBytes.add(bytes, ordering: .relaxed) }

    var isOver: Bool { capacityBytes > 0 && reservedBytes.load(ordering: .relaxed) > capacityBytes }

    /// Bytes reserved for answers of requests running now (tests, metrics).
    public var reserved: Int { reservedBytes.load(ordering: .relaxed) }
}

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
