import SwiftProtobuf

/// One enum against its other version, constants by number (Confluent's `EnumSchemaDiff`).
extension ProtoSchemaDiff {
    mutating func compareEnum(
        writer old: Google_Protobuf_EnumDescriptorProto, reader new: Google_Protobuf_EnumDescriptorProto,
        readerName: String
    ) {
        let path = "/enums/\(readerName)"
        // A proto2 reader keeps a number its enum does not declare out of the field: the field
        // reads as its default. A proto3 (open) enum keeps the number.
        let closed = reader.enumType(named: readerName)?.isClosed ?? false
        var oldNames: [Int32: [String]] = [:]
        for value in old.value { oldNames[value.number, default: []].append(value.name) }
        var newNames: [Int32: [String]] = [:]
        for value in new.value { newNames[value.number, default: []].append(value.name) }
        for number in Set(oldNames.keys).union(newNames.keys).sorted() {
            let location = "\(path)/values/\(number)"
            switch (oldNames[number], newNames[number]) {
            case (let names?, nil):
                let message =
                    closed
                    ? "Constant \(names[0]) (\(number)) was removed from the proto2 enum \(readerName): a reader "
                        + "drops it and the field reads as its default (Confluent accepts this)."
                    : "Constant \(names[0]) (\(number)) was removed from \(readerName); a reader keeps the number."
                add(.enumConstRemoved, location, message, compatible: !closed)
            case (nil, let names?):
                add(.enumConstAdded, location, "Constant \(names[0]) (\(number)) was added to \(readerName).")
            case (let oldList?, let newList?):
                if Set(oldList).isDisjoint(with: newList) {
                    add(
                        .enumConstChanged, location,
                        "Constant \(number) of \(readerName) was renamed from \(oldList[0]) to \(newList[0]).")
                }
            case (nil, nil):
                break
            }
        }
    }
}
