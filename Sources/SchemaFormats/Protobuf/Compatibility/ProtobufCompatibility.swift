import SchemaRegistryCore
import SwiftProtobuf

/// Confluent's Protobuf compatibility rules (`io.confluent.kafka.schemaregistry.protobuf.diff`)
/// over compiled descriptors, with Confluent's kind names.
///
/// `reader` reads what `writer` wrote: BACKWARD checks (reader: new, writer: old), and the
/// registry calls it both ways for FORWARD and FULL. As in Confluent, the file's messages and
/// enums are matched by their name inside the package (so a package change alone keeps them
/// matched), fields by number, oneofs by name, enum constants by number; messages from imports
/// are compared through the fields that use them.
///
/// Where Confluent accepts a change that lets the writer's data fail the reader's parse or reach
/// it silently altered, this checker refuses it (each place is listed in docs/PROTOBUF.md):
/// integer and fixed-width changes that truncate or reinterpret values, `bytes` read as
/// `string`, a repeated field read as a singular one, a field becoming required, integers or
/// another enum read as an enum, a constant removed from a closed (proto2) enum, and a change of
/// syntax.
///
/// Locations are paths into the schema, with names fully qualified (without the leading dot),
/// the reader's where it has the element and the writer's otherwise:
///
/// | location | what |
/// |---|---|
/// | `/package`, `/syntax` | the file's package or syntax |
/// | `/messages/shop.Order` | a message |
/// | `/messages/shop.Order/fields/3` | field number 3 of `shop.Order` |
/// | `/messages/shop.Order/fields/3/key`, `.../value` | the key or value of map field 3 |
/// | `/messages/shop.Order/oneofs/choice` | a oneof |
/// | `/messages/shop.Order/oneofs/choice/fields/7` | member 7 of a oneof |
/// | `/enums/shop.Status`, `/enums/shop.Status/values/2` | an enum, or its constant number 2 |
public enum ProtobufCompatibility {
    /// Every reason `reader` cannot read what `writer` wrote; empty when compatible.
    public static func incompatibilities(reader: CompiledProtoFile, writer: CompiledProtoFile) -> [Incompatibility] {
        differences(reader: reader, writer: writer).filter { !$0.isCompatible }.map {
            Incompatibility(kind: $0.kind.rawValue, location: $0.location, message: $0.message)
        }
    }

    /// Every difference Confluent's rules name between the two versions, compatible ones included
    /// (`FIELD_ADDED`, `MESSAGE_MOVED`, ...), in a stable order: file, then messages and enums by
    /// name, fields by number.
    public static func differences(reader: CompiledProtoFile, writer: CompiledProtoFile) -> [ProtobufDifference] {
        var diff = ProtoSchemaDiff(writer: ProtoTypeIndex(writer), reader: ProtoTypeIndex(reader))
        diff.compareFiles()
        return diff.differences
    }
}
