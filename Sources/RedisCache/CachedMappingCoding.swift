import SchemaRegistryCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a mapping key holds: `<generation>\n<body>`.
///
/// The generation is the value of the mapping's generation key when the reader started its
/// store read; a cached value is only used while that key still has the same value (see
/// `RedisCachedStore+Mappings`). Generations are decimal digits (or empty for "never
/// written"), so the first newline always ends it.
struct TaggedMapping {
    var generation: [UInt8]
    var body: [UInt8]

    func encoded() -> [UInt8] { generation + [0x0A] + body }

    init(generation: [UInt8], body: [UInt8]) {
        self.generation = generation
        self.body = body
    }

    init?(bytes: [UInt8]) {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
        generation = Array(bytes[..<newline])
        body = Array(bytes[(newline + 1)...])
    }
}

/// Every version of one subject (soft-deleted ones included), as cached in Redis.
enum SubjectVersionsCoding {
    private struct Payload: Codable {
        /// Layout version: entries of another layout are misses.
        var v: Int
        var records: [Record]
    }

    private struct Record: Codable {
        var version: Int
        var id: Int
        var type: Int
        var text: String
        var refs: [Reference]
        var meta: [String: String]
        var tags: [String]
        var deleted: Bool
    }

    private struct Reference: Codable {
        var name: String
        var subject: String
        var version: Int
    }

    static func encode(_ records: [VersionRecord]) -> [UInt8]? {
        let payload = Payload(
            v: 1,
            records: records.map { record in
                Record(
                    version: record.version, id: record.schema.id, type: record.schema.type.rawValue,
                    text: record.schema.text,
                    refs: record.schema.references.map {
                        Reference(name: $0.name, subject: $0.subject, version: $0.version)
                    },
                    meta: record.metadata, tags: record.tags, deleted: record.deleted)
            })
        return (try? JSONEncoder().encode(payload)).map { Array($0) }
    }

    static func decode(_ bytes: [UInt8], subject: String) -> [VersionRecord]? {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(bytes)), payload.v == 1 else {
            return nil
        }
        var records: [VersionRecord] = []
        records.reserveCapacity(payload.records.count)
        for record in payload.records {
            guard let type = SchemaType(rawValue: record.type) else { return nil }
            let schema = StoredSchema(
                id: record.id, type: type, text: record.text,
                references: record.refs.map { SchemaReference(name: $0.name, subject: $0.subject, version: $0.version) }
            )
            records.append(
                VersionRecord(
                    subject: subject, version: record.version, schema: schema, metadata: record.meta,
                    tags: record.tags, deleted: record.deleted))
        }
        return records
    }
}

/// A compatibility level or mode, or its absence, as cached in Redis: the raw value, or `-`.
enum OptionalSettingCoding {
    static func encode(_ rawValue: String?) -> [UInt8] { Array((rawValue ?? "-").utf8) }

    /// `.some(nil)` for a cached absence; nil when the bytes are not a known value.
    static func decode<Setting: RawRepresentable>(_ bytes: [UInt8], as type: Setting.Type) -> Setting??
    where Setting.RawValue == String {
        let text = String(decoding: bytes, as: UTF8.self)
        if text == "-" { return .some(nil) }
        guard let setting = Setting(rawValue: text) else { return nil }
        return .some(setting)
    }
}
