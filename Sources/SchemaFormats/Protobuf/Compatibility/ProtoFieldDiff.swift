import SwiftProtobuf

/// One field against its other version, same number (Confluent's `FieldSchemaDiff`): its kind
/// (scalar or enum, message, map), then the scalar kind or named type, then the label.
extension ProtoSchemaDiff {
    /// A field's label as the rules see it (proto3's implicit presence and `optional` are both singular).
    enum Cardinality: Equatable {
        case singular, required, repeated

        init(_ label: Google_Protobuf_FieldDescriptorProto.Label) {
            switch label {
            case .required: self = .required
            case .repeated: self = .repeated
            default: self = .singular
            }
        }
    }

    /// Confluent's `FieldSchemaDiff.Kind`, with what the rules need of each.
    private enum Shape {
        case scalar(ProtoScalarReading.ScalarType)
        case message
        case map(key: Field, value: Field)
    }

    // Locations and descriptions are autoclosures: most fields are unchanged, and the text of a
    // difference is only worth building when there is one.

    mutating func compareField(writer old: Field, reader new: Field, location: @autoclosure () -> String) {
        compareLabelsAndTypes(
            writer: old, reader: new, labels: (Cardinality(old.label), Cardinality(new.label)), location: location())
    }

    private static func shape(of field: Field, in index: ProtoTypeIndex) -> Shape {
        if let entry = index.mapEntry(of: field), entry.field.count == 2 {
            let key = entry.field.first { $0.number == 1 } ?? entry.field[0]
            let value = entry.field.first { $0.number == 2 } ?? entry.field[1]
            return .map(key: key, value: value)
        }
        switch field.type {
        case .message, .group: return .message
        default: return .scalar(field.type)
        }
    }

    private static func describe(_ field: Field, in index: ProtoTypeIndex) -> String {
        switch shape(of: field, in: index) {
        case .map(let key, let value):
            return "map<\(describe(key, in: index)), \(describe(value, in: index))>"
        case .message, .scalar(.enum):
            return ProtoTypeIndex.strip(field.typeName)
        case .scalar(let type):
            return ProtoScalarReading.name(type)
        }
    }

    /// `labels` is nil for a map's key and value, which have none to compare.
    private mutating func compareLabelsAndTypes(
        writer old: Field, reader new: Field, labels: (old: Cardinality, new: Cardinality)?,
        location: @autoclosure () -> String
    ) {
        // Copies, so that the descriptions do not read `self` while a mutating call runs.
        let writerIndex = writer
        let readerIndex = reader
        func oldText() -> String { Self.describe(old, in: writerIndex) }
        func newText() -> String { Self.describe(new, in: readerIndex) }
        func what() -> String { "Field \(new.name) (\(new.number))" }
        switch (Self.shape(of: old, in: writer), Self.shape(of: new, in: reader)) {
        case (.map(let oldKey, let oldValue), .map(let newKey, let newValue)):
            compareLabelsAndTypes(writer: oldKey, reader: newKey, labels: nil, location: location() + "/key")
            compareLabelsAndTypes(writer: oldValue, reader: newValue, labels: nil, location: location() + "/value")
        case (.message, .message):
            if (old.type == .group) != (new.type == .group) {
                // Ours: a group is written between start and end tags, a message length-delimited.
                add(
                    .fieldKindChanged, location(), "\(what()) changed between a group and a message.",
                    compatible: false)
                return
            }
            compareMessageTypes(writer: old, reader: new, location: location(), what: what())
            if let labels { compareLabels(labels, group: nil, location: location(), what: what()) }
        case (.scalar(let oldType), .scalar(let newType)):
            guard let oldGroup = ProtoScalarReading.group(oldType), let newGroup = ProtoScalarReading.group(newType),
                oldGroup == newGroup
            else {
                add(
                    .fieldScalarKindChanged, location(),
                    "\(what()) changed from \(oldText()) to \(newText()), which is encoded differently on the wire.")
                return
            }
            if oldType != newType || oldType == .enum {
                compareScalars(
                    writer: old, reader: new, location: location(), what: what(), texts: (oldText(), newText()))
            }
            if let labels { compareLabels(labels, group: oldGroup, location: location(), what: what()) }
        default:
            add(
                .fieldKindChanged, location(),
                "\(what()) changed from \(oldText()) to \(newText()): a scalar, a message and a map are read "
                    + "differently.")
        }
    }

