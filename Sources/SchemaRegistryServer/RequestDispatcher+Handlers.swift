import NIOCore
import SRPWire
import SchemaRegistryCore

/// One function per rpc: protobuf in, protobuf out, domain logic in ``RegistryService``.
extension RequestDispatcher {
    func ping(_ request: Srp_PingRequest) async throws -> Srp_PingResponse {
        .with { $0.payload = request.payload }
    }

    func serverInfo(_ request: Srp_ServerInfoRequest) async throws -> Srp_ServerInfoResponse {
        let counts = try await service.counts()
        let uptime = ContinuousClock.now - info.startedAt
        return .with {
            $0.serverID = info.serverID
            $0.serverVersion = info.version
            $0.store = service.store.kind
            $0.schemaCount = UInt64(counts.schemas)
            $0.subjectCount = UInt64(counts.subjects)
            $0.uptimeMs = UInt64(
                uptime.components.seconds * 1000 + uptime.components.attoseconds / 1_000_000_000_000_000)
            $0.protocolVersions = [UInt32(SRPPreface.version)]
            $0.schemaTypes = service.formats.keys.sorted { $0.rawValue < $1.rawValue }.map(ProtoMapping.schemaType)
            $0.caches = cacheTiers().map(ProtoMapping.cacheTier)
            $0.warmupLoaded = UInt64(schemas.warmUp.loaded)
            $0.warmupDone = schemas.warmUp.isDone
        }
    }

    /// L1, then the tiers behind it.
    func cacheTiers() -> [CacheTierStatistics] {
        [schemas.tierStatistics] + info.lowerCacheTiers()
    }

    func getSchemasByIds(_ request: Srp_GetSchemasByIdsRequest) async throws -> Srp_GetSchemasByIdsResponse {
        guard request.ids.count <= 10_000 else {
            throw RegistryError(.invalidRequest, "At most 10000 ids per batch (got \(request.ids.count)).")
        }
        let (found, missing) = try await service.schemas(ids: request.ids.map { SchemaID($0) })
        schemas.fill(found)
        return .with {
            $0.schemas = found.map(ProtoMapping.schema)
            $0.missingIds = missing.map { UInt32($0) }
        }
    }

    func getSubjectVersionsById(_ request: Srp_GetSubjectVersionsByIdRequest) async throws
        -> Srp_GetSubjectVersionsByIdResponse
    {
        let found = try await service.subjectVersions(
            usingSchema: SchemaID(request.id), includeDeleted: request.includeDeleted)
        return .with {
            $0.subjectVersions = found.map { pair in
                .with {
                    $0.subject = pair.subject
                    $0.version = Int32(pair.version)
                }
            }
        }
    }

    func getSchemaByVersion(_ request: Srp_GetSchemaByVersionRequest) async throws -> Srp_GetSchemaByVersionResponse {
        let record = try await service.version(
            subject: request.subject, version: Int(request.version), includeDeleted: request.includeDeleted)
        return .with { $0.schema = ProtoMapping.version(record) }
    }

    func lookupSchema(_ request: Srp_LookupSchemaRequest) async throws -> Srp_LookupSchemaResponse {
        let record = try await service.lookup(
            subject: request.subject, type: try ProtoMapping.schemaType(request.schemaType), text: request.schema,
            references: request.references.map(ProtoMapping.reference), normalize: request.normalize,
            includeDeleted: request.includeDeleted)
        return .with { $0.schema = ProtoMapping.version(record) }
    }

    func listSubjects(_ request: Srp_ListSubjectsRequest) async throws -> Srp_ListSubjectsResponse {
        let page = try await service.subjects(
            prefix: request.prefix, includeDeleted: request.includeDeleted, pageSize: Int(request.pageSize),
            pageToken: request.pageToken)
        return .with {
            $0.subjects = page.subjects
            $0.nextPageToken = page.nextPageToken
        }
    }

    func listVersions(_ request: Srp_ListVersionsRequest) async throws -> Srp_ListVersionsResponse {
        let versions = try await service.versions(subject: request.subject, includeDeleted: request.includeDeleted)
        return .with { $0.versions = versions.map { Int32($0) } }
    }

    func searchSchemas(_ request: Srp_SearchSchemasRequest) async throws -> Srp_SearchSchemasResponse {
        var query = SearchQuery(
            subjectPrefix: request.subjectPrefix, metadata: request.metadata, tags: request.tags, text: request.text,
            words: request.query, includeDeleted: request.includeDeleted, latestOnly: request.latestOnly)
        if !request.pageToken.isEmpty {
            if query.isRanked {
                guard let offset = Self.decodeRankedPageToken(request.pageToken) else {
                    throw RegistryError(.invalidRequest, "Invalid page token.")
                }
                query.offset = offset
            } else {
                guard let position = RegistryService.decodePageToken(request.pageToken) else {
                    throw RegistryError(.invalidRequest, "Invalid page token.")
                }
                query.after = position
            }
        }
        let page = try await service.search(query, pageSize: Int(request.pageSize))
        return .with {
            $0.results = page.results.map(ProtoMapping.version)
            // Ranked results are ordered by score, not by (subject, version), so their next page
            // is where this one ended: its offset.
            $0.nextPageToken =
                page.next.isEmpty || !query.isRanked
                ? page.next : Self.encodeRankedPageToken(query.offset + page.results.count)
        }
    }

    /// Page tokens of ranked search: "\u{1}offset" (a subject never starts with a control
    /// character, so the two token kinds cannot be confused).
    static func encodeRankedPageToken(_ offset: Int) -> String { "\u{1}\(offset)" }

    static func decodeRankedPageToken(_ token: String) -> Int? {
        guard token.first == "\u{1}", let offset = Int(token.dropFirst()), offset >= 0 else { return nil }
        return offset
    }

