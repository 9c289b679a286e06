import Foundation
import GRPCCore
import GRPCGlue
import GRPCNIOTransportHTTP2
import Histogram
import SRPWire
import Synchronization

// grpc-load: closed-loop load on the gRPC facade's GetSchemaById, printed in sr-benchmark's
// format so that run.sh reads both alike. C connections, each its own GRPCClient (one HTTP/2
// connection each), each with P calls outstanding (P tasks calling in a loop: HTTP/2 streams
// are how gRPC has several calls in flight on one connection). Stops after --duration seconds
// or -n calls, whichever comes first; a watchdog ends the process if calls hang past that.

let arguments = CommandLine.arguments
func option(_ names: [String], _ fallback: Int) -> Int {
    for name in names {
        if let at = arguments.firstIndex(of: name), arguments.indices.contains(at + 1) {
            guard let value = Int(arguments[at + 1]), value > 0 else {
                FileHandle.standardError.write(Data("grpc-load: \(name) wants a positive number\n".utf8))
                exit(2)
            }
            return value
        }
    }
    return fallback
}
if arguments.contains("--help") {
    print("usage: grpc-load [-h HOST] [-p PORT] [-c CONNECTIONS] [-P IN_FLIGHT] [-n CALLS] [--duration S] [--id ID]")
    exit(0)
}
let host = arguments.firstIndex(of: "-h").map { arguments[$0 + 1] } ?? "127.0.0.1"
let port = option(["-p", "--port"], 8082)
let connections = option(["-c", "--connections"], 50)
let inFlight = option(["-P", "--pipeline"], 1)
let limit = option(["-n", "--requests"], 100_000)
let seconds = option(["--duration"], 10)
let id = option(["--id"], 1)

/// Calls issued so far, shared by all workers, so -n bounds the total.
final class Issued: Sendable {
    let count = Atomic<Int>(0)
    func take() -> Bool { count.wrappingAdd(1, ordering: .relaxed).newValue <= limit }
}

struct Tally: Sendable {
    var ok = 0
    var errors = 0
    var latency = Histogram<UInt64>(numberOfSignificantValueDigits: .three)  // nanoseconds
}

func nanoseconds(_ d: Duration) -> UInt64 {
    UInt64(d.components.seconds) * 1_000_000_000 + UInt64(d.components.attoseconds / 1_000_000_000)
}

Thread.detachNewThread {  // the watchdog: every run ends, even if the server stops answering
    Thread.sleep(forTimeInterval: Double(seconds) + 15)
    FileHandle.standardError.write(Data("grpc-load: calls still outstanding after the deadline\n".utf8))
    exit(1)
}

let clients = try (0..<connections).map { _ in
    GRPCClient(
        transport: try .http2NIOPosix(target: .ipv4(host: host, port: port), transportSecurity: .plaintext))
}
let issued = Issued()
let request = Srp_GetSchemaByIdRequest.with { $0.id = UInt32(id) }
let clock = ContinuousClock()
let started = clock.now
let deadline = started + .seconds(seconds)

let total = try await withThrowingTaskGroup(of: Void.self) { running in
    for client in clients { running.addTask { try await client.runConnections() } }
    let total = await withTaskGroup(of: Tally.self) { workers in
        for client in clients {
            let registry = SchemaRegistryGRPCClient(wrapping: client)
            for _ in 0..<inFlight {
                workers.addTask {
                    var tally = Tally()
                    while clock.now < deadline, issued.take() {
                        let sent = clock.now
                        do {
                            _ = try await registry.getSchemaById(request)
                            tally.ok += 1
                        } catch {
                            tally.errors += 1
                        }
                        _ = tally.latency.record(nanoseconds(clock.now - sent))
                    }
                    return tally
                }
            }
        }
        var total = Tally()
        for await tally in workers {
            total.ok += tally.ok
            total.errors += tally.errors
            total.latency.add(tally.latency)
        }
        return total
    }
    for client in clients { client.beginGracefulShutdown() }
    try await running.waitForAll()
    return total
}

let elapsed = Double(nanoseconds(clock.now - started)) / 1e9
let h = total.latency
let done = total.ok + total.errors
func us(_ percentile: Double) -> String { String(format: "%.1f", Double(h.valueAtPercentile(percentile)) / 1000) }
print("== grpc: get-by-id (id \(id)), \(connections) connections x \(inFlight) in flight")
print(
    "   \(done) requests in \(String(format: "%.3f", elapsed)) s: \(String(format: "%.0f", Double(done) / elapsed)) requests/s (\(total.ok) ok, \(total.errors) errors)"
)
print(
    "   latency us: p50 \(us(50))  p90 \(us(90))  p99 \(us(99))  p99.9 \(us(99.9))  max \(String(format: "%.1f", Double(h.max) / 1000))  mean \(String(format: "%.1f", h.mean / 1000))"
)
