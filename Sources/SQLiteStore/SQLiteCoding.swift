import SchemaRegistryCore

/// How references, metadata and tags are stored as TEXT columns, and how rows become model values.
///
/// JSON with sorted keys: deterministic for a given value, readable with the sqlite3 shell, and
/// off the hot path (identity is decided on decoded values, never on this text).
enum SQLiteCoding {
    // The text encodings are shared by every store; these name this one in errors.
    static func encode(references: [SchemaReference]) throws -> String {
        try StoredValueCoding.encode(references: references)
    }

    static func decodeReferences(_ text: String) throws -> [SchemaReference] {
        try StoredValueCoding.decodeReferences(text, store: "sqlite")
    }

    static func encode(metadata: [String: String]) throws -> String {
        try StoredValueCoding.encode(metadata: metadata)
    }

    static func decodeMetadata(_ text: String) throws -> [String: String] {
        try StoredValueCoding.decodeMetadata(text, store: "sqlite")
    }

    static func encode(tags: [String]) throws -> String { try StoredValueCoding.encode(tags: tags) }

    static func decodeTags(_ text: String) throws -> [String] {
        try StoredValueCoding.decodeTags(text, store: "sqlite")
    }

    static func schemaType(_ raw: Int) throws -> SchemaType { try StoredValueCoding.schemaType(raw, store: "sqlite") }

    // MARK: Rows

    /// The columns `schema(from:at:)` reads, for a query on `schemas` aliased `s`.
    static let schemaColumns = "s.id, s.schema_type, s.canonical, s.refs"

    /// A schema from the four `schemaColumns`, starting at column `first`.
    static func schema(from row: SQLiteRow, at first: Int32 = 0) throws -> StoredSchema {
        StoredSchema(
            id: row.int(first), type: try schemaType(row.int(first + 1)), text: row.text(first + 2),
            references: try decodeReferences(row.text(first + 3)))
    }

    /// The columns `versionRecord(from:)` reads, for `subject_versions sv JOIN schemas s`.
    static let versionColumns = "sv.subject, sv.version, sv.deleted, sv.metadata, sv.tags, " + schemaColumns

    /// The SQL that joins a version to its schema; callers append WHERE and ORDER BY.
    static let versionSelect = """
        SELECT \(versionColumns) FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
        """

    static func versionRecord(from row: SQLiteRow) throws -> VersionRecord {
        VersionRecord(
            subject: row.text(0), version: row.int(1), schema: try schema(from: row, at: 5),
            metadata: try decodeMetadata(row.text(3)), tags: try decodeTags(row.text(4)), deleted: row.bool(2))
    }
}
