import SchemaRegistryCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a `schema:<id>` key holds: a schema, or the marker for "no such id".
///
/// One key per id (rather than a separate `noschema:<id>` key) is what makes the negative cache
/// race-free: readers only ever fill a key with `SET NX`, while writers overwrite it, so a
/// reader that saw "missing" just before a registration cannot hide the new schema.
enum CachedSchema: Equatable {
    case found(StoredSchema)
    case missing

    /// A single byte that no JSON document starts with.
    private static let missingMarker: [UInt8] = [0x2D]  // "-"

    private struct Payload: Codable {
        /// Layout version, so that a later build can tell old entries apart (and treat them as misses).
        var v: Int
        var id: Int
        var type: Int
        var text: String
        var refs: [Reference]
    }

    private struct Reference: Codable {
        var name: String
        var subject: String
        var version: Int
    }

    func encoded() -> [UInt8] {
        switch self {
        case .missing:
            return Self.missingMarker
        case .found(let schema):
            let payload = Payload(
                v: 1, id: schema.id, type: schema.type.rawValue, text: schema.text,
                refs: schema.references.map { Reference(name: $0.name, subject: $0.subject, version: $0.version) })
            // Encoding plain strings and ints cannot fail.
            return Array((try? JSONEncoder().encode(payload)) ?? Data())
        }
    }

    /// Decodes a cached value; nil when it is unreadable (the caller then asks the store).
    init?(bytes: [UInt8]) {
        if bytes == Self.missingMarker {
            self = .missing
            return
        }
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(bytes)), payload.v == 1,
            let type = SchemaType(rawValue: payload.type)
        else { return nil }
        self = .found(
            StoredSchema(
                id: payload.id, type: type, text: payload.text,
                references: payload.refs.map {
                    SchemaReference(name: $0.name, subject: $0.subject, version: $0.version)
                }))
    }
}
