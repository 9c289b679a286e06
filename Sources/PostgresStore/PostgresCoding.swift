import SchemaRegistryCore

/// How references (text), metadata and tags (jsonb) are stored, and how rows become model values.
///
/// JSON with sorted keys: deterministic for a given value, readable with psql, and
/// off the hot path (identity is decided on decoded values, never on this text).
enum PostgresCoding {
    /// The text encodings shared by every store, naming this one in errors.
    static let values = StoredValueCoding(store: "postgres")

    // MARK: Rows

    /// The columns `schema(from:_:at:)` reads, for a query on `schemas` aliased `s`.
    static let schemaColumns = "s.id, s.schema_type, s.canonical, s.refs"

    /// A schema from the four `schemaColumns` of row `row`, starting at column `first`.
    static func schema(from rows: PostgresRows, _ row: Int, at first: Int = 0) throws -> StoredSchema {
        StoredSchema(
            id: rows.int(row, first), type: try values.schemaType(rows.int(row, first + 1)),
            text: rows.text(row, first + 2),
            references: try values.decodeReferences(rows.text(row, first + 3)))
    }

    /// Every row of a `schemaColumns` result.
    static func schemas(from rows: PostgresRows) throws -> [StoredSchema] {
        try (0..<rows.count).map { try schema(from: rows, $0) }
    }

    /// The columns `versionRecord(from:_:)` reads, for `subject_versions sv JOIN schemas s`.
    static let versionColumns = "sv.subject, sv.version, sv.deleted, sv.metadata, sv.tags, " + schemaColumns

    /// The SQL that joins a version to its schema; callers append WHERE and ORDER BY.
    static let versionSelect = """
        SELECT \(versionColumns) FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
        """

    static func versionRecord(from rows: PostgresRows, _ row: Int) throws -> VersionRecord {
        VersionRecord(
            subject: rows.text(row, 0), version: rows.int(row, 1), schema: try schema(from: rows, row, at: 5),
            metadata: try values.decodeMetadata(rows.text(row, 3)), tags: try values.decodeTags(rows.text(row, 4)),
            deleted: rows.bool(row, 2))
    }

    /// Every row of a `versionSelect` result.
    static func versionRecords(from rows: PostgresRows) throws -> [VersionRecord] {
        try (0..<rows.count).map { try versionRecord(from: rows, $0) }
    }
}
