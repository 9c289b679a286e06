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
