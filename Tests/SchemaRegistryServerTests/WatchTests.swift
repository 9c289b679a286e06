import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// Watch through a real server on real SQLite, with the Swift client and raw sockets
/// (docs/PROTOCOL.md 19).
@Suite struct WatchTests {
    static func avro(_ fields: Int) -> String {
        let list = (0..<fields).map { #"{"name":"f\#($0)","type":"int","default":0}"# }.joined(separator: ",")
        return #"{"type":"record","name":"R","fields":[\#(list)]}"#
    }

    @discardableResult
    static func register(_ client: SchemaRegistryClient, _ subject: String, fields: Int) async throws -> UInt32 {
        try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = avro(fields)
            }
        ).id
    }

    /// The next `count` events of `stream` (failing after 30 s rather than hanging).
    static func next(_ count: Int, of events: AsyncThrowingStream<Srp_WatchEvents, any Error>) async throws
        -> [Srp_WatchEvent]
    {
        try await withThrowingTaskGroup(of: [Srp_WatchEvent].self) { group in
            group.addTask {
                var collected: [Srp_WatchEvent] = []
                for try await batch in events {
                    collected += batch.events
                    if collected.count >= count { break }
                }
                return collected
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw CancellationError()  // not all of them came: the caller's expectations say which
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
    }

    @Test func everyEventTypeArrivesOnceInCommitOrder() async throws {
        try await withServer { server in
            let watcher = server.client()
            let writer = server.client()
            #expect(try await watcher.handshake().watch)
            let watch = try await watcher.watch(Srp_WatchRequest())
            #expect(!watch.response.resync)
            #expect(!watch.response.logID.isEmpty)
            let id1 = try await Self.register(writer, "orders", fields: 1)
            let id2 = try await Self.register(writer, "orders", fields: 2)
            try await Self.register(writer, "orders", fields: 2)  // already there: no event
            _ = try await writer.setConfig(
                .with {
                    $0.subject = "orders"
                    $0.compatibility = .full
                })
            _ = try await writer.setConfig(.with { $0.compatibility = .backward })
            _ = try await writer.deleteConfig(.with { $0.subject = "orders" })
            _ = try await writer.setMode(
                .with {
                    $0.subject = "frozen"
                    $0.mode = .readonly
                })
            _ = try await writer.deleteVersion(
                .with {
                    $0.subject = "orders"
                    $0.version = 1
                })
            _ = try await writer.deleteSubject(.with { $0.subject = "orders" })
            _ = try await writer.deleteSubject(
                .with {
                    $0.subject = "orders"
                    $0.permanent = true
                })
            let events = try await Self.next(9, of: watch.events)
            #expect(
                events.map(\.type) == [
                    .versionRegistered, .versionRegistered, .configChanged, .configChanged, .configChanged,
                    .modeChanged, .versionsDeleted, .subjectDeleted, .subjectDeleted,
                ])
            guard events.count == 9 else { return }
            #expect(events[0].subject == "orders" && events[0].versions == [1] && events[0].id == id1)
            #expect(events[1].versions == [2] && events[1].id == id2)
            #expect(events[2].subject == "orders" && events[2].compatibility == .full)
            #expect(events[3].subject.isEmpty && events[3].compatibility == .backward)
            #expect(events[4].subject == "orders" && events[4].compatibility == .unspecified)
            #expect(events[5].subject == "frozen" && events[5].mode == .readonly)
            #expect(events[6].versions == [1] && !events[6].permanent)
            #expect(events[7].versions == [2] && !events[7].permanent)
            #expect(events[8].versions == [1, 2] && events[8].permanent)
            let positions = events.map(\.position)
            #expect(zip(positions, positions.dropFirst()).allSatisfy { $0 < $1 })
            #expect(positions.first! > watch.response.position)
        }
    }

    @Test func aWatchResumesFromItsLastPositionAndAForeignLogIdResyncs() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await client.watch(Srp_WatchRequest())
            try await Self.register(client, "a", fields: 1)
            let seen = try await Self.next(1, of: first.events)
            // While nobody watches, two more changes commit.
            try await Self.register(client, "a", fields: 2)
            try await Self.register(client, "b", fields: 1)
            let resumed = try await client.watch(
                .with {
                    $0.afterPosition = seen[0].position
                    $0.logID = first.response.logID
                })
            #expect(!resumed.response.resync)
            #expect(resumed.response.position == seen[0].position)
            let replayed = try await Self.next(2, of: resumed.events)
            #expect(replayed.map(\.subject) == ["a", "b"])
            let foreign = try await client.watch(
                .with {
                    $0.afterPosition = 1
                    $0.logID = "another-log"
                })
            #expect(foreign.response.resync)
            #expect(foreign.response.position >= replayed.last!.position)
        }
    }

    /// A watch that began on an empty log holds position 0: resuming from 0 with the log id
    /// must replay what committed since, not start "now" (that would be a silent gap).
    @Test func aResumeFromPositionZeroReplaysFromTheStartOfTheLog() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await client.watch(Srp_WatchRequest())
            #expect(first.response.position == 0)
            try await Self.register(client, "zero", fields: 1)
            let resumed = try await client.watch(
                .with {
                    $0.afterPosition = first.response.position
                    $0.logID = first.response.logID
                })
            #expect(!resumed.response.resync)
            #expect(resumed.response.position == 0)
            #expect(try await Self.next(1, of: resumed.events).map(\.subject) == ["zero"])
            // Without a log id, a position is refused rather than guessed at.
            await #expect(throws: SchemaRegistryClientError.self) {
                _ = try await client.watch(.with { $0.afterPosition = 1 })
            }
        }
    }

    @Test func prefixesSelectSubjectsAndUnwatchEndsTheStream() async throws {
        try await withServer { server in
            let client = server.client()
            let orders = try await client.watch(.with { $0.subjectPrefixes = ["orders-"] })
            let exact = try await client.watch(.with { $0.subjects = ["payments"] })
            try await Self.register(client, "users", fields: 1)
            try await Self.register(client, "orders-value", fields: 1)
            try await Self.register(client, "payments", fields: 1)
            #expect(try await Self.next(1, of: orders.events).map(\.subject) == ["orders-value"])
            #expect(try await Self.next(1, of: exact.events).map(\.subject) == ["payments"])
            _ = try await client.unwatch(.with { $0.watchRequestID = exact.requestID })
            await #expect(throws: SchemaRegistryClientError.self) {
                _ = try await client.unwatch(.with { $0.watchRequestID = exact.requestID })
            }
        }
    }

    @Test func aWatcherThatNeverReadsIsBoundedAndGetsAResyncWhenItReadsAgain() async throws {
        try await withServer({ $0.watchQueueEvents = 64 }) { server in
            // A raw client: subscribes, then stops reading its socket.
            let raw = try RawConnection(port: server.port, receiveBufferBytes: 4096)
            _ = try await raw.handshake()
            raw.sendRequest(.watch, requestID: 7, Srp_WatchRequest())
            let answer = try #require(try await raw.readFrame())
            #expect(answer.header.code == 0)
            // More than its socket buffers hold (the server's send buffer alone may grow to 4 MiB):
            // 6,000 events of about 1 KiB, from 16 writers at once (group commit keeps it quick).
            let writer = server.client()
            let subject = String(repeating: "s", count: 1_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<16 {
                    group.addTask {
                        for index in stride(from: task, to: 6_000, by: 16) {
                            try await Self.register(writer, subject + "\(index)", fields: 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Everyone else is served meanwhile.
            let other = server.client()
            _ = try await other.watch(Srp_WatchRequest())
            try await Self.register(other, "bystander", fields: 1)
            // The slow watcher reads again: what it gets ends in a RESYNC, not 6,000 events.
            var types: [Srp_WatchEventType] = []
            var events = 0
            while let frame = try await raw.readFrame(), frame.header.requestID == 7 {
                let batch = try Srp_WatchEvents(serializedBytes: Array(frame.body.readableBytesView))
                types += batch.events.map(\.type)
                events += batch.events.count
                if batch.events.last?.type == .resync { break }
            }
            #expect(types.contains(.resync))
            #expect(events < 6_000)
        }
    }
}
