import SwiftProtobuf

/// Extensions: a number the extendee declares as an extension number, used once per extendee.
enum PCExtensionChecks {
    static func check(
        _ file: Google_Protobuf_FileDescriptorProto, resolver: PCResolver, source: PCSourceMap
    ) throws(ProtoSourceError) {
        var used: [String: [Int32: String]] = [:]
        func check(_ field: Google_Protobuf_FieldDescriptorProto, key: String) throws(ProtoSourceError) {
            guard let extendee = resolver.messages[field.extendee] else { return }
            let name = field.extendee.dropFirst()
            guard extendee.extensionRange.contains(where: { field.number >= $0.start && field.number < $0.end })
            else { throw source.error(key, "\"\(name)\" does not declare \(field.number) as an extension number") }
            if let other = used[field.extendee]?[field.number] {
                throw source.error(
                    key,
                    "extension number \(field.number) has already been used in \"\(name)\" by extension \"\(other)\"")
            }
            used[field.extendee, default: [:]][field.number] = field.name
        }
        func walk(_ message: Google_Protobuf_DescriptorProto, path: String) throws(ProtoSourceError) {
            let inner = path.isEmpty ? message.name : path + "." + message.name
            for field in message.extension { try check(field, key: "field:\(inner).\(field.name)") }
            for nested in message.nestedType { try walk(nested, path: inner) }
        }
        for field in file.extension { try check(field, key: "field:" + field.name) }
        for message in file.messageType { try walk(message, path: "") }
    }
}
