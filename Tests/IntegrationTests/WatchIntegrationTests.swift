import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

/// Watch against the real `schema-registry serve` process: kill -9 mid-stream and resume, and
/// two instances on one PostgreSQL (docs/PROTOCOL.md 19).
@Suite struct WatchIntegrationTests {
    /// What a watcher task has received so far.
    final class Received: Sendable {
        private let events = Mutex<[Srp_WatchEvent]>([])
        func add(_ batch: Srp_WatchEvents) { events.withLock { $0 += batch.events } }
        var all: [Srp_WatchEvent] { events.withLock { $0 } }

        /// Waits (bounded: 60 s) until `count` events arrived; returns them all.
        func await(_ count: Int) async throws -> [Srp_WatchEvent] {
            for _ in 0..<600 {
                if all.count >= count { return all }
                try await Task.sleep(for: .milliseconds(100))
            }
            return all
        }
    }

    /// Starts `changes()` from a position the server has acknowledged, so every write after
    /// this returns is seen (no sleep, no race with the watch opening): a first Watch names the
    /// log and its position, and the resuming stream starts after it.
    static func watch(_ client: SchemaRegistryClient, into received: Received) async throws -> Task<Void, any Error> {
        let opened = try await client.watch(Srp_WatchRequest())
        let request = Srp_WatchRequest.with {
            $0.logID = opened.response.logID
            $0.afterPosition = opened.response.position
        }
        return Task {
            for try await batch in client.changes(request) { received.add(batch) }
        }
    }

    static func register(_ client: SchemaRegistryClient, _ subject: String) async throws {
        _ = try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#
            })
    }

    @Test func aWatcherResumesAfterTheServerIsKilledAndRestarted() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-watch-kill")
        defer { try? FileManager.default.removeItem(atPath: directory + ".log") }
        let port = try Ports.freeLoopbackPort()
        let arguments = ["--port", "\(port)"]
        let first = try await ServerProcess.start(dataDirectory: directory, extraArguments: arguments)
        let client = try await first.connectedClient()
        let received = Received()
        let watcher = try await Self.watch(client, into: received)
        defer { watcher.cancel() }
        for index in 0..<10 { try await Self.register(client, "before-\(index)") }
        _ = try await received.await(10)
        _ = first.kill9()
        // Commits the watcher cannot see yet: made while it is disconnected, by a second process
        // on the same data, which then stops.
        let second = try await ServerProcess.start(dataDirectory: directory, extraArguments: arguments)
        let writer = try await second.connectedClient()
        for index in 0..<10 { try await Self.register(writer, "after-\(index)") }
        let events = try await received.await(20)
        _ = second.terminate()
        let subjects = events.filter { $0.type == .versionRegistered }.map(\.subject)
        #expect(!events.contains { $0.type == .resync })
        #expect(subjects == (0..<10).map { "before-\($0)" } + (0..<10).map { "after-\($0)" })
        let positions = events.map(\.position)
        #expect(zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func aRegistrationOnOneInstanceReachesAWatcherOfAnotherOnOnePostgres() async throws {
        guard let base = ExternalService.postgres.url(skipping: "PostgreSQL watch tests") else { return }
        let name = "sr_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let psql = try await onOwnThread {
            try ChildProcess.run("psql", [base, "-q", "-c", "CREATE DATABASE \(name)"])
        }
        try #require(psql.status == 0, "psql: \(psql.errors)")
        let url = ExternalService.postgresURL(base, database: name)
        let directory = TemporaryDirectory.uniquePath("sr-watch-pg")
        defer {
            for suffix in ["-a", "-b"] { try? FileManager.default.removeItem(atPath: directory + suffix + ".log") }
        }
        let a = try await ServerProcess.start(dataDirectory: directory + "-a", extraArguments: ["--store", url])
        let b = try await ServerProcess.start(dataDirectory: directory + "-b", extraArguments: ["--store", url])
        defer {
            _ = a.terminate()
            _ = b.terminate()
        }
        let onA = try await a.connectedClient()
        let onB = try await b.connectedClient()
        let received = Received()
        let watcher = try await Self.watch(onB, into: received)
        defer { watcher.cancel() }
        // Writers on both instances at once: B's watcher sees every registration, in one order.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for index in 0..<20 { try await Self.register(onA, "a-\(index)") } }
            group.addTask { for index in 0..<20 { try await Self.register(onB, "b-\(index)") } }
            try await group.waitForAll()
        }
        let events = try await received.await(40)
        let subjects = events.filter { $0.type == .versionRegistered }.map(\.subject)
        let trace = events.map { "\($0.position):\($0.type):\($0.subject)" }.joined(separator: " ")
        #expect(!events.contains { $0.type == .resync }, "\(trace)")
        #expect(Set(subjects) == Set((0..<20).map { "a-\($0)" } + (0..<20).map { "b-\($0)" }))
        #expect(subjects.count == 40, "\(trace)")
        #expect(subjects.filter { $0.hasPrefix("a-") } == (0..<20).map { "a-\($0)" })
        let positions = events.map(\.position)
        #expect(zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 })
    }
}
