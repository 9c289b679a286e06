import SwiftProtobuf

/// One comparison of two compiled schemas (Confluent's `SchemaDiff` and its `Context`): walks the
/// files' messages and enums by name and collects every difference.
struct ProtoSchemaDiff {
    let writer: ProtoTypeIndex
    let reader: ProtoTypeIndex
    private(set) var differences: [ProtobufDifference] = []
    /// Imported messages and enums compared through a field, by "writer name|reader name": whether
    /// they were compatible. A pair being compared counts as compatible, which ends recursive types
    /// (Confluent's `SchemaScope` does the same).
    private var reached: [String: Bool] = [:]

    init(writer: ProtoTypeIndex, reader: ProtoTypeIndex) {
        self.writer = writer
        self.reader = reader
    }

    /// Records a difference; its verdict is Confluent's unless a rule is stricter.
    mutating func add(
        _ kind: ProtobufDifference.Kind, _ location: String, _ message: String, compatible: Bool? = nil
    ) {
        differences.append(
            ProtobufDifference(
                kind: kind, location: location, message: message,
                isCompatible: compatible ?? kind.isCompatibleInConfluent))
    }

    mutating func compareFiles() {
        let old = writer.file
        let new = reader.file
        if old.package != new.package {
            add(
                .packageChanged, "/package",
                "The package changed from '\(old.package)' to '\(new.package)'; binary data does not carry it.")
        }
        let oldSyntax = old.syntax.isEmpty ? "proto2" : old.syntax
        let newSyntax = new.syntax.isEmpty ? "proto2" : new.syntax
        if oldSyntax != newSyntax {
            add(
                .syntaxVersionChanged, "/syntax",
                "The syntax changed from \(oldSyntax) to \(newSyntax): defaults, field presence, UTF-8 checks of "
                    + "strings and the openness of enums change, so values can be read differently.",
                compatible: false)
        }
        compareTypes(
            writer: (old.messageType, old.enumType, old.package), reader: (new.messageType, new.enumType, new.package))
    }

    typealias Scope = (
        messages: [Google_Protobuf_DescriptorProto], enums: [Google_Protobuf_EnumDescriptorProto], name: String
    )

    /// The messages and enums declared in one scope (the file, or a message), matched by name
    /// (Confluent's `compareTypeElements`). Map entries are compared through their map fields.
    mutating func compareTypes(writer old: Scope, reader new: Scope) {
        func named(_ list: [Google_Protobuf_DescriptorProto]) -> [String: (Int, Google_Protobuf_DescriptorProto)] {
            let messages = list.filter { !$0.options.mapEntry }
            return Dictionary(messages.enumerated().map { ($1.name, ($0, $1)) }, uniquingKeysWith: { a, _ in a })
        }
        func qualified(_ scope: String, _ name: String) -> String { scope.isEmpty ? name : scope + "." + name }
        let oldMessages = named(old.messages)
        let newMessages = named(new.messages)
        for name in Set(oldMessages.keys).union(newMessages.keys).sorted() {
            let oldName = qualified(old.name, name)
            let newName = qualified(new.name, name)
            switch (oldMessages[name], newMessages[name]) {
            case (_?, nil):
                add(
                    .messageRemoved, "/messages/\(oldName)",
                    "Message \(oldName) was removed; data that holds it cannot be read.")
            case (nil, _?):
                add(.messageAdded, "/messages/\(newName)", "Message \(newName) was added.")
            case (let (oldIndex, oldMessage)?, let (newIndex, newMessage)?):
                compareMessage(writer: oldMessage, reader: newMessage, writerName: oldName, readerName: newName)
                if oldIndex != newIndex {
                    add(
                        .messageMoved, "/messages/\(newName)",
                        "Message \(newName) moved from index \(oldIndex) to \(newIndex); a payload's message "
                            + "indexes refer to the schema it was written with.")
                }
            case (nil, nil):
                break
            }
        }
        let oldEnums = Dictionary(old.enums.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newEnums = Dictionary(new.enums.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldEnums.keys).union(newEnums.keys).sorted() {
            let oldName = qualified(old.name, name)
            let newName = qualified(new.name, name)
            switch (oldEnums[name], newEnums[name]) {
            case (_?, nil):
                add(.enumRemoved, "/enums/\(oldName)", "Enum \(oldName) was removed.")
            case (nil, _?):
                add(.enumAdded, "/enums/\(newName)", "Enum \(newName) was added.")
            case (let oldEnum?, let newEnum?):
                compareEnum(writer: oldEnum, reader: newEnum, readerName: newName)
            case (nil, nil):
                break
            }
        }
    }

    /// Compares an imported message reached through a field, once per pair; whether it was compatible.
    mutating func compareReached(writer old: ProtoTypeIndex.Message, reader new: ProtoTypeIndex.Message) -> Bool {
        let key = old.fullName + "|" + new.fullName
        if let known = reached[key] { return known }
        reached[key] = true
        let start = differences.count
        compareMessage(
            writer: old.descriptor, reader: new.descriptor, writerName: old.fullName, readerName: new.fullName)
        let compatible = differences[start...].allSatisfy(\.isCompatible)
        reached[key] = compatible
        return compatible
    }

    /// Compares an imported enum reached through a field, once per pair; whether it was compatible.
    mutating func compareReached(writer old: ProtoTypeIndex.Enum, reader new: ProtoTypeIndex.Enum) -> Bool {
        let key = "enum " + old.fullName + "|" + new.fullName
        if let known = reached[key] { return known }
        let start = differences.count
        compareEnum(writer: old.descriptor, reader: new.descriptor, readerName: new.fullName)
        let compatible = differences[start...].allSatisfy(\.isCompatible)
        reached[key] = compatible
        return compatible
    }
}
