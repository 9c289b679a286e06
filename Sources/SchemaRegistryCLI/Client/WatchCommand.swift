import ArgumentParser
import Foundation
import SRPWire

/// `watch`: prints changes as they commit (docs/PROTOCOL.md 19), until interrupted.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print registrations, deletions and config or mode changes as they happen.",
        discussion: """
            Runs until interrupted, reconnecting and resuming where it stopped when the connection is lost. \
            One line per event; --json prints one JSON object per line (JSON Lines) with the event's fields. \
            A "resync" line means events were missed (the watcher fell behind or the server could not replay \
            them): re-read what you depend on.

            Examples:
              schema-registry watch
              schema-registry watch --prefix orders- --json
            """)

    @Option(name: .customLong("subject"), help: ArgumentHelp("Watch this subject (repeatable).", valueName: "subject"))
    var subjects: [String] = []

    @Option(
        name: .customLong("prefix"),
        help: ArgumentHelp("Watch subjects starting with this (repeatable).", valueName: "prefix"))
    var prefixes: [String] = []

    @Option(help: "Stop after this many events (for scripts); 0: never.")
    var count = 0

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let client = try await session.client()
            let request = Srp_WatchRequest.with {
                $0.subjects = subjects
                $0.subjectPrefixes = prefixes
            }
            if !session.output.json { session.output.note("watching (Ctrl-C to stop)") }
            var printed = 0
            for try await batch in client.changes(request) {
                for event in batch.events {
                    let line = session.output.json ? JSONLine.render(Self.document(event)) : Self.text(event)
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                    printed += 1
                    if count > 0 && printed >= count { return }
                }
            }
        }
    }

    static func text(_ event: Srp_WatchEvent) -> String {
        let subject = event.subject.isEmpty ? "(global)" : event.subject
        let versions = event.versions.map(String.init).joined(separator: ",")
        let permanence = event.permanent ? " permanently" : ""
        let what: String
        switch event.type {
        case .versionRegistered: what = "registered \(subject) version \(versions) id \(event.id)"
        case .versionsDeleted: what = "deleted\(permanence) \(subject) versions \(versions)"
        case .subjectDeleted: what = "deleted\(permanence) subject \(subject) (versions \(versions))"
        case .configChanged:
            what =
                event.compatibility == .unspecified
                ? "compatibility of \(subject) removed"
                : "compatibility of \(subject) = \(Names.level(event.compatibility))"
        case .modeChanged:
            what =
                event.mode == .unspecified
                ? "mode of \(subject) removed" : "mode of \(subject) = \(Names.mode(event.mode))"
        case .resync: what = "resync: events were missed; re-read what you depend on"
        case .unspecified, .UNRECOGNIZED: what = "event of unknown type \(event.type.rawValue)"
        }
        return "\(event.position) \(what)"
    }

    static func document(_ event: Srp_WatchEvent) -> [String: Any] {
        var document: [String: Any] = ["position": event.position, "type": typeName(event.type)]
        if !event.subject.isEmpty { document["subject"] = event.subject }
        if !event.versions.isEmpty { document["versions"] = event.versions.map(Int.init) }
        if event.type == .versionRegistered { document["id"] = Int(event.id) }
        if event.type == .versionsDeleted || event.type == .subjectDeleted { document["permanent"] = event.permanent }
        if event.type == .configChanged {
            document["compatibility"] =
                event.compatibility == .unspecified ? NSNull() : Names.level(event.compatibility)
        }
        if event.type == .modeChanged {
            document["mode"] = event.mode == .unspecified ? NSNull() : Names.mode(event.mode)
        }
        return document
    }

    static func typeName(_ type: Srp_WatchEventType) -> String {
        switch type {
        case .versionRegistered: "version_registered"
        case .versionsDeleted: "versions_deleted"
        case .subjectDeleted: "subject_deleted"
        case .configChanged: "config_changed"
        case .modeChanged: "mode_changed"
        case .resync: "resync"
        case .unspecified, .UNRECOGNIZED: "unknown_\(type.rawValue)"
        }
    }
}

/// One JSON object on one line (JSON Lines): `JSONText` indents, which a line-oriented reader cannot take.
enum JSONLine {
    static func render(_ document: [String: Any]) -> String {
        JSONText.render(document).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "")
    }
}
