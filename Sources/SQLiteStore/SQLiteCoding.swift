import SchemaRegistryCore

/// How references, metadata and tags are stored as TEXT columns, and how rows become model values.
///
/// JSON with sorted keys: deterministic for a given value, readable with the sqlite3 shell, and
/// off the hot path (identity is decided on decoded values, never on this text).
enum SQLiteCoding {
    /// The text encodings shared by every store, naming this one in errors.
    static let values = StoredValueCoding(store: "sqlite")

    // MARK: Rows

    /// The columns `schema(from:at:)` reads, for a query on `schemas` aliased `s`.
    static let schemaColumns = "s.id, s.schema_type, s.canonical, s.refs"

    /// A schema from the four `schemaColumns`, starting at column `first`.
    static func schema(from row: SQLiteRow, at first: Int32 = 0) throws -> StoredSchema {
        StoredSchema(
            id: row.int(first), type: try values.schemaType(row.int(first + 1)), text: row.text(first + 2),
            references: try values.decodeReferences(row.text(first + 3)))
    }

    /// The columns `versionRecord(from:)` reads, for `subject_versions sv JOIN schemas s`.
    static let versionColumns = "sv.subject, sv.version, sv.deleted, sv.metadata, sv.tags, " + schemaColumns

    /// The SQL that joins a version to its schema; callers append WHERE and ORDER BY.
    static let versionSelect = """
        SELECT \(versionColumns) FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
        """

    /// The same columns, starting from the schema (its fingerprint index), then its versions.
    static let versionMatchSelect = """
        SELECT \(versionColumns) FROM schemas s CROSS JOIN subject_versions sv ON sv.schema_id = s.id
        """

    static func versionRecord(from row: SQLiteRow) throws -> VersionRecord {
        VersionRecord(
            subject: row.text(0), version: row.int(1), schema: try schema(from: row, at: 5),
            metadata: try values.decodeMetadata(row.text(3)), tags: try values.decodeTags(row.text(4)),
            deleted: row.bool(2))
    }
}
