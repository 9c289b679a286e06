import Logging
import NIOCore
import NIOPosix
import SQLiteStore
import SchemaRegistryCore
import Synchronization
import TestSupport
import Testing

@testable import SchemaRegistryServer

/// The hub on a real SQLite store: it waits between passes over the log (wake or poll tick)
/// and hands each change to every subscriber, on its event loop.
@Suite struct ChangeHubTests {
    /// Records what the hub delivers, checking it arrives on its own event loop.
    final class Recorder: ChangeSubscriber, Sendable {
        let eventLoop: any EventLoop
        let positions = Mutex<[ChangePosition]>([])
        let wrongLoop = Atomic<Bool>(false)

        init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

        func changesCommitted(_ changes: [PublishedChange], through: ChangePosition) {
            if !eventLoop.inEventLoop { wrongLoop.store(true, ordering: .relaxed) }
            positions.withLock { $0.append(contentsOf: changes.map(\.position)) }
        }

        func changesLost(resumeAfter position: ChangePosition) {}
    }

    @Test func anIdleHubWaitsForAWakeOrItsPollInsteadOfRereadingTheLog() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.path("registry.db"))
            var configuration = ChangeHub.Configuration()
            configuration.pollInterval = .milliseconds(50)
            let hub = ChangeHub(log: store, configuration: configuration, logger: Logger(label: "hub-test"))
            let reader = Task { await hub.run() }
            while !hub.isReady { try await Task.sleep(for: .milliseconds(5)) }
            let before = hub.passes
            try await Task.sleep(for: .milliseconds(500))
            let passes = hub.passes - before
            reader.cancel()
            await reader.value
            try await store.close()
            // About 10 poll ticks in 500 ms; a loop that does not wait makes thousands of passes.
            #expect(passes <= 40, "\(passes) passes over the log in 500 ms while idle")
        }
    }

    @Test func everySubscriberGetsEachCommitOnItsOwnEventLoop() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.path("registry.db"))
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let hub = ChangeHub(log: store, logger: Logger(label: "hub-test"))
            let recorders = (0..<6).map { _ in Recorder(eventLoop: group.next()) }
            for recorder in recorders { hub.register(recorder) }
            hub.unregister(recorders[5])
            let reader = Task { await hub.run() }
            while !hub.isReady { try await Task.sleep(for: .milliseconds(5)) }
            try await store.setCompatibility(.full, subject: "a")
            try await store.setCompatibility(.none, subject: nil)
            for _ in 0..<1_000 where recorders[0..<5].contains(where: { $0.positions.withLock { $0.count } < 2 }) {
                try await Task.sleep(for: .milliseconds(5))
            }
            reader.cancel()
            await reader.value
            try await store.close()
            try await group.shutdownGracefully()
            for recorder in recorders[0..<5] {
                #expect(recorder.positions.withLock { $0 } == [1, 2])
                let wrongLoop = recorder.wrongLoop.load(ordering: .relaxed)
                #expect(!wrongLoop)
            }
            #expect(recorders[5].positions.withLock { $0 }.isEmpty)
        }
    }

    /// Issue 19: SQLite's writer hands each commit's changes to the hub with its wake; the hub
    /// publishes them without reading the log when they follow its head, and reads the log when
    /// another writer's commit came between (a second store on the same file stands in for
    /// another process: its commits wake only its own observers).
    @Test func commitsFollowingTheHeadArePublishedFromTheirWakeAndAGapIsRead() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.path("registry.db"))
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            var configuration = ChangeHub.Configuration()
            configuration.pollInterval = .seconds(3_600)
            let hub = ChangeHub(log: store, configuration: configuration, logger: Logger(label: "hub-test"))
            let recorder = Recorder(eventLoop: group.next())
            hub.register(recorder)
            let reader = Task { await hub.run() }
            // The first pass (reading the window) has ended: from here only wakes make passes.
            while hub.passes < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let passes = hub.passes
            try await store.setCompatibility(.full, subject: "a")
            try await store.setMode(.readOnly, subject: "a")
            try await store.setCompatibility(.none, subject: nil)
            #expect(await eventually { recorder.positions.withLock { $0 } == [1, 2, 3] })
            #expect(hub.commitsHandedOver == 3)
            #expect(hub.passes == passes, "the hub read the log for changes its wakes carried")

            let other = try SQLiteStore(path: directory.path("registry.db"))
            try await other.setCompatibility(.backward, subject: "b")
            try await other.close()
            try await store.setCompatibility(.forward, subject: "c")
            #expect(await eventually { recorder.positions.withLock { $0 } == [1, 2, 3, 4, 5] })
            #expect(hub.commitsHandedOver == 3)
            // A pass is counted once it has published, so the count may trail the delivery.
            #expect(await eventually { hub.passes > passes })

            reader.cancel()
            await reader.value
            try await store.close()
            try await group.shutdownGracefully()
        }
    }
}
