import SRPCodegen
import SwiftProtobuf
import Testing

/// A small hand-built descriptor set: package `srp`, service `SchemaRegistry`.
struct DemoProto {
    struct RPC {
        var name: String
        var id: UInt64?
        var cost: UInt64? = 1
        var input: String? = nil
        var output: String? = nil
        var comment: String? = nil
    }

    var rpcs: [RPC]
    var extraMessages: [Google_Protobuf_DescriptorProto] = []
    var extraFiles: [Google_Protobuf_FileDescriptorProto] = []

    static func varintField(_ number: Int, _ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        for var varint in [UInt64(number) << 3, value] {  // the tag (wire type 0), then the value
            while varint >= 0x80 {
                bytes.append(UInt8(varint & 0x7f) | 0x80)
                varint >>= 7
            }
            bytes.append(UInt8(varint))
        }
        return bytes
    }

    static func message(_ name: String, nested: [Google_Protobuf_DescriptorProto] = [])
        -> Google_Protobuf_DescriptorProto
    {
        var message = Google_Protobuf_DescriptorProto()
        message.name = name
        message.nestedType = nested
        return message
    }

    func descriptorSet() throws -> Google_Protobuf_FileDescriptorSet {
        var file = Google_Protobuf_FileDescriptorProto()
        file.name = "demo.proto"
        file.package = "srp"
        file.syntax = "proto3"
        var service = Google_Protobuf_ServiceDescriptorProto()
        service.name = "SchemaRegistry"
        for (index, rpc) in rpcs.enumerated() {
            var method = Google_Protobuf_MethodDescriptorProto()
            method.name = rpc.name
            method.inputType = rpc.input ?? ".srp.\(rpc.name)Request"
            method.outputType = rpc.output ?? ".srp.\(rpc.name)Response"
            // The custom options as protoc leaves them for a reader without the extension: unknown fields.
            var options: [UInt8] = []
            if let id = rpc.id { options += Self.varintField(51001, id) }
            if let cost = rpc.cost { options += Self.varintField(51002, cost) }
            method.options = try Google_Protobuf_MethodOptions(serializedBytes: options)
            service.method.append(method)
            if rpc.input == nil { file.messageType.append(Self.message("\(rpc.name)Request")) }
            if rpc.output == nil { file.messageType.append(Self.message("\(rpc.name)Response")) }
            if let comment = rpc.comment {
                var location = Google_Protobuf_SourceCodeInfo.Location()
                location.path = [6, 0, 2, Int32(index)]
                location.leadingComments = comment
                file.sourceCodeInfo.location.append(location)
            }
        }
        file.messageType += extraMessages
        file.service = [service]
        var set = Google_Protobuf_FileDescriptorSet()
        set.file = extraFiles + [file]
        return set
    }

    func render() throws -> [String: String] {
        try generateFiles(descriptorSet: try descriptorSet(), protoDigest: "fnv1a64:0123456789abcdef")
    }
}

@Suite("Renderer")
struct RendererTests {
    @Test("Two rpcs with the same method id are rejected")
    func duplicateIDs() throws {
        let demo = DemoProto(rpcs: [
            .init(name: "Hello", id: 1), .init(name: "Ping", id: 7), .init(name: "Pong", id: 7),
        ])
        #expect(throws: CodegenError.duplicateMethodID(7, rpcs: ["Ping", "Pong"])) { try demo.render() }
    }

    @Test("An rpc without (srp.method_id) is rejected")
    func missingID() throws {
        let demo = DemoProto(rpcs: [.init(name: "Hello", id: 1), .init(name: "Ping", id: nil)])
        #expect(throws: CodegenError.missingMethodID(rpc: "Ping")) { try demo.render() }
    }

    @Test("An rpc without (srp.default_cost) is rejected")
    func missingCost() throws {
        let demo = DemoProto(rpcs: [.init(name: "Ping", id: 2, cost: nil)])
        #expect(throws: CodegenError.missingDefaultCost(rpc: "Ping")) { try demo.render() }
    }

    @Test("Method ids must fit the frame header and not be 0", arguments: [UInt64(0), 65536, 1 << 40])
    func idOutOfRange(id: UInt64) throws {
        let demo = DemoProto(rpcs: [.init(name: "Ping", id: id)])
        #expect(throws: CodegenError.methodIDOutOfRange(rpc: "Ping", id: id)) { try demo.render() }
    }

