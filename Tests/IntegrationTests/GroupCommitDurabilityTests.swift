import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import Synchronization
import TestSupport
import Testing

/// Issue 19: registrations are group-committed (several per transaction). Many concurrent
/// registrations against a real server process, `kill -9` in mid-stream, a restart on the same
/// store: every ACKNOWLEDGED registration is there with the same id and version, and nothing is
/// half-written (every version that exists is complete and was sent to its subject; versions
/// are contiguous). Registrations in flight at the kill may or may not be there, either is right.
@Suite("Group commit durability (kill -9)")
struct GroupCommitDurabilityTests {
    @Test func sqliteKeepsEveryAcknowledgedRegistration() async throws {
        try await killMidStreamAndCheck(storeArguments: [])
    }

    @Test func postgresKeepsEveryAcknowledgedRegistration() async throws {
        guard let url = try await freshDatabase() else { return }
        try await killMidStreamAndCheck(storeArguments: ["--store", url])
    }

    /// One acknowledged registration: what the restarted server must still answer.
    private struct Acknowledged: Sendable {
        var subject: String
        var text: String
        var id: UInt32
        var version: Int32
    }

    /// What the writers saw, shared between their tasks.
    private final class Record: Sendable {
        let acknowledged = Mutex<[Acknowledged]>([])
        /// Every text sent to a subject, acknowledged or not: a version found after the restart must be one of them.
        let sent = Mutex<[String: Set<String>]>([:])
        let failedInFlight = Atomic<Int>(0)
    }

    private static let writers = 16
    /// Acknowledgements to wait for before the kill (the writers keep going until it).
    private static let killAfter = 300

    private func killMidStreamAndCheck(storeArguments: [String]) async throws {
        let directory = TemporaryDirectory.uniquePath("sr-group-commit")
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + ".log")
        }
        let first = try await ServerProcess.start(dataDirectory: directory, extraArguments: storeArguments)
        var connected: [SchemaRegistryClient] = []
        for _ in 0..<Self.writers { connected.append(try await first.connectedClient()) }
        let clients = connected
        let record = Record()

        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for (writer, client) in clients.enumerated() {
                    group.addTask {
                        for index in 0... {
                            // Odd registrations go to a subject two writers share, so batches hold
                            // both new subjects and versions queued behind the same subject.
                            let subject = index % 2 == 0 ? "own-\(writer)" : "shared-\(writer % (Self.writers / 2))"
                            let text = avroRecord("W\(writer)", seed: index)
                            record.sent.withLock { $0[subject, default: []].insert(text) }
                            do {
                                let answer = try await client.registerSchema(
                                    .with {
                                        $0.subject = subject
                                        $0.schema = text
                                    })
                                record.acknowledged.withLock {
                                    $0.append(
                                        .init(subject: subject, text: text, id: answer.id, version: answer.version))
                                }
                            } catch {
                                record.failedInFlight.add(1, ordering: .relaxed)
                                return
                            }
                        }
                    }
                }
            }
        }
        let enough = await eventually(timeout: .seconds(120)) {
            record.acknowledged.withLock { $0.count } >= Self.killAfter
        }
        #expect(enough, "only \(record.acknowledged.withLock { $0.count }) registrations acknowledged")
        #expect(first.kill9() == 128 + SIGKILL)
        await writers.value
        for client in clients { await client.close() }
        // Registrations were in flight when the server died: the kill was mid-stream.
        #expect(record.failedInFlight.load(ordering: .relaxed) > 0)

        try? FileManager.default.removeItem(atPath: first.logPath)
        let second = try await ServerProcess.start(dataDirectory: directory, extraArguments: storeArguments)
        defer { second.terminate() }
        let reader = try await second.connectedClient()
        let acks = record.acknowledged.withLock { $0 }
        for ack in acks {
            let found: Srp_SchemaVersion
            do {
                found = try await reader.getSchemaByVersion(
                    .with {
                        $0.subject = ack.subject
                        $0.version = ack.version
                    }
                ).schema
            } catch {
                Issue.record(
                    "acknowledged \(ack.subject) v\(ack.version) (id \(ack.id)) is gone after the restart: \(error)")
                continue
            }
            #expect(found.id == ack.id, "\(ack.subject) v\(ack.version)")
            #expect(Self.sameFields(ack.text, found.schema), "\(ack.subject) v\(ack.version) holds another schema")
        }
        // Nothing half-written: each subject's versions are 1...n, each one complete (its schema
        // readable by id) and one of the texts sent to that subject.
        let sentTexts = record.sent.withLock { $0 }
        for (subject, texts) in sentTexts {
            let ackedHere = acks.filter { $0.subject == subject }.map(\.version)
            let versions: [Int32]
            do {
                versions = try await reader.listVersions(.with { $0.subject = subject }).versions
            } catch let error as SchemaRegistryClientError
                where error.code == .server(StatusCode(rawValue: 40401)) && ackedHere.isEmpty
            {
                // Everything sent to it was in flight at the kill (slow writers under load): the
                // subject was never created, which is as right as it being there.
                versions = []
            }
            // Versions are dense from 1 (an empty list only when nothing was acknowledged there).
            #expect(versions == (0..<versions.count).map { Int32($0 + 1) })
            #expect(!versions.isEmpty || ackedHere.isEmpty)
            for version in versions {
                let stored = try await reader.getSchemaByVersion(
                    .with {
                        $0.subject = subject
                        $0.version = version
                    }
                ).schema
                let byID = try await reader.getSchemaById(.with { $0.id = stored.id }).schema
                #expect(byID.schema == stored.schema)
                #expect(
                    texts.contains { Self.sameFields($0, stored.schema) },
                    "\(subject) v\(version) holds a schema never sent to it")
            }
        }
        await reader.close()
    }

    /// Whether a sent text and the server's canonical form name the same record and fields.
    private static func sameFields(_ sent: String, _ stored: String) -> Bool {
        let names = { (text: String) in
            text.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(String.init(describing:))
        }
        let sentNames = Set(names(sent).filter { $0.hasPrefix("W") || $0.hasPrefix("f") })
        let storedNames = Set(names(stored).filter { $0.hasPrefix("W") || $0.hasPrefix("f") })
        return sentNames == storedNames
    }

    /// A fresh database for one test, created with psql; nil when no PostgreSQL is configured.
    private func freshDatabase() async throws -> String? {
        guard let base = ExternalService.postgres.url(skipping: "group commit durability on PostgreSQL") else {
            return nil
        }
        let name = "sr_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let psql = try await onOwnThread {
            try ChildProcess.run("psql", [base, "-q", "-c", "CREATE DATABASE \(name)"])
        }
        guard psql.status == 0 else {
            Issue.record("psql could not create database \(name): \(psql.errors)")
            return nil
        }
        return ExternalService.postgresURL(base, database: name)
    }
}
