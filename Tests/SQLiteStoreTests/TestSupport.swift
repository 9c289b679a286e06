import Foundation
import SchemaRegistryCore
import Testing

@testable import SQLiteStore

/// A fresh directory under the system temp directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sqlite-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with a store on a new file in a new temp directory; closes and removes both afterwards.
func withStore(_ body: (SQLiteStore, TemporaryDirectory) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteStore(path: directory.path("registry.db"))
    do {
        try await body(store, directory)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

/// An Avro schema identity with `text` as its canonical form.
func avro(_ text: String, references: [SchemaReference] = []) -> SchemaIdentity {
    SchemaIdentity(type: .avro, canonicalText: text, references: references)
}

/// A distinct, made-up canonical Avro text per `name`.
func record(_ name: String) -> String {
    #"{"type":"record","name":"\#(name)","fields":[{"name":"f","type":"string"}]}"#
}

/// Registers `text` under `subject` and returns the outcome.
@discardableResult
func register(
    _ store: SQLiteStore, _ subject: String, _ text: String, metadata: [String: String] = [:], tags: [String] = [],
    references: [SchemaReference] = []
) async throws -> RegistrationOutcome {
    try await store.register(
        RegistrationWrite(
            subject: subject, schema: avro(text, references: references), metadata: metadata, tags: tags))
}

extension RegistrationOutcome {
    /// The id of a registered or existing schema.
    var id: SchemaID? {
        switch self {
        case .registered(let id, _), .existing(let id, _): id
        case .conflict: nil
        }
    }

    var version: Int? {
        switch self {
        case .registered(_, let version), .existing(_, let version): version
        case .conflict: nil
        }
    }
}
