import Foundation
import Logging
import SchemaRegistryApp
import SchemaRegistryCore
import TestSupport
import Testing

@testable import SchemaRegistryServer

/// The hub on a real PostgreSQL store: a NOTIFY names the highest position its transaction
/// appended, so a notification of a position the hub has already read (its own commits,
/// notified back to it) costs no read; anything else still does (issue 19).
@Suite struct ChangeHubNotificationTests {
    @Test func aNotificationOfAPositionAlreadyReadIsNotReadAgain() async throws {
        guard let base = ExternalService.postgres.url(skipping: "the change hub on PostgreSQL") else { return }
        // A database of its own: LISTEN/NOTIFY are per database, so no other test's
        // notifications reach this hub.
        let name = "sr_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let url = ExternalService.postgresURL(base, database: name)
        func psql(_ target: String, _ sql: String) async throws {
            let run = try await onOwnThread { try ChildProcess.run("psql", [target, "-q", "-c", sql]) }
            try #require(run.status == 0, "psql: \(sql): \(run.errors)")
        }
        try await psql(base, "CREATE DATABASE \(name)")
        let directory = TemporaryDirectory.uniquePath("sr-hub-notify")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await StoreOpening.open(store: url, dataDirectory: directory, connections: 2).schemas
        let log = try #require(store as? any ChangeLog)
        // One change, at a position far above anything a probe below names by mistake.
        try await psql(url, "ALTER TABLE changes ALTER COLUMN position RESTART WITH 1000000")
        try await store.setCompatibility(.backward, subject: "s")

        var configuration = ChangeHub.Configuration()
        configuration.pollInterval = .seconds(3600)  // no poll ticks: every pass is a wake's
        let hub = ChangeHub(log: log, configuration: configuration, logger: Logger(label: "hub-notify-test"))
        let reader = Task { await hub.run() }
        defer { reader.cancel() }
        #expect(await eventually { hub.start(after: nil, logID: "")?.position == 1_000_000 })
        let reads = { hub.passes - hub.passesWithoutRead }

        // The position read: a pass without a read. (Repeated until the listener, which starts
        // with the hub, is connected: a NOTIFY before that reaches nobody.)
        let skipped = await eventually(every: .milliseconds(50)) {
            try? await psql(url, "NOTIFY sr_changes, '1000000'")
            return hub.passesWithoutRead > 0
        }
        #expect(skipped, "a NOTIFY of the position already read made a read")

        // A higher position: read.
        let before = reads()
        try await psql(url, "NOTIFY sr_changes, '2000000'")
        #expect(await eventually { reads() > before }, "a NOTIFY of a position not read yet was not read")

        // A payload that is not a position says nothing: read.
        let beforeUnknown = reads()
        try await psql(url, "NOTIFY sr_changes, 'not a position'")
        #expect(await eventually { reads() > beforeUnknown }, "a NOTIFY without a position was not read")

        reader.cancel()
        await reader.value
        try await store.close()
        try? await psql(base, "DROP DATABASE \(name) WITH (FORCE)")
    }
}
