import GRPCCore
import GRPCProtobuf
public import SRPWire

// What protoc-gen-grpc-swift would generate for the two methods of srp.proto's
// `service SchemaRegistry` that the peer benchmarks use, written by hand: the generator
// plugin takes longer to build than these lines take to read. The messages are SRPWire's
// generated ones, so gRPC and SRP carry byte-identical protobuf bodies and the comparison is
// the framing and transport around them.

public enum SchemaRegistryGRPC {
    public static let service = ServiceDescriptor(package: "srp", service: "SchemaRegistry")
    /// `/srp.SchemaRegistry/GetSchemaById`
    public static let getSchemaById = MethodDescriptor(service: service, method: "GetSchemaById")
    /// `/srp.SchemaRegistry/RegisterSchema`
    public static let registerSchema = MethodDescriptor(service: service, method: "RegisterSchema")
}

/// The server side: the two handlers, registered with grpc-swift's router.
public protocol SchemaRegistryGRPCHandlers: RegistrableRPCService {
    func getSchemaById(_ request: Srp_GetSchemaByIdRequest) async throws -> Srp_GetSchemaByIdResponse
    func registerSchema(_ request: Srp_RegisterSchemaRequest) async throws -> Srp_RegisterSchemaResponse
}

extension SchemaRegistryGRPCHandlers {
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: SchemaRegistryGRPC.getSchemaById,
            deserializer: ProtobufDeserializer<Srp_GetSchemaByIdRequest>(),
            serializer: ProtobufSerializer<Srp_GetSchemaByIdResponse>()
        ) { request, _ in
            let message = try await ServerRequest(stream: request).message
            return StreamingServerResponse(single: ServerResponse(message: try await getSchemaById(message)))
        }
        router.registerHandler(
            forMethod: SchemaRegistryGRPC.registerSchema,
            deserializer: ProtobufDeserializer<Srp_RegisterSchemaRequest>(),
            serializer: ProtobufSerializer<Srp_RegisterSchemaResponse>()
        ) { request, _ in
            let message = try await ServerRequest(stream: request).message
            return StreamingServerResponse(single: ServerResponse(message: try await registerSchema(message)))
        }
    }
}

/// The client side: unary calls on a `GRPCClient`.
public struct SchemaRegistryGRPCClient<Transport: ClientTransport>: Sendable {
    public let client: GRPCClient<Transport>

    public init(wrapping client: GRPCClient<Transport>) { self.client = client }

    public func getSchemaById(_ request: Srp_GetSchemaByIdRequest) async throws -> Srp_GetSchemaByIdResponse {
        try await client.unary(
            request: ClientRequest(message: request), descriptor: SchemaRegistryGRPC.getSchemaById,
            serializer: ProtobufSerializer<Srp_GetSchemaByIdRequest>(),
            deserializer: ProtobufDeserializer<Srp_GetSchemaByIdResponse>(), options: .defaults
        ) { try $0.message }
    }

    public func registerSchema(_ request: Srp_RegisterSchemaRequest) async throws -> Srp_RegisterSchemaResponse {
        try await client.unary(
            request: ClientRequest(message: request), descriptor: SchemaRegistryGRPC.registerSchema,
            serializer: ProtobufSerializer<Srp_RegisterSchemaRequest>(),
            deserializer: ProtobufDeserializer<Srp_RegisterSchemaResponse>(), options: .defaults
        ) { try $0.message }
    }
}
