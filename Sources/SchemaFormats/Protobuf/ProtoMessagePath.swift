import SwiftProtobuf

/// Where a message is declared in a `.proto` file, as Confluent's message indexes say it: the
/// index among the file's top-level messages, then among that message's nested ones, and so on
/// (`[0]` is the file's first message). Used by the Kafka serializers to frame and check messages.
public enum ProtoMessagePath {
    /// The indexes of the message `fullName` (e.g. `shop.Order.Line`, swift-protobuf's
    /// `protoMessageName`) in `file`, or nil when the file does not declare it.
    public static func indexes(of fullName: String, in file: Google_Protobuf_FileDescriptorProto) -> [Int]? {
        var local = Substring(fullName)
        if !file.package.isEmpty {
            guard local.hasPrefix(file.package + ".") else { return nil }
            local = local.dropFirst(file.package.count + 1)
        }
        var indexes: [Int] = []
        var scope = file.messageType
        for part in local.split(separator: ".", omittingEmptySubsequences: false) {
            guard let index = scope.firstIndex(where: { $0.name == part }) else { return nil }
            indexes.append(index)
            scope = scope[index].nestedType
        }
        return indexes.isEmpty ? nil : indexes
    }

    /// The full name (`shop.Order.Line`, no leading dot) of the message at `indexes` in `file`,
    /// or nil when they point nowhere.
    public static func name(at indexes: [Int], in file: Google_Protobuf_FileDescriptorProto) -> String? {
        guard let (name, _) = ProtoJSONValidator.message(at: indexes, in: file) else { return nil }
        return name.hasPrefix(".") ? String(name.dropFirst()) : name
    }
}
