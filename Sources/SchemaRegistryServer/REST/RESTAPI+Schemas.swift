import NIOCore
import SRPWire
import SchemaFormats
import SchemaRegistryCore

import struct Foundation.Data

/// Reads by schema id and GUID, listings of schemas, and the server's own descriptions.
extension RESTAPI {
    /// `GET /schemas/ids/{id}` and `.../schema`. `format` changes nothing for Avro and JSON
    /// Schema (Confluent's `resolved` and `serialized` concern references and Protobuf);
    /// `subject` names a context in Confluent and changes nothing in the default one.
    func schemaByID(_ text: String, _ request: RESTRequest, _ principal: Principal?, textOnly: Bool) async throws
        -> RESTResponse
    {
        let id = try Self.schemaID(text)
        let entry = try await readableSchema(id, request, principal)
        let schemas = dispatcher.schemas
        if textOnly { return rawSchema(Self.decoded(entry).schema) }
        if request.query["format"] == "serialized", Self.decoded(entry).schemaType == .protobuf {
            return .json(try await serialized(Self.decoded(entry)))
        }
        guard request.flag("fetchMaxId") else {
            return RESTResponse(status: .ok, body: schemas.json(of: entry, id: id))
        }
        guard case .object(var object) = RESTJSON.schemaString(Self.decoded(entry)) else { return .json(.null) }
        let newest = try await service.store.recentSchemaIDs(limit: 1).first ?? SchemaID(id)
        object["maxId"] = RESTJSON.int(max(newest, SchemaID(id)))
        return .json(.object(object))
    }

    /// `GET /schemas/guids/{guid}`: the GUID carries the id and a hash of the schema, checked.
    func schemaByGUID(_ guid: String, _ principal: Principal?) async throws -> RESTResponse {
        let notFound = RegistryError(.schemaNotFound, "Schema with GUID \(guid) not found.")
        guard let id = SchemaGUID.id(in: guid) else { throw notFound }
        let entry: EncodedSchemaCache.Entry
        do {
            try await dispatcher.requireReadable(id, principal)
            entry = try await dispatcher.schemas.read(id)
        } catch let error as RegistryError where error.code == .schemaNotFound {
            throw notFound
        }
        let schema = Self.decoded(entry)
        guard RESTJSON.schemaString(schema)["guid"]?.stringValue == guid.lowercased() else { throw notFound }
        return RESTResponse(status: .ok, body: dispatcher.schemas.json(of: entry, id: id))
    }

    /// L1's entry for `id`, after the checks a key limited to subject prefixes needs.
    private func readableSchema(_ id: UInt32, _ request: RESTRequest, _ principal: Principal?) async throws
        -> EncodedSchemaCache.Entry
    {
        try await dispatcher.requireReadable(id, principal)
        // The event loop looked L1 up (and counted the miss) before sending the request here.
        return request.l1Missed ? try await dispatcher.schemas.read(missed: id) : try await dispatcher.schemas.read(id)
    }

    /// Confluent's `format=serialized` for a Protobuf schema: `schema` is the base64 of its
    /// `FileDescriptorProto` (what Confluent's serializers embed), the rest as usual.
    private func serialized(_ schema: Srp_Schema) async throws -> JSONValue {
        guard case .object(var object) = RESTJSON.schemaString(schema) else { return .null }
        object["schema"] = .string(
            try await serializedProtobuf(id: schema.id, text: schema.schema, references: schema.references))
        return .object(object)
    }

    /// The base64 `FileDescriptorProto` of a stored Protobuf schema (`format=serialized`, on reads
    /// by id and by subject version alike).
    func serializedProtobuf(id: UInt32, text: String, references: [Srp_SchemaReference]) async throws -> String {
        let stored = StoredSchema(
            id: SchemaID(id), type: .protobuf, text: text, references: references.map(ProtoMapping.reference))
        guard let compiled = try await service.parsed(stored).model as? CompiledProtoFile else {
            throw RegistryError(.invalidSchema, "Schema \(id) has no descriptor.")
        }
        return Data(try compiled.file.serializedBytes() as [UInt8]).base64EncodedString()
    }

