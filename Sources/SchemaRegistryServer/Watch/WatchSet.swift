import NIOCore
import SRPWire
import SchemaRegistryCore

/// Which subjects a watch wants (docs/PROTOCOL.md 19.2).
struct WatchFilter: Sendable {
    var subjects: Set<String>
    var prefixes: [String]
    /// The API key's own limit (nil: every subject).
    var mayAccess: (@Sendable (String) -> Bool)?

    func matches(_ change: Change) -> Bool {
        // The global level and mode concern every subject.
        guard let subject = change.subject else { return true }
        if let mayAccess, !mayAccess(subject) { return false }
        if subjects.isEmpty && prefixes.isEmpty { return true }
        return subjects.contains(subject) || prefixes.contains { subject.hasPrefix($0) }
    }
}

/// A committed change with its wire event encoded once, by the hub, for every watch of every
/// connection (1,000 watchers would otherwise encode the same event 1,000 times).
struct PublishedChange: Sendable {
    let change: Change
    /// `Srp_WatchEvent` in protobuf's binary encoding.
    let encodedEvent: [UInt8]

    init(_ change: Change) {
        self.change = change
        // Encoding a message with no required fields does not fail.
        self.encodedEvent = (try? WatchEventMapping.event(change).serializedBytes()) ?? []
    }

    var position: ChangePosition { change.position }
}

/// One WatchEvents frame body for one watch.
struct WatchFrame {
    let requestID: UInt32
    /// `Srp_WatchEvents`, encoded.
    let body: ByteBuffer
    let eventCount: Int
}

/// The watches of one connection: what each has been sent and what waits for the socket.
///
/// Pure state (no I/O): the connection handler feeds it the hub's changes and takes the frames
/// it should write when the socket can take them. Memory is bounded: at most `queueLimit`
/// events wait per watch; beyond that they are dropped and the watch owes its client a RESYNC.
struct WatchSet {
    struct Watch {
        var filter: WatchFilter
        /// Every change up to here has been considered for this watch.
        var position: ChangePosition
        /// The position last told to the client.
        var sentPosition: ChangePosition
        var queue: [PublishedChange] = []
        var resyncPending = false
    }

    let queueLimit: Int
    let maxWatches: Int
    /// Events per WatchEvents frame.
    let eventsPerFrame: Int
    /// A watch whose position moved this far without an event is told so (an empty WatchEvents),
    /// so that a resume after a reconnect starts near the head.
    let progressInterval: ChangePosition
    private(set) var watches: [UInt32: Watch] = [:]
    /// Order of creation, so frames go out in a stable order.
    private var order: [UInt32] = []

    init(
        queueLimit: Int = 1_024, maxWatches: Int = 16, eventsPerFrame: Int = 256,
        progressInterval: ChangePosition = 1_000
    ) {
        self.queueLimit = queueLimit
        self.maxWatches = maxWatches
        self.eventsPerFrame = eventsPerFrame
        self.progressInterval = progressInterval
    }

    var isEmpty: Bool { watches.isEmpty }
    var isFull: Bool { watches.count >= maxWatches }

    /// A new watch at `position` with the changes after it already known (a resume).
    mutating func add(_ id: UInt32, filter: WatchFilter, position: ChangePosition, backlog: [PublishedChange]) {
        if watches[id] == nil { order.append(id) }
        watches[id] = Watch(filter: filter, position: position, sentPosition: position)
        deliver(backlog, through: backlog.last?.position ?? position, to: id)
    }

    /// Ends a watch; false when `id` is not one.
    mutating func remove(_ id: UInt32) -> Bool {
        guard watches.removeValue(forKey: id) != nil else { return false }
        order.removeAll { $0 == id }
        return true
    }

    /// Ends every watch, returning their ids.
    mutating func removeAll() -> [UInt32] {
        defer {
            watches = [:]
            order = []
        }
        return order
    }

    /// Committed changes (ascending, every change in (previous through, through]). Changes at or
    /// below a watch's position were seen already (a resume's backlog overlapping the hub's
    /// next delivery) and are skipped, so each change reaches a watch at most once.
    mutating func deliver(_ changes: [PublishedChange], through: ChangePosition) {
        for id in order { deliver(changes, through: through, to: id) }
    }

    private mutating func deliver(_ changes: [PublishedChange], through: ChangePosition, to id: UInt32) {
        guard let index = watches.index(forKey: id) else { return }
        // In place: a copy out and back would hold the queue twice and copy it on every append.
        Self.deliver(changes, through: through, queueLimit: queueLimit, to: &watches.values[index])
    }

    private static func deliver(
        _ changes: [PublishedChange], through: ChangePosition, queueLimit: Int, to watch: inout Watch
    ) {
        guard through > watch.position else { return }
        for published in changes
        where published.position > watch.position && watch.filter.matches(published.change) {
            if watch.queue.count >= queueLimit {
                watch.queue.removeAll()
                watch.resyncPending = true
            }
            if !watch.resyncPending { watch.queue.append(published) }
        }
        watch.position = through
    }

