import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import Synchronization

/// Parsed schemas by id, fetched through the client once each (a schema never changes once
/// registered, so entries need no invalidation), bounded by count.
final class SchemaCache: Sendable {
    private let client: SchemaRegistryClient
    private let entries = Mutex<[UInt32: ParsedSchema]>([:])
    private let capacity: Int

    init(client: SchemaRegistryClient, capacity: Int = 10_000) {
        self.client = client
        self.capacity = capacity
    }

    func schema(id: UInt32) async throws -> ParsedSchema {
        if let cached = entries.withLock({ $0[id] }) { return cached }
        let answer = try await client.getSchemaById(.with { $0.id = id })
        let type = SchemaType(rawValue: answer.schema.schemaType.rawValue) ?? .avro
        var budget = Self.maxReferences
        let references = try await resolve(answer.schema.references, budget: &budget)
        let parsed = try Self.parse(type: type, text: answer.schema.schema, references: references)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = parsed
        }
        return parsed
    }

    /// The most referenced schemas one schema may pull in, transitively (the server's default).
    static let maxReferences = 1000

    /// References resolved to the registered schemas they name (by subject and version, through
    /// the client), depth first, each with its own references before it.
    private func resolve(_ references: [Srp_SchemaReference], budget: inout Int) async throws
        -> [ResolvedReference]
    {
        var resolved: [ResolvedReference] = []
        for reference in references {
            budget -= 1
            guard budget >= 0 else { throw SerdesError("More than \(Self.maxReferences) referenced schemas.") }
            let version = try await client.getSchemaByVersion(
                .with {
                    $0.subject = reference.subject
                    $0.version = reference.version
                }
            ).schema
            resolved += try await resolve(version.references, budget: &budget)
            let type = SchemaType(rawValue: version.schemaType.rawValue) ?? .avro
            resolved.append(
                ResolvedReference(
                    reference: SchemaReference(
                        name: reference.name, subject: reference.subject, version: Int(reference.version)),
                    schema: StoredSchema(
                        id: SchemaID(version.id), type: type, text: version.schema,
                        references: version.references.map {
                            SchemaReference(name: $0.name, subject: $0.subject, version: Int($0.version))
                        })))
        }
        return resolved
    }

    private static let formats = SchemaFormatCatalog.standard()

    static func parse(type: SchemaType, text: String, references: [ResolvedReference] = []) throws -> ParsedSchema {
        guard let format = formats[type] else { throw SerdesError("\(type) schemas are not supported here.") }
        return try format.parseStored(text, references: references)
    }
}

/// What a serializer or deserializer refuses, in words.
public struct SerdesError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
