import SwiftProtobuf

/// One message against its other version (Confluent's `MessageSchemaDiff` and `OneOfDiff`):
/// oneofs, then fields by number, then the nested types.
extension ProtoSchemaDiff {
    typealias Field = Google_Protobuf_FieldDescriptorProto

    mutating func compareMessage(
        writer old: Google_Protobuf_DescriptorProto, reader new: Google_Protobuf_DescriptorProto,
        writerName: String, readerName: String
    ) {
        let path = "/messages/\(readerName)"
        compareOneofs(writer: old, reader: new, path: path)
        compareFields(writer: old, reader: new, path: path, messageName: readerName)
        compareTypes(
            writer: (old.nestedType, old.enumType, writerName), reader: (new.nestedType, new.enumType, readerName))
    }

    /// The real oneof a field belongs to (not proto3 `optional`'s synthetic one).
    static func oneofName(of field: Field, in message: Google_Protobuf_DescriptorProto) -> String? {
        guard field.hasOneofIndex, !field.proto3Optional, Int(field.oneofIndex) < message.oneofDecl.count else {
            return nil
        }
        return message.oneofDecl[Int(field.oneofIndex)].name
    }

    /// Each real oneof's members, by oneof name, in declaration order.
    private static func oneofs(of message: Google_Protobuf_DescriptorProto) -> [(name: String, members: [Field])] {
        var result: [(name: String, members: [Field])] = []
        for field in message.field {
            guard let name = oneofName(of: field, in: message) else { continue }
            if let index = result.firstIndex(where: { $0.name == name }) {
                result[index].members.append(field)
            } else {
                result.append((name, [field]))
            }
        }
        return result
    }

    private mutating func compareOneofs(
        writer old: Google_Protobuf_DescriptorProto, reader new: Google_Protobuf_DescriptorProto, path: String
    ) {
        let oldOneofs = Self.oneofs(of: old)
        let newOneofs = Self.oneofs(of: new)
        if oldOneofs.isEmpty && newOneofs.isEmpty { return }
        let oldByNumber = Dictionary(old.field.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        // Setting one member of a oneof clears the others: fields the writer could set together must
        // not share one in the reader (the reader would keep only the last one on the wire).
        for (name, members) in newOneofs {
            let moved = members.filter {
                oldByNumber[$0.number].map { Self.oneofName(of: $0, in: old) == nil } ?? false
            }
            let existing = members.filter {
                oldByNumber[$0.number].map { Self.oneofName(of: $0, in: old) != nil } ?? false
            }
            let location = "\(path)/oneofs/\(name)"
            if moved.count > 1 {
                let list = moved.map { "\($0.name) (\($0.number))" }.joined(separator: ", ")
                add(
                    .multipleFieldsMovedToOneof, location,
                    "Fields \(list) moved into oneof \(name): data that set several of them keeps only the last.")
            } else if let field = moved.first, !existing.isEmpty {
                add(
                    .fieldMovedToExistingOneof, location,
                    "Field \(field.name) (\(field.number)) moved into oneof \(name), whose other members existed: "
                        + "data that set it and one of them keeps only the last.")
            }
        }
        let oldNames = Dictionary(oldOneofs.map { ($0.name, $0.members) }, uniquingKeysWith: { a, _ in a })
        let newNames = Dictionary(newOneofs.map { ($0.name, $0.members) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldNames.keys).union(newNames.keys).sorted() {
            let location = "\(path)/oneofs/\(name)"
            switch (oldNames[name], newNames[name]) {
            case (_?, nil):
                add(.oneofRemoved, location, "Oneof \(name) was removed.")
            case (nil, _?):
                add(.oneofAdded, location, "Oneof \(name) was added.")
            case (let oldMembers?, let newMembers?):
                let oldNumbers = Set(oldMembers.map(\.number))
                let newNumbers = Set(newMembers.map(\.number))
                for field in oldMembers where !newNumbers.contains(field.number) {
                    add(
                        .oneofFieldRemoved, "\(location)/fields/\(field.number)",
                        "Field \(field.name) (\(field.number)) left oneof \(name): data that set it reads as a "
                            + "oneof with no member set.")
                }
                for field in newMembers where !oldNumbers.contains(field.number) {
                    add(
                        .oneofFieldAdded, "\(location)/fields/\(field.number)",
                        "Field \(field.name) (\(field.number)) was added to oneof \(name).")
                }
            case (nil, nil):
                break
            }
        }
    }

    private mutating func compareFields(
        writer old: Google_Protobuf_DescriptorProto, reader new: Google_Protobuf_DescriptorProto, path: String,
        messageName: String
    ) {
        // Both field lists by number, walked together (no dictionary of field copies: this runs
        // for every message of every compatibility check).
        let oldFields = old.field
        let newFields = new.field
        let oldOrder = oldFields.indices.sorted { oldFields[$0].number < oldFields[$1].number }
        let newOrder = newFields.indices.sorted { newFields[$0].number < newFields[$1].number }
        var oldPosition = 0
        var newPosition = 0
        while oldPosition < oldOrder.count || newPosition < newOrder.count {
            let oldNumber = oldPosition < oldOrder.count ? oldFields[oldOrder[oldPosition]].number : Int32.max
            let newNumber = newPosition < newOrder.count ? newFields[newOrder[newPosition]].number : Int32.max
            let number = min(oldNumber, newNumber)
            let oldField = oldNumber == number ? oldFields[oldOrder[oldPosition]] : nil
            let newField = newNumber == number ? newFields[newOrder[newPosition]] : nil
            // A number used twice (which the compiler refuses) is compared once, as before.
            while oldPosition < oldOrder.count, oldFields[oldOrder[oldPosition]].number == number { oldPosition += 1 }
            while newPosition < newOrder.count, newFields[newOrder[newPosition]].number == number { newPosition += 1 }
            func location() -> String { "\(path)/fields/\(number)" }
            switch (oldField, newField) {
            case (let field?, nil):
                if field.label == .required {
                    add(
                        .requiredFieldRemoved, location(),
                        "Required field \(field.name) (\(number)) of \(messageName) was removed.")
                } else if Self.oneofName(of: field, in: old) == nil {
                    // A oneof's member is reported by its oneof (ONEOF_FIELD_REMOVED or ONEOF_REMOVED).
                    add(.fieldRemoved, location(), "Field \(field.name) (\(number)) of \(messageName) was removed.")
                }
            case (nil, let field?):
                if field.label == .required {
                    add(
                        .requiredFieldAdded, location(),
                        "Required field \(field.name) (\(number)) was added to \(messageName): data written "
                            + "without it fails the parse.")
                } else if Self.oneofName(of: field, in: new) == nil {
                    add(.fieldAdded, location(), "Field \(field.name) (\(number)) was added to \(messageName).")
                }
            case (let oldField?, let newField?):
                if oldField.name != newField.name {
                    add(
                        .fieldNameChanged, location(),
                        "Field \(number) of \(messageName) was renamed from \(oldField.name) to \(newField.name).")
                }
                compareField(writer: oldField, reader: newField, location: location())
            case (nil, nil):
                break
            }
        }
    }
}
