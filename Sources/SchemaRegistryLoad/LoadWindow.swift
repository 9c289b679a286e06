import Histogram

/// Counts and latencies of one slice of a run: one interval, one phase or one operation.
///
/// Latency is in microseconds from a request's *intended* send time to its answer (the
/// coordinated-omission correction), recorded for OK answers only; failures are counted by
/// status name instead, so a flood of fast errors cannot make the percentiles look good.
struct LoadWindow: Sendable {
    /// Requests whose intended send time fell in the slice (sent, or refused by the client's backlog cap).
    var offered = 0
    /// OK answers.
    var completed = 0
    /// Failed requests by status name (`THROTTLED`, `STATUS_40901`, `TIMEOUT`, ...).
    var errors: [String: Int] = [:]
    /// Requests still unanswered when a snapshot was taken; their age so far is in `latency`
    /// (a lower bound of their latency), so a stalled server shows in the percentiles at once.
    var outstanding = 0
    var latency = LoadWindow.emptyLatency

    /// Sized for up to 60 s at two significant digits (1%), growing beyond if ever needed.
    /// A window starts per interval, connection and operation, on the load client's event
    /// loop: grown from the default [1, 2] range as values arrived, each resize ran the
    /// histogram's unspecialised generic append (35 ms of one loop stretch in perf) and
    /// delayed every connection's sends at once, which the open loop then counted as latency
    /// (p99 50-150 ms with 32 connections, against 0.9 ms on the wire, tcpdump).
    static let emptyLatency: Histogram<UInt64> = {
        var histogram = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two)
        histogram.autoResize = true
        return histogram
    }()

    var errorCount: Int { errors.values.reduce(0, +) }

    mutating func recordSuccess(microseconds: UInt64) {
        completed += 1
        _ = latency.record(max(1, microseconds))
    }

    mutating func recordError(_ status: String) {
        errors[status, default: 0] += 1
    }

    mutating func merge(_ other: LoadWindow) {
        offered += other.offered
        completed += other.completed
        outstanding += other.outstanding
        errors.merge(other.errors, uniquingKeysWith: +)
        latency.add(other.latency)
    }

    /// p50, p90, p99, p99.9 and max in microseconds (zeros when nothing completed).
    var percentiles: LatencyPercentiles {
        guard latency.totalCount > 0 else { return LatencyPercentiles() }
        return LatencyPercentiles(
            p50Us: latency.valueAtPercentile(50), p90Us: latency.valueAtPercentile(90),
            p99Us: latency.valueAtPercentile(99), p999Us: latency.valueAtPercentile(99.9), maxUs: latency.max)
    }
}

/// Latency percentiles in microseconds, as written to the JSON.
struct LatencyPercentiles: Sendable, Codable, Equatable {
    var p50Us: UInt64 = 0
    var p90Us: UInt64 = 0
    var p99Us: UInt64 = 0
    var p999Us: UInt64 = 0
    var maxUs: UInt64 = 0
}

/// One slice of a run (an interval, a phase) counted per operation, so the summary and the
/// charts can say which operation a tail belongs to; the slice's total is their merge.
struct OperationWindows: Sendable {
    /// In `LoadOperation.rawValue` order.
    var byOperation = Array(repeating: LoadWindow(), count: LoadOperation.allCases.count)

    /// Mutated in place (`_modify`): with `get`/`set`, recording one latency copied the
    /// window's whole histogram (13% of the load client's CPU in `memmove`, perf).
    subscript(operation: LoadOperation) -> LoadWindow {
        get { byOperation[operation.rawValue] }
        _modify { yield &byOperation[operation.rawValue] }
    }

    /// Every operation's counts and latencies together.
    var total: LoadWindow {
        var total = LoadWindow()
        for window in byOperation { total.merge(window) }
        return total
    }

    mutating func merge(_ other: OperationWindows) {
        for index in byOperation.indices { byOperation[index].merge(other.byOperation[index]) }
    }

    /// Percentiles of the operations that completed something, by `LoadOperation.key`.
    var percentilesByKey: [String: LatencyPercentiles] {
        var result: [String: LatencyPercentiles] = [:]
        for operation in LoadOperation.allCases where self[operation].completed > 0 {
            result[operation.key] = self[operation].percentiles
        }
        return result
    }
}
