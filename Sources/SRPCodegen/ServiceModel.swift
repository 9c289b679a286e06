import SwiftProtobuf

/// Field numbers of the custom method options declared in proto/srp_options.proto.
public enum SRPOptionField {
    /// `(srp.method_id)`.
    public static let methodID = 51001
    /// `(srp.default_cost)`.
    public static let defaultCost = 51002
}

/// One rpc of the service, as the generated code sees it.
public struct RPCDescription: Equatable, Sendable {
    /// The rpc's name in the proto file (`GetSchemaById`).
    public var name: String
    /// The Swift name of its enum case and client method (`getSchemaById`), without backticks.
    public var swiftName: String
    /// `(srp.method_id)`.
    public var methodID: UInt16
    /// `(srp.default_cost)`.
    public var defaultCost: UInt32
    /// Full proto names of the request and response messages, without the leading dot (`srp.PingRequest`).
    public var requestProtoName: String
    public var responseProtoName: String
    /// Swift type names of the request and response messages (`Srp_PingRequest`).
    public var requestSwiftType: String
    public var responseSwiftType: String
    /// The rpc's leading comment, one element per line, without the comment markers.
    public var comment: [String]
}

/// The service to render, extracted from a descriptor set.
public struct ServiceDescription: Equatable, Sendable {
    /// The proto file that declares the service, relative to the proto directory (`srp.proto`).
    public var protoFile: String
    /// The service's full proto name (`srp.SchemaRegistry`).
    public var fullName: String
    /// The rpcs in declaration order.
    public var rpcs: [RPCDescription]

    /// Reads the service `fullName` from `descriptorSet` and validates its rpcs.
    public init(descriptorSet: Google_Protobuf_FileDescriptorSet, fullName: String) throws(CodegenError) {
        let types = MessageIndex(descriptorSet)
        var found: (file: Google_Protobuf_FileDescriptorProto, index: Int)?
        var available: [String] = []
        for file in descriptorSet.file {
            for (index, service) in file.service.enumerated() {
                let name = file.package.isEmpty ? service.name : file.package + "." + service.name
                available.append(name)
                if name == fullName && found == nil { found = (file, index) }
            }
        }
        guard let (file, serviceIndex) = found else {
            throw .serviceNotFound(fullName, available: available)
        }
        let service = file.service[serviceIndex]
        guard !service.method.isEmpty else { throw .emptyService(fullName) }

        var rpcs: [RPCDescription] = []
        for (methodIndex, method) in service.method.enumerated() {
            let rpc = method.name
            guard !method.clientStreaming && !method.serverStreaming else { throw .streamingRPC(rpc: rpc) }

            let fields: OptionFields
            do {
                fields = try OptionFields(serialized: try method.options.serializedBytes())
            } catch {
                throw .malformedOptions(rpc: rpc, reason: "\(error)")
            }
            guard let rawID = fields.varints[SRPOptionField.methodID] else { throw .missingMethodID(rpc: rpc) }
            guard (1...UInt64(UInt16.max)).contains(rawID) else { throw .methodIDOutOfRange(rpc: rpc, id: rawID) }
            guard let rawCost = fields.varints[SRPOptionField.defaultCost] else {
                throw .missingDefaultCost(rpc: rpc)
            }
            guard rawCost <= UInt64(UInt32.max) else { throw .defaultCostOutOfRange(rpc: rpc, cost: rawCost) }

            guard let request = types.swiftType(of: method.inputType) else {
                throw .unknownMessageType(rpc: rpc, type: method.inputType)
            }
            guard let response = types.swiftType(of: method.outputType) else {
                throw .unknownMessageType(rpc: rpc, type: method.outputType)
            }

            let location = [6, Int32(serviceIndex), 2, Int32(methodIndex)]  // service = 6, method = 2
            let comment = file.sourceCodeInfo.location.first { $0.path == location }?.leadingComments ?? ""

            rpcs.append(
                RPCDescription(
                    name: rpc,
                    swiftName: SwiftNaming.lowerCamel(rpcName: rpc),
                    methodID: UInt16(rawID),
                    defaultCost: UInt32(rawCost),
                    requestProtoName: String(method.inputType.drop { $0 == "." }),
                    responseProtoName: String(method.outputType.drop { $0 == "." }),
                    requestSwiftType: request,
                    responseSwiftType: response,
                    comment: commentLines(comment)))
        }

        // Ids and Swift names must be unique.
        var ids: Set<UInt16> = []
        for rpc in rpcs where !ids.insert(rpc.methodID).inserted {
            throw .duplicateMethodID(rpc.methodID, rpcs: rpcs.filter { $0.methodID == rpc.methodID }.map(\.name))
        }
        var seen: [String: String] = [:]
        let members: Set<String> = [
            "name", "defaultCost", "requestTypeName", "responseTypeName", "rawValue", "allCases", "init", "self",
            "hashValue", "description", "debugDescription", "dynamicType",
        ]
        for rpc in rpcs {
            if let other = seen[rpc.swiftName] {
                throw .invalidSwiftName(rpc: rpc.name, swiftName: rpc.swiftName, reason: "rpc \(other) also maps to")
            }
            seen[rpc.swiftName] = rpc.name
            if members.contains(rpc.swiftName) {
                throw .invalidSwiftName(
                    rpc: rpc.name, swiftName: rpc.swiftName, reason: "clashes with a member of the generated enum")
            }
            if !SwiftNaming.isValidIdentifier(rpc.swiftName) {
                throw .invalidSwiftName(rpc: rpc.name, swiftName: rpc.swiftName, reason: "is not a Swift identifier")
            }
        }

        self.protoFile = file.name
        self.fullName = fullName
        self.rpcs = rpcs
    }

