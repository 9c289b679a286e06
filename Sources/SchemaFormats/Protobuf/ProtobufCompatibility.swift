import SchemaRegistryCore
import SwiftProtobuf

/// Confluent's Protobuf compatibility rules, by their kind names, over compiled descriptors.
/// `reader` reads what `writer` wrote (BACKWARD: reader is the new version); the registry calls
/// it both ways for FORWARD and FULL. Messages and enums are matched by fully qualified name.
///
/// Where Confluent lets a change through that can break a reader, this is stricter (documented in
/// docs/PROTOBUF.md): a field's label changed between repeated and singular, an enum field turned
/// into an integer or back, and `bytes` read as `string` (invalid UTF-8 fails a proto3 parse) are
/// incompatible here.
public enum ProtobufCompatibility {
    public static func incompatibilities(reader: CompiledProtoFile, writer: CompiledProtoFile) -> [Incompatibility] {
        var found: [Incompatibility] = []
        func add(_ kind: String, _ location: String, _ message: String) {
            found.append(Incompatibility(kind: kind, location: location, message: message))
        }
        if reader.file.package != writer.file.package {
            add(
                "PACKAGE_CHANGED", "#/",
                "The package changed from '\(writer.file.package)' to '\(reader.file.package)'.")
        }
        if (reader.file.syntax == "proto3") != (writer.file.syntax == "proto3") {
            add("SYNTAX_VERSION_CHANGED", "#/", "The syntax changed between proto2 and proto3.")
        }
        let readerMessages = messages(of: reader.file)
        for (name, old) in messages(of: writer.file).sorted(by: { $0.key < $1.key }) {
            guard let new = readerMessages[name] else {
                add("MESSAGE_REMOVED", "#/\(name)", "Message \(name) was removed.")
                continue
            }
            compare(new, old, name: name, add: add)
        }
        return found
    }

    /// Every message of the file by fully qualified name (nested ones too; map entries left out).
    static func messages(of file: Google_Protobuf_FileDescriptorProto) -> [String: Google_Protobuf_DescriptorProto] {
        var result: [String: Google_Protobuf_DescriptorProto] = [:]
        func walk(_ list: [Google_Protobuf_DescriptorProto], scope: String) {
            for message in list where !message.options.mapEntry {
                let name = scope.isEmpty ? message.name : scope + "." + message.name
                result[name] = message
                walk(message.nestedType, scope: name)
            }
        }
        walk(file.messageType, scope: file.package)
        return result
    }

    private static let scalarGroups: [[Google_Protobuf_FieldDescriptorProto.TypeEnum]] = [
        [.int32, .uint32, .int64, .uint64, .bool], [.sint32, .sint64], [.fixed32, .sfixed32], [.fixed64, .sfixed64],
    ]

    private static func compare(
        _ reader: Google_Protobuf_DescriptorProto, _ writer: Google_Protobuf_DescriptorProto, name: String,
        add: (String, String, String) -> Void
    ) {
        let readerFields = Dictionary(reader.field.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        let writerFields = Dictionary(writer.field.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        for old in writer.field {
            let location = "#/\(name)/\(old.number)"
            guard let new = readerFields[old.number] else {
                if old.label == .required {
                    add("REQUIRED_FIELD_REMOVED", location, "Required field \(old.name) (\(old.number)) was removed.")
                }
                continue
            }
            if new.label == .required, old.label != .required {
                add("REQUIRED_FIELD_ADDED", location, "Field \(new.name) (\(new.number)) became required.")
            }
            if (new.label == .repeated) != (old.label == .repeated) {
                add(
                    "FIELD_LABEL_CHANGED", location,
                    "Field \(new.name) (\(new.number)) changed between repeated and singular (stricter than Confluent)."
                )
            }
            let named: Set<Google_Protobuf_FieldDescriptorProto.TypeEnum> = [.message, .enum, .group]
            if named.contains(new.type) != named.contains(old.type)
                || (named.contains(new.type) && new.type != old.type)
            {
                add(
                    "FIELD_KIND_CHANGED", location,
                    "Field \(new.name) (\(new.number)) changed kind: \(old.type) to \(new.type).")
            } else if named.contains(new.type) {
                if new.typeName != old.typeName {
                    add(
                        "FIELD_NAMED_TYPE_CHANGED", location,
                        "Field \(new.name) (\(new.number)) changed type from \(old.typeName) to \(new.typeName).")
                }
            } else if new.type != old.type {
                let sameGroup = scalarGroups.contains { $0.contains(new.type) && $0.contains(old.type) }
                let stringFromBytes = old.type == .string && new.type == .bytes
                if !sameGroup && !stringFromBytes {
                    add(
                        "FIELD_SCALAR_KIND_CHANGED", location,
                        "Field \(new.name) (\(new.number)) changed from \(old.type) to \(new.type), which it cannot read."
                    )
                }
            }
            let newOneof = new.hasOneofIndex && !new.proto3Optional ? reader.oneofDecl[Int(new.oneofIndex)].name : nil
            let oldOneof = old.hasOneofIndex && !old.proto3Optional ? writer.oneofDecl[Int(old.oneofIndex)].name : nil
            if let newOneof, oldOneof == nil {
                let existed = writer.oneofDecl.contains { $0.name == newOneof }
                let moved = reader.field.filter {
                    $0.hasOneofIndex && !$0.proto3Optional && reader.oneofDecl[Int($0.oneofIndex)].name == newOneof
                        && writerFields[$0.number].map { !$0.hasOneofIndex || $0.proto3Optional } == true
                }
                if existed {
                    add(
                        "FIELD_MOVED_TO_EXISTING_ONEOF", location,
                        "Field \(new.name) moved into existing oneof \(newOneof).")
                } else if moved.count > 1, moved.first?.number == new.number {
                    add("MULTIPLE_FIELDS_MOVED_TO_ONEOF", location, "Several fields moved into new oneof \(newOneof).")
                }
            } else if oldOneof != nil, newOneof == nil, old.label != .repeated {
                // Leaving a oneof is readable: the last value written wins either way.
            }
        }
        for new in reader.field where writerFields[new.number] == nil && new.label == .required {
            add(
                "REQUIRED_FIELD_ADDED", "#/\(name)/\(new.number)",
                "Required field \(new.name) (\(new.number)) was added.")
        }
    }
}
