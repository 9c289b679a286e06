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
        guard answer.schema.references.isEmpty else {
            throw SerdesError("Schema \(id) has references; the Swift serializers do not resolve references yet.")
        }
        let parsed = try Self.parse(type: type, text: answer.schema.schema)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = parsed
        }
        return parsed
    }

    private static let formats = SchemaFormatCatalog.standard()

    static func parse(type: SchemaType, text: String) throws -> ParsedSchema {
        guard let format = formats[type] else { throw SerdesError("\(type) schemas are not supported here.") }
        return try format.parseStored(text, references: [])
    }
}

/// What a serializer or deserializer refuses, in words.
public struct SerdesError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