    /// Same scalar group: the value-preserving changes only; enums by name.
    private mutating func compareScalars(
        writer old: Field, reader new: Field, location: @autoclosure () -> String, what: @autoclosure () -> String,
        texts: @autoclosure () -> (old: String, new: String)
    ) {
        let location = location()
        let what = what()
        let texts = texts()
        let oldEnum = old.type == .enum ? writer.enumType(named: old.typeName) : nil
        let newEnum = new.type == .enum ? reader.enumType(named: new.typeName) : nil
        if let oldEnum, let newEnum {
            if oldEnum.localName != newEnum.localName {
                // Confluent accepts any enum for any other (both are varints).
                add(
                    .fieldNamedTypeChanged, location,
                    "\(what) changed from enum \(texts.old) to enum \(texts.new): its numbers mean other constants.",
                    compatible: false)
            } else if !(oldEnum.isLocal && newEnum.isLocal), !compareReached(writer: oldEnum, reader: newEnum) {
                add(
                    .fieldNamedTypeChanged, location,
                    "\(what): its enum \(texts.new) changed incompatibly (see /enums/\(newEnum.fullName)).")
            }
            return
        }
        if let newEnum, newEnum.isClosed {
            // Confluent accepts integers read as an enum.
            add(
                .fieldScalarKindChanged, location,
                "\(what) changed from \(texts.old) to the proto2 enum \(texts.new), which reads numbers it does not "
                    + "declare as unknown fields (the field reads as its default).", compatible: false)
            return
        }
        if let reason = ProtoScalarReading.loss(writer: old.type, reader: new.type) {
            add(
                .fieldScalarKindChanged, location,
                "\(what) changed from \(texts.old) to \(texts.new): \(reason) (Confluent accepts this change).")
        }
    }

    private mutating func compareMessageTypes(
        writer old: Field, reader new: Field, location: @autoclosure () -> String, what: @autoclosure () -> String
    ) {
        guard let oldMessage = writer.message(named: old.typeName), let newMessage = reader.message(named: new.typeName)
        else {
            if ProtoTypeIndex.strip(old.typeName) != ProtoTypeIndex.strip(new.typeName) {
                add(.fieldNamedTypeChanged, location(), "\(what()) changed from \(old.typeName) to \(new.typeName).")
            }
            return
        }
        if oldMessage.localName != newMessage.localName {
            add(
                .fieldNamedTypeChanged, location(),
                "\(what()) changed from message \(oldMessage.fullName) to message \(newMessage.fullName).")
        } else if !(oldMessage.isLocal && newMessage.isLocal),
            !compareReached(writer: oldMessage, reader: newMessage)
        {
            // Types of the schema's own file are compared by name with the file; imported ones here.
            add(
                .fieldNamedTypeChanged, location(),
                "\(what()): its message \(newMessage.fullName) changed incompatibly "
                    + "(see /messages/\(newMessage.fullName)).")
        }
    }

    /// A repeated field read as a singular one keeps only its last value (or merges every message
    /// into one); a field that became required fails data written without it.
    private mutating func compareLabels(
        _ labels: (old: Cardinality, new: Cardinality), group: ProtoScalarReading.Group?,
        location: @autoclosure () -> String, what: @autoclosure () -> String
    ) {
        guard labels.old != labels.new else { return }
        let location = location()
        let change = "\(what()) changed from \(labels.old) to \(labels.new)"
        let narrowed = labels.old == .repeated && labels.new != .repeated
        let nowRequired = labels.new == .required && labels.old != .required
        let requiredReason = "data written without it fails the parse"
        switch group {
        case .stringOrBytes:
            // Confluent accepts every label change of a string or bytes field.
            let reason =
                narrowed
                ? ": a singular reader keeps only the last value (Confluent accepts this)."
                : nowRequired ? ": \(requiredReason) (Confluent accepts this)." : "."
            add(.fieldStringOrBytesLabelChanged, location, change + reason, compatible: !narrowed && !nowRequired)
        case nil:
            // Ours: Confluent does not compare the labels of message fields.
            let reason =
                narrowed
                ? ": a singular reader merges every element into one message."
                : nowRequired ? ": \(requiredReason)." : "."
            add(.fieldMessageLabelChanged, location, change + reason, compatible: !narrowed && !nowRequired)
        default:
            // Confluent refuses every label change of a number.
            let reason =
                narrowed
                ? ": a singular reader keeps only the last value, and none when they are packed "
                    + "(one length-delimited record)."
                : nowRequired ? ": \(requiredReason)." : "."
            add(.fieldNumericLabelChanged, location, change + reason)
        }
    }
}