    static func decoded(_ entry: EncodedSchemaCache.Entry) -> Srp_Schema {
        ((try? Srp_GetSchemaByIdResponse(serializedBytes: entry.plain)) ?? .init()).schema
    }

    /// `GET /schemas/ids/{id}/subjects` and `/versions`; `subject` keeps only that subject.
    func usages(_ text: String, _ request: RESTRequest, _ principal: Principal?, subjectsOnly: Bool) async throws
        -> RESTResponse
    {
        let id = try Self.schemaID(text)
        try await dispatcher.requireReadable(id, principal)
        let found = try await perform(
            .getSubjectVersionsById,
            Srp_GetSubjectVersionsByIdRequest.with {
                $0.id = id
                $0.includeDeleted = request.flag("deleted")
            }, principal, dispatcher.getSubjectVersionsById)
        var pairs = found.subjectVersions
        if let subject = request.query["subject"], !subject.isEmpty { pairs = pairs.filter { $0.subject == subject } }
        guard subjectsOnly else { return .json(.array(pairs.map(RESTJSON.subjectVersion))) }
        var seen = Set<String>()
        return .json(RESTJSON.strings(pairs.map(\.subject).filter { seen.insert($0).inserted }))
    }

    /// `GET /schemas`: versions of every subject (or those under `subjectPrefix`), paged by
    /// `offset` and `limit` as Confluent pages them.
    func listSchemas(_ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        var search = Srp_SearchSchemasRequest.with {
            $0.subjectPrefix = request.query["subjectPrefix"] ?? ""
            $0.includeDeleted = request.flag("deleted")
            $0.latestOnly = request.flag("latestOnly")
            $0.pageSize = UInt32(service.configuration.maxPageSize)
        }
        let offset = max(0, try request.integer("offset", default: 0))
        let limit = try request.integer("limit", default: -1)
        var results: [Srp_SchemaVersion] = []
        // Subtracted, not added: offset and limit are the caller's and may be near Int.max.
        while limit <= 0 || results.count - offset < limit {
            let page = try await perform(.searchSchemas, search, principal, dispatcher.searchSchemas)
            results += page.results
            guard !page.nextPageToken.isEmpty else { break }
            search.pageToken = page.nextPageToken
        }
        return .json(.array(try request.page(results).map(RESTJSON.schemaVersion)))
    }

    /// `GET /v1/metadata/id`: Confluent's cluster metadata, with this server's id.
    func clusterID() async throws -> RESTResponse {
        let id = dispatcher.info.serverID
        return .json(
            RESTJSON.object([
                (
                    "scope",
                    RESTJSON.object([
                        ("path", .array([])),
                        ("clusters", RESTJSON.object([("schema-registry-cluster", .string(id))])),
                    ])
                ),
                ("id", .string(id)),
            ]))
    }

    /// `GET /x-registry/v1/info`: what `ServerInfo` answers over SRP.
    func info(_ principal: Principal?) async throws -> RESTResponse {
        let info = try await perform(.serverInfo, Srp_ServerInfoRequest(), principal, dispatcher.serverInfo)
        let types = info.schemaTypes.compactMap { SchemaType(rawValue: $0.rawValue)?.description }
        let caches = info.caches.map { tier in
            RESTJSON.object([
                ("tier", .string(tier.tier)), ("hits", RESTJSON.int(Int(tier.hits))),
                ("misses", RESTJSON.int(Int(tier.misses))), ("entries", RESTJSON.int(Int(tier.entries))),
                ("bytes", RESTJSON.int(Int(tier.bytes))), ("available", .bool(tier.available)),
            ])
        }
        return .json(
            RESTJSON.object([
                ("serverId", .string(info.serverID)), ("version", .string(info.serverVersion)),
                ("store", .string(info.store)), ("uptimeSeconds", .number(JSONNumber(Double(info.uptimeMs) / 1000))),
                ("schemas", RESTJSON.int(Int(info.schemaCount))), ("subjects", RESTJSON.int(Int(info.subjectCount))),
                ("schemaTypes", RESTJSON.strings(types)), ("caches", .array(caches)),
                ("warmupDone", .bool(info.warmupDone)),
            ]))
    }
}
