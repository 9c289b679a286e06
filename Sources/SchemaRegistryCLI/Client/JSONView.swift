import Foundation
import SRPWire

/// JSON objects for the protocol's messages: every field present (also defaults), enums by
/// name, lowerCamelCase keys like the protobuf JSON mapping.
enum JSONView {
    static func schema(_ schema: Srp_Schema) -> [String: Any] {
        [
            "id": Int(schema.id), "schemaType": Names.schemaType(schema.schemaType), "schema": schema.schema,
            "references": schema.references.map(reference),
        ]
    }

    static func version(_ version: Srp_SchemaVersion) -> [String: Any] {
        [
            "subject": version.subject, "version": Int(version.version), "id": Int(version.id),
            "schemaType": Names.schemaType(version.schemaType), "schema": version.schema,
            "references": version.references.map(reference), "metadata": version.metadata,
            "tags": version.tags, "deleted": version.deleted,
        ]
    }

    static func reference(_ reference: Srp_SchemaReference) -> [String: Any] {
        ["name": reference.name, "subject": reference.subject, "version": Int(reference.version)]
    }

    static func subjectVersion(_ pair: Srp_SubjectVersion) -> [String: Any] {
        ["subject": pair.subject, "version": Int(pair.version)]
    }
}

/// Text for the protocol's messages.
enum TextView {
    /// A version as `key  value` lines, then a blank line and the schema.
    static func version(_ version: Srp_SchemaVersion) -> String {
        var lines = [
            "subject  \(version.subject)", "version  \(version.version)", "id       \(version.id)",
            "type     \(Names.schemaType(version.schemaType))",
        ]
        if version.deleted { lines.append("deleted  yes") }
        for reference in version.references {
            lines.append("ref      \(reference.name) -> \(reference.subject):\(reference.version)")
        }
        for (key, value) in version.metadata.sorted(by: { $0.key < $1.key }) {
            lines.append("meta     \(key)=\(value)")
        }
        if !version.tags.isEmpty { lines.append("tags     \(version.tags.joined(separator: ", "))") }
        return lines.joined(separator: "\n") + "\n\n" + version.schema
    }

    /// Aligned columns.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
