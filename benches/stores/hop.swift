// The cost of one read's hop to a store's serial queue and back, alone: what every store read
// pays on top of its SQL (SQLiteWorker and PostgresWorker run blocking calls on a DispatchQueue
// and resume the caller through a continuation, as SerialWorker does). 20,000 empty hops.
//   swiftc -O benches/stores/hop.swift -o /tmp/hop && /tmp/hop
import Dispatch

let queue = DispatchQueue(label: "reader")

func hop<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        queue.async { continuation.resume(returning: body()) }
    }
}

let clock = ContinuousClock()
var microseconds: [Double] = []
for _ in 0..<20_000 {
    let start = clock.now
    _ = await hop { 1 }
    let elapsed = (clock.now - start).components
    microseconds.append(Double(elapsed.seconds) * 1e6 + Double(elapsed.attoseconds) / 1e12)
}
microseconds.sort()
func at(_ fraction: Double) -> Double { microseconds[Int(fraction * Double(microseconds.count - 1))] }
print("hop to a serial queue and back: p50 \(at(0.5)) us, p90 \(at(0.9)) us, p99 \(at(0.99)) us")