    /// The hub lost changes: every watch resyncs after `position`.
    mutating func lost(resumeAfter position: ChangePosition) {
        for id in order {
            watches[id]!.queue.removeAll()
            watches[id]!.resyncPending = true
            watches[id]!.position = max(watches[id]!.position, position)
        }
    }

    /// Whether `takeFrames` has something to send.
    var hasPending: Bool {
        watches.values.contains {
            $0.resyncPending || !$0.queue.isEmpty || $0.position - $0.sentPosition >= progressInterval
        }
    }

    /// The frames to write now, each under its watch's request id.
    mutating func takeFrames() -> [WatchFrame] {
        var frames: [WatchFrame] = []
        for id in order {
            guard let index = watches.index(forKey: id) else { continue }
            Self.takeFrames(
                id, from: &watches.values[index], eventsPerFrame: eventsPerFrame, progressInterval: progressInterval,
                into: &frames)
        }
        return frames
    }

    private static func takeFrames(
        _ id: UInt32, from watch: inout Watch, eventsPerFrame: Int, progressInterval: ChangePosition,
        into frames: inout [WatchFrame]
    ) {
        if watch.resyncPending {
            // What was queued was dropped: the client drops its cache and goes on from here.
            let resync = [PublishedChange.resync(at: watch.position)]
            frames.append(Self.frame(id, resync[...], position: watch.position))
            watch.resyncPending = false
            watch.sentPosition = watch.position
        } else if !watch.queue.isEmpty {
            var start = 0
            while start < watch.queue.count {
                let end = min(start + eventsPerFrame, watch.queue.count)
                let last = end == watch.queue.count
                frames.append(
                    Self.frame(
                        id, watch.queue[start..<end],
                        position: last ? watch.position : watch.queue[end - 1].position))
                start = end
            }
            watch.queue.removeAll(keepingCapacity: watch.queue.count <= 64)
            watch.sentPosition = watch.position
        } else if watch.position - watch.sentPosition >= progressInterval {
            frames.append(Self.frame(id, ArraySlice(), position: watch.position))
            watch.sentPosition = watch.position
        }
    }

    /// `Srp_WatchEvents { events = [...]; position }` from events encoded already. A repeated
    /// message field is each element's bytes behind its tag and length, so concatenating the
    /// encoded events is the message's encoding (WatchSetTests compares it with swift-protobuf's).
    static func frame(_ id: UInt32, _ events: ArraySlice<PublishedChange>, position: ChangePosition) -> WatchFrame {
        var body = ByteBuffer()
        body.reserveCapacity(events.reduce(11) { $0 + $1.encodedEvent.count + 6 })
        for event in events {
            body.writeInteger(UInt8(0x0A))  // field 1 (events), length-delimited
            body.writeVarint(UInt64(event.encodedEvent.count))
            body.writeBytes(event.encodedEvent)
        }
        if position != 0 {
            body.writeInteger(UInt8(0x10))  // field 2 (position), varint
            body.writeVarint(position)
        }
        return WatchFrame(requestID: id, body: body, eventCount: events.count)
    }
}

extension PublishedChange {
    /// The RESYNC event at `position` (not a change of the log; made up for one watch).
    static func resync(at position: ChangePosition) -> PublishedChange {
        PublishedChange(
            change: Change(position: position, kind: .registered, subject: nil),
            encodedEvent: (try? WatchEventMapping.resync(at: position).serializedBytes()) ?? [])
    }

    private init(change: Change, encodedEvent: [UInt8]) {
        self.change = change
        self.encodedEvent = encodedEvent
    }
}

extension ByteBuffer {
    /// Protobuf's base-128 varint.
    fileprivate mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        writeInteger(UInt8(value))
    }
}

/// A change as the wire tells it.
enum WatchEventMapping {
    static func resync(at position: ChangePosition) -> Srp_WatchEvent {
        Srp_WatchEvent.with {
            $0.type = .resync
            $0.position = position
        }
    }

    static func event(_ change: Change) -> Srp_WatchEvent {
        Srp_WatchEvent.with {
            $0.position = change.position
            $0.subject = change.subject ?? ""
            $0.versions = change.versions.map { Int32(truncatingIfNeeded: $0) }
            switch change.kind {
            case .registered:
                $0.type = .versionRegistered
                $0.id = UInt32(truncatingIfNeeded: change.schemaID ?? 0)
            case .softDeleted, .permanentlyDeleted:
                $0.type = change.subjectEmptied ? .subjectDeleted : .versionsDeleted
                $0.permanent = change.kind == .permanentlyDeleted
            case .compatibilityChanged:
                $0.type = .configChanged
                $0.compatibility =
                    change.setting.flatMap(CompatibilityLevel.init(rawValue:)).map(ProtoMapping.level) ?? .unspecified
            case .modeChanged:
                $0.type = .modeChanged
                $0.mode = change.setting.flatMap(RegistryMode.init(rawValue:)).map(ProtoMapping.mode) ?? .unspecified
            }
        }
    }
}
