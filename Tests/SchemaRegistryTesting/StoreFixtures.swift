import SchemaRegistryCore
import TestSupport

/// What store tests share: schema identities, registrations and their outcomes.

/// An Avro schema identity with `text` as its canonical form.
public func avro(_ text: String, references: [SchemaReference] = []) -> SchemaIdentity {
    SchemaIdentity(type: .avro, canonicalText: text, references: references)
}

/// A distinct, made-up canonical Avro text per `name` (``Fixtures/record(_:)``).
public func record(_ name: String) -> String {
    Fixtures.record(name)
}

/// Registers `text` under `subject` and returns the outcome.
@discardableResult
public func register(
    _ store: any SchemaStore, _ subject: String, _ text: String, metadata: [String: String] = [:],
    tags: [String] = [], references: [SchemaReference] = []
) async throws -> RegistrationOutcome {
    try await store.register(
        RegistrationWrite(
            subject: subject, schema: avro(text, references: references), metadata: metadata, tags: tags))
}

extension RegistrationOutcome {
    /// The id of a registered or existing schema.
    public var id: SchemaID? {
        switch self {
        case .registered(let id, _), .existing(let id, _): id
        case .conflict: nil
        }
    }

    public var version: Int? {
        switch self {
        case .registered(_, let version), .existing(_, let version): version
        case .conflict: nil
        }
    }
}
