import Foundation
import GRPCCore
import GRPCGlue
import GRPCNIOTransportHTTP2
import SQLiteStore
import SRPWire
import SchemaFormats
import SchemaRegistryCore
import Synchronization

// grpc-facade --port P --data-dir D: srp.proto's GetSchemaById and RegisterSchema as gRPC
// unary calls (grpc-swift-2, HTTP/2, plaintext) over the same RegistryService and SQLite file
// `schema-registry serve` uses. Answers are kept in memory by id, as our L1 keeps them, so the
// comparison is HTTP/2 + gRPC framing against SRP framing, not a cache against a database read.
// (L1 keeps encoded bytes; grpc-swift's API serializes a message per call, ~0.5 us for 1 KiB.)

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil } ?? fallback
}
let port = Int(option("--port", "8082")) ?? 8082
let directory = option("--data-dir", "./data")

let registry = RegistryService(
    store: try SQLiteStore(path: (directory as NSString).appendingPathComponent("registry.db")),
    formats: SchemaFormatCatalog.standard())

final class Facade: SchemaRegistryGRPCHandlers {
    let registry: RegistryService
    let answers = Mutex<[Int: Srp_GetSchemaByIdResponse]>([:])

    init(registry: RegistryService) { self.registry = registry }

    func getSchemaById(_ request: Srp_GetSchemaByIdRequest) async throws -> Srp_GetSchemaByIdResponse {
        let id = Int(request.id)
        if let cached = answers.withLock({ $0[id] }) { return cached }
        let stored = try await mapped { try await registry.schema(id: id) }
        let answer = Srp_GetSchemaByIdResponse.with {
            $0.schema = .with {
                $0.id = UInt32(stored.id)
                $0.schemaType = Srp_SchemaType(rawValue: stored.type.rawValue) ?? .avro
                $0.schema = stored.text
                $0.references = stored.references.map { ref in
                    .with {
                        $0.name = ref.name
                        $0.subject = ref.subject
                        $0.version = Int32(ref.version)
                    }
                }
            }
        }
        answers.withLock { $0[id] = answer }
        return answer
    }

    func registerSchema(_ request: Srp_RegisterSchemaRequest) async throws -> Srp_RegisterSchemaResponse {
        guard let type = SchemaType(rawValue: request.schemaType.rawValue) else {
            throw RPCError(code: .invalidArgument, message: "unknown schema type")
        }
        let result = try await mapped {
            try await registry.register(
                RegistrationRequest(
                    subject: request.subject, type: type, text: request.schema,
                    references: request.references.map {
                        SchemaReference(name: $0.name, subject: $0.subject, version: Int($0.version))
                    },
                    metadata: request.metadata, tags: request.tags, normalize: request.normalize))
        }
        return .with {
            $0.id = UInt32(result.id)
            $0.version = Int32(result.version)
            $0.created = result.created
        }
    }

    /// Registry errors become gRPC statuses (the registry's own code travels in the message).
    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as RegistryError {
            let code: RPCError.Code =
                error.code.rawValue / 100 == 404
                ? .notFound
                : error.code.rawValue / 100 == 409
                    ? .failedPrecondition
                    : error.code.rawValue / 100 == 422 ? .invalidArgument : .unavailable
            throw RPCError(code: code, message: "\(error.code.rawValue): \(error.message)")
        }
    }
}

let server = GRPCServer(
    transport: .http2NIOPosix(
        address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext),
    services: [Facade(registry: registry)])
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    if let address = try await server.listeningAddress {
        // Unbuffered: the "listening" line is what scripts wait for.
        FileHandle.standardOutput.write(Data("grpc-facade listening on \(address)\n".utf8))
    }
}