    func registerSchema(_ request: Srp_RegisterSchemaRequest) async throws -> Srp_RegisterSchemaResponse {
        let result = try await service.register(
            RegistrationRequest(
                subject: request.subject, type: try ProtoMapping.schemaType(request.schemaType), text: request.schema,
                references: request.references.map(ProtoMapping.reference), metadata: request.metadata,
                tags: request.tags, normalize: request.normalize, id: request.id == 0 ? nil : SchemaID(request.id),
                version: request.version == 0 ? nil : Int(request.version)))
        // The operator sees what the client was told: a schema that strict settings would refuse.
        for warning in result.warnings {
            logger.warning(
                "schema registered with a warning",
                metadata: [
                    "subject": "\(EchoedText.quote(request.subject))", "id": "\(result.id)", "warning": "\(warning)",
                ])
        }
        return .with {
            $0.id = UInt32(result.id)
            $0.version = Int32(result.version)
            $0.created = result.created
            $0.warnings = result.warnings
        }
    }

    func deleteSubject(_ request: Srp_DeleteSubjectRequest) async throws -> Srp_DeleteSubjectResponse {
        let before = request.permanent ? try await schemaIDs(subject: request.subject) : []
        let versions = try await service.deleteSubject(request.subject, permanent: request.permanent)
        try await evictRemoved(before)
        return .with { $0.versions = versions.map { Int32($0) } }
    }

    func deleteVersion(_ request: Srp_DeleteVersionRequest) async throws -> Srp_DeleteVersionResponse {
        let before = request.permanent ? try await schemaIDs(subject: request.subject) : []
        let version = try await service.deleteVersion(
            subject: request.subject, version: Int(request.version), permanent: request.permanent)
        try await evictRemoved(before)
        return .with { $0.version = Int32(version) }
    }

    /// Ids a permanent delete might remove; those gone afterwards leave L1 too.
    private func schemaIDs(subject: String) async throws -> [SchemaID] {
        (try? await service.store.versions(subject: subject, includeDeleted: true).map(\.schema.id)) ?? []
    }

    private func evictRemoved(_ candidates: [SchemaID]) async throws {
        try await schemas.evictRemoved(candidates)
    }

    func checkCompatibility(_ request: Srp_CheckCompatibilityRequest) async throws -> Srp_CheckCompatibilityResponse {
        let report = try await service.checkCompatibility(
            subject: request.subject, type: try ProtoMapping.schemaType(request.schemaType), text: request.schema,
            references: request.references.map(ProtoMapping.reference), version: Int(request.version),
            allVersions: request.allVersions, normalize: request.normalize)
        return .with {
            $0.isCompatible = report.isCompatible
            $0.messages = request.verbose ? report.messages : []
            $0.level = ProtoMapping.level(report.level)
        }
    }

    func validatePayload(_ request: Srp_ValidatePayloadRequest) async throws -> Srp_ValidatePayloadResponse {
        let schema: StoredSchema
        switch request.target {
        case .id(let id):
            schema = try await service.schema(id: SchemaID(id))
        case .subjectVersion(let pair):
            schema = try await service.version(subject: pair.subject, version: Int(pair.version)).schema
        case nil:
            // A payload in Confluent's frame names its schema itself.
            guard KafkaWireFormat.isFramed(Array(request.payload)) else {
                throw RegistryError(
                    .invalidRequest,
                    "Name the schema to validate against: an id, a subject and version, or a payload in Confluent's "
                        + "frame (magic byte 0 and the schema id).")
            }
            schema = try await service.schema(id: KafkaWireFormat.unframe(Array(request.payload)).schemaID)
        }
        let errors = try await service.validate(payload: Array(request.payload), schema: schema)
        return .with {
            $0.valid = errors.isEmpty
            $0.errors = errors.map { error in
                .with {
                    $0.instanceLocation = error.instanceLocation
                    $0.schemaLocation = error.schemaLocation
                    $0.message = error.message
                }
            }
        }
    }

    func getConfig(_ request: Srp_GetConfigRequest) async throws -> Srp_GetConfigResponse {
        let level = try await service.compatibility(
            subject: ProtoMapping.subjectOrGlobal(request.subject), defaultToGlobal: request.defaultToGlobal)
        return .with { $0.compatibility = ProtoMapping.level(level) }
    }

    func setConfig(_ request: Srp_SetConfigRequest) async throws -> Srp_SetConfigResponse {
        let level = try ProtoMapping.level(request.compatibility)
        try await service.setCompatibility(level, subject: ProtoMapping.subjectOrGlobal(request.subject))
        return .with { $0.compatibility = ProtoMapping.level(level) }
    }

    func deleteConfig(_ request: Srp_DeleteConfigRequest) async throws -> Srp_DeleteConfigResponse {
        let removed = try await service.deleteCompatibility(subject: ProtoMapping.subjectOrGlobal(request.subject))
        return .with { $0.compatibility = ProtoMapping.level(removed) }
    }

    func getMode(_ request: Srp_GetModeRequest) async throws -> Srp_GetModeResponse {
        let mode = try await service.mode(
            subject: ProtoMapping.subjectOrGlobal(request.subject), defaultToGlobal: request.defaultToGlobal)
        return .with { $0.mode = ProtoMapping.mode(mode) }
    }

    func setMode(_ request: Srp_SetModeRequest) async throws -> Srp_SetModeResponse {
        let mode = try ProtoMapping.mode(request.mode)
        try await service.setMode(mode, subject: ProtoMapping.subjectOrGlobal(request.subject), force: request.force)
        return .with { $0.mode = ProtoMapping.mode(mode) }
    }
}