    /// Whether any rpc uses a type from the SwiftProtobuf module (a well-known type such as `google.protobuf.Empty`).
    var usesSwiftProtobufTypes: Bool {
        rpcs.contains {
            $0.requestSwiftType.hasPrefix("SwiftProtobuf.") || $0.responseSwiftType.hasPrefix("SwiftProtobuf.")
        }
    }
}

/// Splits a protoc comment (`" First line.\n Second.\n"`) into lines without the one space protoc keeps after `//`.
func commentLines(_ comment: String) -> [String] {
    var lines = comment.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        var line = Substring(line)
        while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
        return line
    }
    while lines.first?.isEmpty == true { lines.removeFirst() }
    while lines.last?.isEmpty == true { lines.removeLast() }
    if lines.allSatisfy({ $0.isEmpty || $0.hasPrefix(" ") }) {
        lines = lines.map { $0.isEmpty ? $0 : $0.dropFirst() }
    }
    return lines.map(String.init)
}

/// Swift type names of every message in a descriptor set, by full proto name (with the leading dot).
struct MessageIndex {
    private var names: [String: String] = [:]

    /// The files protoc-gen-swift's module mappings put in the SwiftProtobuf module.
    static let swiftProtobufFiles: Set<String> = [
        "google/protobuf/any.proto", "google/protobuf/api.proto", "google/protobuf/descriptor.proto",
        "google/protobuf/duration.proto", "google/protobuf/empty.proto", "google/protobuf/field_mask.proto",
        "google/protobuf/source_context.proto", "google/protobuf/struct.proto", "google/protobuf/timestamp.proto",
        "google/protobuf/type.proto", "google/protobuf/wrappers.proto",
    ]

    init(_ set: Google_Protobuf_FileDescriptorSet) {
        for file in set.file {
            let module = Self.swiftProtobufFiles.contains(file.name) ? "SwiftProtobuf." : ""
            let prefix = SwiftNaming.typePrefix(package: file.package, options: file.options)
            let protoScope = file.package.isEmpty ? "." : "." + file.package + "."
            for message in file.messageType {
                add(
                    message, protoName: protoScope + message.name,
                    swiftName: module + SwiftNaming.sanitize(messageName: prefix + message.name))
            }
        }
    }

    private mutating func add(_ message: Google_Protobuf_DescriptorProto, protoName: String, swiftName: String) {
        names[protoName] = swiftName
        for nested in message.nestedType {
            add(
                nested, protoName: protoName + "." + nested.name,
                swiftName: swiftName + "." + SwiftNaming.sanitize(messageName: nested.name))
        }
    }

    /// The Swift type of a method's `input_type`/`output_type` (`.srp.PingRequest` → `Srp_PingRequest`).
    func swiftType(of protoName: String) -> String? {
        names[protoName.hasPrefix(".") ? protoName : "." + protoName]
    }
}
