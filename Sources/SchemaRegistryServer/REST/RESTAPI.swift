import NIOCore
import SRPWire
import SchemaFormats
import SchemaRegistryCore
import SwiftProtobuf

/// The REST API's operations: each reads its parameters, calls the same handler SRP's method
/// calls (``RequestDispatcher``, with the same authorization checks and subject filtering), and
/// writes Confluent's JSON. Runs off the event loop; the cached `GET /schemas/ids/{id}` is
/// answered on the event loop before it gets here (``RESTConnectionHandler``).
struct RESTAPI: Sendable {
    let dispatcher: RequestDispatcher
    /// `docs/openapi.json`, served at `/openapi.json`.
    let openAPIDocument: ByteBuffer

    var service: RegistryService { dispatcher.service }

    func respond(to request: RESTRequest, principal: Principal?) async -> RESTResponse {
        do {
            if request.route.readsBody { try RESTBody.checkMediaType(request.headers) }
            return try await answer(request, principal)
        } catch {
            return .failure(error, route: request.route)
        }
    }

    private func answer(_ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        switch request.route {
        case .root: return .json(.object(JSONObject()))
        case .clusterID: return try await clusterID()
        case .openAPI: return RESTResponse(status: .ok, body: openAPIDocument, contentType: "application/json")
        case .contexts: return .json(RESTJSON.strings(["."]))
        case .schemaTypes:
            let types = service.formats.keys.sorted { $0.rawValue > $1.rawValue }.map(\.description)
            return .json(RESTJSON.strings(types))
        case .schemas: return try await listSchemas(request, principal)
        case .schemaByID(let id): return try await schemaByID(id, request, principal, textOnly: false)
        case .schemaTextByID(let id): return try await schemaByID(id, request, principal, textOnly: true)
        case .subjectsByID(let id): return try await usages(id, request, principal, subjectsOnly: true)
        case .versionsByID(let id): return try await usages(id, request, principal, subjectsOnly: false)
        case .schemaByGUID(let guid): return try await schemaByGUID(guid, principal)
        case .subjects: return try await listSubjects(request, principal)
        case .versions(let subject): return try await listVersions(subject, request, principal)
        case .version(let subject, let version):
            var record = try await self.version(subject, version, request, principal)
            if request.query["format"] == "serialized", record.schemaType == .protobuf {
                record.schema = try await serializedProtobuf(
                    id: record.id, text: record.schema, references: record.references)
            }
            return .json(RESTJSON.schemaVersion(record))
        case .versionText(let subject, let version):
            return rawSchema(try await self.version(subject, version, request, principal).schema)
        case .latestWithMetadata(let subject): return try await latestWithMetadata(subject, request, principal)
        case .referencedBy(let subject, let version): return try await referencedBy(subject, version, principal)
        case .register(let subject): return try await register(subject, request, principal)
        case .lookup(let subject): return try await lookup(subject, request, principal)
        case .deleteSubject(let subject): return try await deleteSubject(subject, request, principal)
        case .deleteVersion(let subject, let version):
            return try await deleteVersion(subject, version, request, principal)
        case .compatibility(let subject, let version):
            return try await checkCompatibility(subject, version: version, request, principal)
        case .compatibilityAll(let subject):
            return try await checkCompatibility(subject, version: nil, request, principal)
        case .getConfig(let subject): return try await getConfig(subject, request, principal)
        case .setConfig(let subject): return try await setConfig(subject, request, principal)
        case .deleteConfig(let subject): return try await deleteConfig(subject, principal)
        case .getMode(let subject): return try await getMode(subject, request, principal)
        case .setMode(let subject): return try await setMode(subject, request, principal)
        case .deleteMode(let subject): return try await deleteMode(subject, principal)
        case .info: return try await info(principal)
        case .search: return try await search(request, principal)
        case .validate: return try await validate(request, principal)
        }
    }

    /// Runs SRP's handler for `method` with SRP's authorization and subject filtering.
    func perform<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: SRPMethod, _ request: Request, _ principal: Principal?,
        _ handler: (Request) async throws -> Response
    ) async throws -> Response {
        try Authorization.check(method, request, principal)
        return Authorization.filter(try await handler(request), principal)
    }

    /// A schema's text as the body itself (`.../schema` routes): for Avro and JSON Schema it is
    /// a JSON document already.
    func rawSchema(_ text: String) -> RESTResponse {
        RESTResponse(status: .ok, body: ByteBuffer(string: text))
    }

    // MARK: Parameters

    /// Confluent's version id: a number in [1, 2^31-1], or `latest` (also -1); else 42202.
    static func versionNumber(_ text: String) throws -> Int32 {
        if text == "latest" { return -1 }
        guard let number = Int32(text), number == -1 || number > 0 else {
            throw RegistryError(
                .invalidVersion,
                "The specified version '\(text)' is not a valid version id. Allowed values are between [1, 2^31-1] "
                    + "and the string \"latest\".")
        }
        return number
    }

    /// A schema id in [1, 2^31-1]; anything else names no schema (40403, as an unknown id).
    static func schemaID(_ text: String) throws -> UInt32 {
        guard let id = Int32(text), id > 0 else {
            throw RegistryError(.schemaNotFound, "Schema \(text) not found.")
        }
        return UInt32(id)
    }

    /// A subject named in a path: Confluent's servers refuse an empty or control-character name
    /// (the service checks the rest).
    static func subjectOrGlobal(_ subject: String?) -> String { subject ?? "" }
}