    @Test("A missing service is reported with the services found")
    func missingService() throws {
        let set = try DemoProto(rpcs: [.init(name: "Ping", id: 2)]).descriptorSet()
        #expect(throws: CodegenError.serviceNotFound("srp.Other", available: ["srp.SchemaRegistry"])) {
            try generateFiles(
                descriptorSet: set, protoDigest: "fnv1a64:0123456789abcdef",
                configuration: .init(serviceFullName: "srp.Other"))
        }
    }

    @Test("A request type that is not in the set is rejected")
    func unknownType() throws {
        let demo = DemoProto(rpcs: [.init(name: "Ping", id: 2, input: ".srp.Nowhere")])
        #expect(throws: CodegenError.unknownMessageType(rpc: "Ping", type: ".srp.Nowhere")) { try demo.render() }
    }

    @Test("A malformed digest is rejected")
    func malformedDigest() throws {
        let set = try DemoProto(rpcs: [.init(name: "Ping", id: 2)]).descriptorSet()
        #expect(throws: CodegenError.malformedDigest("bf746ea8efa7aa4e")) {
            try generateFiles(descriptorSet: set, protoDigest: "bf746ea8efa7aa4e")
        }
    }

    @Test("One client method: doc comment, signature, unary call")
    func clientMethodShape() throws {
        let demo = DemoProto(rpcs: [
            .init(name: "Hello", id: 1, cost: 0),
            .init(name: "Ping", id: 2, comment: " Echoes the payload.\n\n Cheap.\n"),
            .init(name: "GetSchemaById", id: 10),
        ])
        let client = try #require(try demo.render()[GeneratedFile.client])
        #expect(
            client == """
                // Generated by srp-codegen from proto/demo.proto. Do not edit: run proto/generate.sh.
                // proto digest: fnv1a64:0123456789abcdef

                import SRPWire

                extension SchemaRegistryClient {
                    /// Echoes the payload.
                    ///
                    /// Cheap.
                    ///
                    /// Ping (method 2).
                    public func ping(_ request: Srp_PingRequest, options: CallOptions = .init()) async throws -> Srp_PingResponse {
                        try await unary(.ping, request, options: options)
                    }

                    /// GetSchemaById (method 10).
                    public func getSchemaById(
                        _ request: Srp_GetSchemaByIdRequest, options: CallOptions = .init()
                    ) async throws -> Srp_GetSchemaByIdResponse {
                        try await unary(.getSchemaById, request, options: options)
                    }
                }

                """)
    }

    @Test("The method table: cases by id, name, cost and message names")
    func methodTableShape() throws {
        let demo = DemoProto(rpcs: [
            .init(name: "Ping", id: 2, cost: 3, comment: " Echoes.\n"),
            .init(name: "Hello", id: 1, cost: 0),
        ])
        let table = try #require(try demo.render()[GeneratedFile.methodTable])
        #expect(
            table == """
                // Generated by srp-codegen from proto/demo.proto. Do not edit: run proto/generate.sh.
                // proto digest: fnv1a64:0123456789abcdef

                /// The methods of `srp.SchemaRegistry`, by their stable wire ids (`(srp.method_id)` in proto/).
                public enum SRPMethod: UInt16, Sendable, Hashable, CaseIterable {
                    case hello = 1
                    /// Echoes.
                    case ping = 2

                    /// The rpc's name in proto/.
                    public var name: String {
                        switch self {
                        case .hello: "Hello"
                        case .ping: "Ping"
                        }
                    }

                    /// Token-bucket cost of one call unless the server configures another (`(srp.default_cost)`).
                    public var defaultCost: Int {
                        switch self {
                        case .hello: 0
                        case .ping: 3
                        }
                    }

                    /// The full proto name of the request message.
                    public var requestTypeName: String {
                        switch self {
                        case .hello: "srp.HelloRequest"
                        case .ping: "srp.PingRequest"
                        }
                    }

                    /// The full proto name of the response message.
                    public var responseTypeName: String {
                        switch self {
                        case .hello: "srp.HelloResponse"
                        case .ping: "srp.PingResponse"
                        }
                    }
                }

                """)
    }

    @Test("Nested and well-known message types get protoc-gen-swift's names")
    func typeNames() throws {
        var empty = Google_Protobuf_FileDescriptorProto()
        empty.name = "google/protobuf/empty.proto"
        empty.package = "google.protobuf"
        empty.messageType = [DemoProto.message("Empty")]
        let demo = DemoProto(
            rpcs: [.init(name: "Poke", id: 5, input: ".srp.Outer.Inner", output: ".google.protobuf.Empty")],
            extraMessages: [
                DemoProto.message("Outer", nested: [DemoProto.message("Inner"), DemoProto.message("Type")])
            ],
            extraFiles: [empty])
        let client = try #require(try demo.render()[GeneratedFile.client])
        #expect(client.contains("import SRPWire\nimport SwiftProtobuf\n"))
        #expect(client.contains("_ request: Srp_Outer.Inner, options: CallOptions = .init()"))
        #expect(client.contains(") async throws -> SwiftProtobuf.Google_Protobuf_Empty {"))
    }

    @Test("Options other than ours are skipped; the last value of a repeated option wins")
    func optionDecoding() throws {
        var set = try DemoProto(rpcs: [.init(name: "Ping", id: 2)]).descriptorSet()
        var options = set.file[0].service[0].method[0].options
        options.deprecated = true
        options.idempotencyLevel = .noSideEffects
        var bytes: [UInt8] = try options.serializedBytes()
        bytes += DemoProto.varintField(51001, 9)
        set.file[0].service[0].method[0].options = try Google_Protobuf_MethodOptions(serializedBytes: bytes)
        let table = try #require(
            try generateFiles(descriptorSet: set, protoDigest: "fnv1a64:0123456789abcdef")[
                GeneratedFile.methodTable])
        #expect(table.contains("    case ping = 9\n"))
    }

    @Test("Two rpcs with the same Swift name are rejected")
    func swiftNameClash() throws {
        let demo = DemoProto(rpcs: [.init(name: "GetThing", id: 1), .init(name: "get_thing", id: 2)])
        #expect(throws: CodegenError.self) { try demo.render() }
    }

    @Test("Streaming rpcs are rejected")
    func streaming() throws {
        var set = try DemoProto(rpcs: [.init(name: "Watch", id: 3)]).descriptorSet()
        set.file[0].service[0].method[0].serverStreaming = true
        #expect(throws: CodegenError.streamingRPC(rpc: "Watch")) {
            try generateFiles(descriptorSet: set, protoDigest: "fnv1a64:0123456789abcdef")
        }
    }

    @Test(
        "rpc names become lowerCamel Swift names",
        arguments: [
            ("GetSchemaById", "getSchemaById"), ("Hello", "hello"), ("URLLookup", "urlLookup"),
            ("get_thing", "getThing"),
        ])
    func swiftNames(rpc: String, swiftName: String) throws {
        let table = try #require(try DemoProto(rpcs: [.init(name: rpc, id: 4)]).render()[GeneratedFile.methodTable])
        #expect(table.contains("    case \(swiftName) = 4\n"))
    }
}

