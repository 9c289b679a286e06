import SchemaRegistryCore
import SwiftProtobuf

/// Validates a JSON payload against a message of a compiled `.proto` file, by the proto3 JSON
/// mapping (what `JsonFormat.parser()` accepts): members by JSON name or field name, 64-bit
/// integers as numbers or strings, bytes as base64, enums by name or number, `null` as the
/// default, the well-known types in their JSON forms; unknown members are errors.
///
/// `messageIndexes` is Confluent's message-index list: which message of the file (`[0]` is the
/// first top-level message, `[1, 0]` the first message nested in the second).
struct ProtoJSONValidator {
    private let types: [String: Google_Protobuf_DescriptorProto]
    private let enums: [String: Google_Protobuf_EnumDescriptorProto]
    private var errors: [PayloadError] = []
    private static let maxErrors = 100

    static func validate(payload: [UInt8], file: CompiledProtoFile, messageIndexes: [Int]) -> [PayloadError] {
        var bytes = payload
        let value: JSONValue
        do {
            value = try JSONParser(maximumDepth: 128).parse(bytes: &bytes)
        } catch {
            return [
                PayloadError(instanceLocation: "", schemaLocation: "", message: "The payload is not JSON: \(error)")
            ]
        }
        guard let (name, _) = message(at: messageIndexes, in: file.file) else {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: "",
                    message: "The schema has no message at index \(messageIndexes).")
            ]
        }
        var validator = ProtoJSONValidator(file: file)
        validator.check(value, message: name, at: "", depth: 0)
        return validator.errors
    }

    /// The fully qualified name of the message Confluent's index list names.
    static func message(at indexes: [Int], in file: Google_Protobuf_FileDescriptorProto) -> (
        String, Google_Protobuf_DescriptorProto
    )? {
        var scope = file.package.isEmpty ? "" : "." + file.package
        var candidates = file.messageType
        var found: Google_Protobuf_DescriptorProto?
        for index in indexes {
            guard index >= 0, index < candidates.count else { return nil }
            found = candidates[index]
            scope += "." + candidates[index].name
            candidates = candidates[index].nestedType
        }
        return found.map { (scope, $0) }
    }

    private init(file: CompiledProtoFile) {
        var types: [String: Google_Protobuf_DescriptorProto] = [:]
        var enums: [String: Google_Protobuf_EnumDescriptorProto] = [:]
        func collect(
            _ messages: [Google_Protobuf_DescriptorProto], _ enumList: [Google_Protobuf_EnumDescriptorProto],
            scope: String
        ) {
            for enumeration in enumList { enums[scope + "." + enumeration.name] = enumeration }
            for message in messages {
                let name = scope + "." + message.name
                types[name] = message
                collect(message.nestedType, message.enumType, scope: name)
            }
        }
        for descriptor in [file.file] + Array(file.dependencies.values) {
            collect(
                descriptor.messageType, descriptor.enumType,
                scope: descriptor.package.isEmpty ? "" : "." + descriptor.package)
        }
        self.types = types
        self.enums = enums
    }

    private mutating func fail(_ location: String, _ schemaLocation: String, _ message: String) {
        guard errors.count < Self.maxErrors else { return }
        errors.append(PayloadError(instanceLocation: location, schemaLocation: schemaLocation, message: message))
    }

    private mutating func check(_ value: JSONValue, message name: String, at location: String, depth: Int) {
        guard depth < 100 else { return fail(location, name, "Nesting deeper than 100 messages.") }
        if let special = WellKnownJSON.kind(of: name) {
            if let problem = WellKnownJSON.problem(value, kind: special) { fail(location, name, problem) }
            return
        }
        guard let message = types[name] else { return fail(location, name, "Unknown message type \(name).") }
        guard case .object(let object) = value else {
            return fail(location, name, "Expected an object for message \(name), found \(value.typeName).")
        }
        var oneofsSet: [Int32: String] = [:]
        for (key, member) in object.members {
            guard let field = message.field.first(where: { $0.jsonName == key || $0.name == key }) else {
                fail(location + "/" + key, name, "No field '\(key)' in message \(name).")
                continue
            }
            let here = location + "/" + key
            let schemaHere = name + "/" + field.name
            if member == .null, !(field.typeName == ".google.protobuf.Value") { continue }
            if field.hasOneofIndex, !field.proto3Optional {
                if let other = oneofsSet[field.oneofIndex] {
                    fail(here, schemaHere, "Fields '\(other)' and '\(field.name)' are in the same oneof; set one.")
                }
                oneofsSet[field.oneofIndex] = field.name
            }
            if let entry = mapEntry(field) {
                guard case .object(let pairs) = member else {
                    fail(
                        here, schemaHere, "Expected an object for map field '\(field.name)', found \(member.typeName).")
                    continue
                }
                for (mapKey, mapValue) in pairs.members {
                    checkMapKey(mapKey, entry.field[0], at: here + "/" + mapKey, schemaHere)
                    checkSingle(mapValue, entry.field[1], at: here + "/" + mapKey, schemaHere, depth: depth)
                }
            } else if field.label == .repeated {
                guard case .array(let items) = member else {
                    fail(
                        here, schemaHere,
                        "Expected an array for repeated field '\(field.name)', found \(member.typeName).")
                    continue
                }
                for (index, item) in items.enumerated() {
                    checkSingle(item, field, at: here + "/\(index)", schemaHere, depth: depth)
                }
            } else {
                checkSingle(member, field, at: here, schemaHere, depth: depth)
            }
        }
    }

    private func mapEntry(_ field: Google_Protobuf_FieldDescriptorProto) -> Google_Protobuf_DescriptorProto? {
        guard field.label == .repeated, field.type == .message, let entry = types[field.typeName],
            entry.options.mapEntry,
            entry.field.count == 2
        else { return nil }
        return entry
    }

    private mutating func checkMapKey(
        _ key: String, _ field: Google_Protobuf_FieldDescriptorProto, at location: String, _ schema: String
    ) {
        switch field.type {
        case .string: return
        case .bool:
            if key != "true" && key != "false" { fail(location, schema, "Map key '\(key)' is not a bool.") }
        default:
            if ProtoScalarJSON.problem(.string(key), field.type) != nil {
                fail(location, schema, "Map key '\(key)' is not a \(field.type) value.")
            }
        }
    }

    private mutating func checkSingle(
        _ value: JSONValue, _ field: Google_Protobuf_FieldDescriptorProto, at location: String, _ schema: String,
        depth: Int
    ) {
        switch field.type {
        case .message, .group:
            if value == .null, field.typeName != ".google.protobuf.Value" { return }
            check(value, message: field.typeName, at: location, depth: depth + 1)
        case .enum:
            guard value != .null else { return }
            let enumeration = enums[field.typeName]
            switch value {
            case .string(let name):
                if let enumeration, !enumeration.value.contains(where: { $0.name == name }) {
                    fail(location, schema, "'\(name)' is not a value of enum \(field.typeName).")
                }
            case .number(let number) where number.isInteger && abs(number.double) <= Double(Int32.max): break
            default:
                fail(
                    location, schema, "Expected an enum name or number for \(field.typeName), found \(value.typeName).")
            }
        default:
            if let problem = ProtoScalarJSON.problem(value, field.type) { fail(location, schema, problem) }
        }
    }
}
