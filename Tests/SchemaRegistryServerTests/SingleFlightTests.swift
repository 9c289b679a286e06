import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

@testable import SchemaRegistryServer

@Suite struct SingleFlightTests {
    /// Counts reads and holds each one until released, so callers really overlap.
    final class GatedRead: Sendable {
        let reads = Atomic<Int>(0)
        private let gate = Mutex<[CheckedContinuation<Void, Never>]>([])
        private let open = Atomic<Bool>(false)

        func read(_ value: Int) async -> Int {
            reads.add(1, ordering: .relaxed)
            await withCheckedContinuation { continuation in
                let proceed = gate.withLock { waiting -> Bool in
                    if open.load(ordering: .relaxed) { return true }
                    waiting.append(continuation)
                    return false
                }
                if proceed { continuation.resume() }
            }
            return value
        }

        func release() {
            open.store(true, ordering: .relaxed)
            for waiter in gate.withLock({ waiting in
                defer { waiting.removeAll() }; return waiting
            }) { waiter.resume() }
        }
    }

    @Test func overlappingCallersShareOneReadPerKey() async throws {
        let flight = SingleFlight<Int, Int>()
        let backend = GatedRead()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<100 {
                let key = caller % 2
                group.addTask { try await flight.run(key) { await backend.read(key * 10) } }
            }
            // Release the reads only once all 98 other callers have joined them.
            // Polls with a sleep, not a yield loop: spinning would hold one of the few
            // cooperative threads the other tests' tasks need.
            while flight.joined < 98 { try await Task.sleep(for: .milliseconds(1)) }
            backend.release()
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(backend.reads.load(ordering: .relaxed) == 2)
        #expect(results.filter { $0 == 0 }.count == 50 && results.filter { $0 == 10 }.count == 50)
        #expect(flight.count == 0)

        // Once finished, the next caller reads again: results are not reused beyond the overlap.
        #expect(try await flight.run(0) { await backend.read(7) } == 7)
        #expect(backend.reads.load(ordering: .relaxed) == 3)
    }

    @Test func anErrorReachesEveryWaiterAndIsNotRemembered() async throws {
        struct Failure: Error {}
        let flight = SingleFlight<Int, Int>()
        await #expect(throws: Failure.self) { try await flight.run(1) { throw Failure() } }
        #expect(try await flight.run(1) { 5 } == 5)
    }
}