@Suite("Digest and diff")
struct DigestTests {
    @Test("FNV-1a 64 over name, 0, contents, sorted by name")
    func digest() {
        #expect(protoDigest(files: []) == "fnv1a64:cbf29ce484222325")
        let a = (name: "a.proto", contents: Array("A\n".utf8))
        let b = (name: "b.proto", contents: Array("B\n".utf8))
        #expect(protoDigest(files: [a, b]) == "fnv1a64:3d0083b95d22a63d")
        #expect(protoDigest(files: [b, a]) == "fnv1a64:3d0083b95d22a63d")
    }

    @Test("The digest is read back from a header")
    func recorded() {
        #expect(
            recordedProtoDigest(in: "// Generated\n// proto digest: fnv1a64:0123456789abcdef\n\nx")
                == "fnv1a64:0123456789abcdef")
        #expect(recordedProtoDigest(in: "// Generated\n\nenum X {}\n") == nil)
    }

    @Test("Unified diff of two texts")
    func diff() {
        #expect(unifiedDiff(old: "a\nb\n", new: "a\nb\n", oldLabel: "old", newLabel: "new") == nil)
        let diff = unifiedDiff(
            old: "1\n2\n3\n4\n5\n", new: "1\n2\nthree\n4\n5\n", oldLabel: "old", newLabel: "new", context: 1)
        #expect(diff == "--- old\n+++ new\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n")
        let added = unifiedDiff(old: "", new: "x\n", oldLabel: "old", newLabel: "new")
        #expect(added == "--- old\n+++ new\n@@ -0,0 +1,1 @@\n+x\n")
    }
}
