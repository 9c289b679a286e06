import NIOCore
import SRPWire
import SchemaRegistryCore
import Testing

@testable import SchemaRegistryServer

/// The per-connection watch state, without a server: filters, at-most-once by position, bounded
/// queues that turn into a RESYNC, frames split at `eventsPerFrame`, progress-only frames.
@Suite struct WatchSetTests {
    static func registered(_ position: ChangePosition, _ subject: String, version: Int = 1, id: Int = 1) -> Change {
        Change(position: position, kind: .registered, subject: subject, versions: [version], schemaID: id)
    }

    static let everything = WatchFilter(subjects: [], prefixes: [], mayAccess: nil)

    @Test func changesAtOrBelowAWatchPositionAreNotSentAgain() {
        var set = WatchSet()
        let backlog = [Self.registered(5, "a"), Self.registered(6, "b")].map(PublishedChange.init)
        set.add(1, filter: Self.everything, position: 4, backlog: backlog)
        // The hub's next delivery overlaps the backlog (it was published before the watch started).
        set.deliver([Self.registered(6, "b"), Self.registered(7, "c")], through: 7)
        let frames = set.takeFrames()
        #expect(frames.count == 1)
        #expect(frames[0].requestID == 1)
        #expect(frames[0].events.events.map(\.position) == [5, 6, 7])
        #expect(frames[0].events.position == 7)
        let nothing = set.takeFrames()
        #expect(nothing.isEmpty)
    }

    @Test func filtersBySubjectPrefixAndKeyButAlwaysSendsGlobalSettings() {
        var set = WatchSet()
        set.add(
            1, filter: WatchFilter(subjects: ["exact"], prefixes: ["orders-"], mayAccess: nil), position: 0, backlog: []
        )
        set.add(
            2, filter: WatchFilter(subjects: [], prefixes: [], mayAccess: { $0.hasPrefix("pay") }), position: 0,
            backlog: [])
        set.deliver(
            [
                Self.registered(1, "orders-value"), Self.registered(2, "exact"), Self.registered(3, "exactly"),
                Self.registered(4, "payments"),
                Change(position: 5, kind: .compatibilityChanged, subject: nil, setting: "FULL"),
            ], through: 5)
        let frames = Dictionary(uniqueKeysWithValues: set.takeFrames().map { ($0.requestID, $0.events) })
        #expect(frames[1]?.events.map(\.position) == [1, 2, 5])
        #expect(frames[2]?.events.map(\.position) == [4, 5])
        #expect(frames[2]?.events.last?.type == .configChanged)
        #expect(frames[2]?.events.last?.compatibility == .full)
        #expect(frames[1]?.position == 5)
    }

    @Test func aFullQueueIsDroppedForOneResyncAtTheLatestPosition() {
        var set = WatchSet(queueLimit: 4)
        set.add(9, filter: Self.everything, position: 0, backlog: [])
        set.deliver((1...10).map { Self.registered(ChangePosition($0), "s", version: $0) }, through: 10)
        set.deliver([Self.registered(11, "s", version: 11)], through: 11)
        let frames = set.takeFrames()
        #expect(frames.count == 1)
        #expect(frames[0].events.events.map(\.type) == [.resync])
        #expect(frames[0].events.position == 11)
        // After the resync the stream goes on normally.
        set.deliver([Self.registered(12, "s", version: 12)], through: 12)
        let after = set.takeFrames()
        #expect(after.first?.events.events.map(\.position) == [12])
    }

    @Test func largeBatchesAreSplitIntoFramesThatEachMoveThePosition() {
        var set = WatchSet(eventsPerFrame: 3)
        set.add(1, filter: Self.everything, position: 0, backlog: [])
        set.deliver((1...7).map { Self.registered(ChangePosition($0), "s") }, through: 8)
        let frames = set.takeFrames()
        #expect(frames.map { $0.events.events.count } == [3, 3, 1])
        #expect(frames.map(\.events.position) == [3, 6, 8])
    }

