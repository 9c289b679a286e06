import Foundation
import Hummingbird
import SQLiteStore
import SchemaFormats
import SchemaRegistryCore
import Synchronization

// rest-facade --port P --data-dir D: Confluent's `GET /schemas/ids/{id}` answered from the
// same RegistryService and SQLite store `schema-registry serve` uses, with the encoded JSON
// answers kept in memory as our L1 keeps encoded protobuf answers, so that the comparison is
// HTTP/1.1 + JSON against SRP + protobuf, not one cache against a database read.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil } ?? fallback
}
let port = Int(option("--port", "8081")) ?? 8081
let directory = option("--data-dir", "./data")

let service = RegistryService(
    store: try SQLiteStore(path: (directory as NSString).appendingPathComponent("registry.db")),
    formats: SchemaFormatCatalog.standard())

/// Encoded answers by id: `{"schema":"..."}` (and `schemaType` when not Avro), as Confluent answers.
final class EncodedAnswers: Sendable {
    private let answers = Mutex<[Int: ByteBuffer]>([:])

    func answer(_ id: Int, _ service: RegistryService) async throws -> ByteBuffer {
        if let cached = answers.withLock({ $0[id] }) { return cached }
        let schema = try await service.schema(id: id)
        var object: [String: String] = ["schema": schema.text]
        if schema.type != .avro { object["schemaType"] = schema.type == .json ? "JSON" : "PROTOBUF" }
        let encoded = ByteBuffer(bytes: try JSONEncoder().encode(object))
        answers.withLock { $0[id] = encoded }
        return encoded
    }
}

let answers = EncodedAnswers()
let router = Router()
router.get("schemas/ids/:id") { _, context -> Response in
    let id = try context.parameters.require("id", as: Int.self)
    do {
        let body = try await answers.answer(id, service)
        return Response(
            status: .ok, headers: [.contentType: "application/vnd.schemaregistry.v1+json"],
            body: .init(byteBuffer: body))
    } catch let error as RegistryError {
        let body = ByteBuffer(string: #"{"error_code":\#(error.code.rawValue),"message":"schema not found"}"#)
        return Response(status: .notFound, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