    @Test func aFilteredWatchIsToldItsPositionMovedAfterManyChangesThatDidNotConcernIt() {
        var set = WatchSet(progressInterval: 100)
        set.add(1, filter: WatchFilter(subjects: ["quiet"], prefixes: [], mayAccess: nil), position: 0, backlog: [])
        set.deliver((1...99).map { Self.registered(ChangePosition($0), "busy") }, through: 99)
        #expect(!set.hasPending)
        set.deliver([Self.registered(100, "busy")], through: 100)
        let frames = set.takeFrames()
        #expect(frames.count == 1)
        #expect(frames[0].events.events.isEmpty)
        #expect(frames[0].events.position == 100)
    }

    @Test func deletesMapToVersionsOrSubjectDeletedAndSettingsRemovalsToUnspecified() {
        let soft = WatchEventMapping.event(
            Change(position: 1, kind: .softDeleted, subject: "s", versions: [2], subjectEmptied: false))
        #expect(soft.type == .versionsDeleted && !soft.permanent && soft.versions == [2])
        let whole = WatchEventMapping.event(
            Change(position: 2, kind: .permanentlyDeleted, subject: "s", versions: [1, 2], subjectEmptied: true))
        #expect(whole.type == .subjectDeleted && whole.permanent && whole.versions == [1, 2])
        let mode = WatchEventMapping.event(Change(position: 3, kind: .modeChanged, subject: "s", setting: nil))
        #expect(mode.type == .modeChanged && mode.mode == .unspecified)
        let set = WatchEventMapping.event(Change(position: 4, kind: .modeChanged, subject: nil, setting: "READONLY"))
        #expect(set.mode == .readonly && set.subject.isEmpty)
        let registered = WatchEventMapping.event(Self.registered(5, "s", version: 3, id: 42))
        #expect(registered.type == .versionRegistered && registered.id == 42 && registered.versions == [3])
    }

    @Test func framesBuiltFromEncodedEventsAreSwiftProtobufsEncoding() throws {
        let changes = [
            Self.registered(1, "s", version: 1, id: 300),
            Change(position: 200, kind: .permanentlyDeleted, subject: "ü", versions: [1, 2], subjectEmptied: true),
            Change(position: 70_000, kind: .compatibilityChanged, subject: nil, setting: "FULL_TRANSITIVE"),
        ]
        for position: ChangePosition in [0, 1, 127, 128, 70_000, .max] {
            let frame = WatchSet.frame(7, changes.map(PublishedChange.init)[...], position: position)
            let expected = Srp_WatchEvents.with {
                $0.events = changes.map(WatchEventMapping.event)
                $0.position = position
            }
            #expect(Array(frame.body.readableBytesView) == (try expected.serializedBytes() as [UInt8]))
            #expect(frame.eventCount == 3 && frame.requestID == 7)
        }
        let empty = WatchSet.frame(1, ArraySlice(), position: 0)
        #expect(empty.body.readableBytes == 0)
    }

    @Test func aWatchCanBeEndedAndItsIdReused() {
        var set = WatchSet(maxWatches: 2)
        set.add(1, filter: Self.everything, position: 0, backlog: [])
        set.add(2, filter: Self.everything, position: 0, backlog: [])
        #expect(set.isFull)
        let removed = set.remove(1)
        let removedAgain = set.remove(1)
        #expect(removed && !removedAgain)
        #expect(!set.isFull)
        set.deliver([Self.registered(1, "s")], through: 1)
        #expect(set.takeFrames().map(\.requestID) == [2])
        let ended = set.removeAll()
        #expect(ended == [2])
        #expect(set.isEmpty)
    }
}

extension WatchSet {
    mutating func deliver(_ changes: [Change], through: ChangePosition) {
        deliver(changes.map(PublishedChange.init), through: through)
    }
}

extension WatchFrame {
    /// The frame decoded, for expectations.
    var events: Srp_WatchEvents {
        (try? Srp_WatchEvents(serializedBytes: Array(body.readableBytesView))) ?? Srp_WatchEvents()
    }
}
