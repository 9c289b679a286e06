import NIOCore
import SRPWire
import SchemaFormats
import SchemaRegistryCore

/// Subjects and their versions: listings, reads, registration, lookup, deletes, compatibility.
extension RESTAPI {
    /// `GET /subjects`: `subjectPrefix` (Confluent's `:*:` is every subject), `deleted`,
    /// `deletedOnly` (also `deleted_only`), `offset`, `limit`.
    func listSubjects(_ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let prefix = request.query["subjectPrefix"].flatMap { $0 == ":*:" ? nil : $0 } ?? ""
        let deletedOnly = request.flag("deletedOnly") || request.flag("deleted_only")
        var all = try await subjects(prefix: prefix, includeDeleted: deletedOnly || request.flag("deleted"), principal)
        if deletedOnly {
            let live = Set(try await subjects(prefix: prefix, includeDeleted: false, principal))
            all = all.filter { !live.contains($0) }
        }
        return .json(RESTJSON.strings(try request.page(all)))
    }

    private func subjects(prefix: String, includeDeleted: Bool, _ principal: Principal?) async throws -> [String] {
        var listing = Srp_ListSubjectsRequest.with {
            $0.prefix = prefix
            $0.includeDeleted = includeDeleted
            $0.pageSize = UInt32(service.configuration.maxPageSize)
        }
        var subjects: [String] = []
        while true {
            let page = try await perform(.listSubjects, listing, principal, dispatcher.listSubjects)
            subjects += page.subjects
            guard !page.nextPageToken.isEmpty else { return subjects }
            listing.pageToken = page.nextPageToken
        }
    }

    /// `GET /subjects/{subject}/versions`: `deleted`, `deletedOnly`, `offset`, `limit`.
    func listVersions(_ subject: String, _ request: RESTRequest, _ principal: Principal?) async throws
        -> RESTResponse
    {
        let deletedOnly = request.flag("deletedOnly") || request.flag("deleted_only")
        var versions = try await versionNumbers(
            subject, includeDeleted: deletedOnly || request.flag("deleted"), principal)
        if deletedOnly {
            let live = Set((try? await versionNumbers(subject, includeDeleted: false, principal)) ?? [])
            versions = versions.filter { !live.contains($0) }
        }
        return .json(RESTJSON.ints(try request.page(versions)))
    }

    private func versionNumbers(_ subject: String, includeDeleted: Bool, _ principal: Principal?) async throws
        -> [Int32]
    {
        try await perform(
            .listVersions,
            Srp_ListVersionsRequest.with {
                $0.subject = subject
                $0.includeDeleted = includeDeleted
            }, principal, dispatcher.listVersions
        ).versions
    }

    /// A version by number or `latest`; `deleted` includes soft-deleted ones.
    func version(_ subject: String, _ version: String, _ request: RESTRequest, _ principal: Principal?) async throws
        -> Srp_SchemaVersion
    {
        try await record(subject, Self.versionNumber(version), includeDeleted: request.flag("deleted"), principal)
    }

    private func record(_ subject: String, _ number: Int32, includeDeleted: Bool, _ principal: Principal?)
        async throws -> Srp_SchemaVersion
    {
        try await perform(
            .getSchemaByVersion,
            Srp_GetSchemaByVersionRequest.with {
                $0.subject = subject
                $0.version = number
                $0.includeDeleted = includeDeleted
            }, principal, dispatcher.getSchemaByVersion
        ).schema
    }

    /// `GET /subjects/{subject}/metadata?key=k&value=v...`: the latest version whose metadata
    /// properties hold every pair, found by the store's metadata search (one query, not one
    /// read per version).
    func latestWithMetadata(_ subject: String, _ request: RESTRequest, _ principal: Principal?) async throws
        -> RESTResponse
    {
        let keys = request.values("key")
        let values = request.values("value")
        guard keys.count == values.count else {
            throw RegistryError(.invalidRequest, "Give one value per key (\(keys.count) keys, \(values.count) values).")
        }
        let wanted = Dictionary(zip(keys, values), uniquingKeysWith: { _, last in last })
        let includeDeleted = request.flag("deleted")
        // The subject must exist (40401 otherwise), as for any read of it.
        _ = try await versionNumbers(subject, includeDeleted: includeDeleted, principal)
        var search = Srp_SearchSchemasRequest.with {
            $0.subjectPrefix = subject
            $0.metadata = wanted
            $0.includeDeleted = includeDeleted
            $0.pageSize = UInt32(service.configuration.maxPageSize)
        }
        var latest: Srp_SchemaVersion?
        while true {
            let page = try await perform(.searchSchemas, search, principal, dispatcher.searchSchemas)
            for found in page.results where found.subject == subject && found.version > (latest?.version ?? 0) {
                latest = found
            }
            guard !page.nextPageToken.isEmpty else { break }
            search.pageToken = page.nextPageToken
        }
        guard let latest else {
            throw RegistryError(.versionNotFound, "No version of subject '\(subject)' has metadata \(wanted).")
        }
        return .json(RESTJSON.schemaVersion(latest))
    }

    /// `GET /subjects/{subject}/versions/{version}/referencedby`: ids of schemas that reference it.
    func referencedBy(_ subject: String, _ version: String, _ principal: Principal?) async throws -> RESTResponse {
        let found = try await record(subject, Self.versionNumber(version), includeDeleted: false, principal)
        let ids = try await service.store.referencingSchemaIDs(subject: subject, version: Int(found.version))
        return .json(RESTJSON.ints(ids))
    }

    /// `POST /subjects/{subject}/versions`: Confluent's answer (`id`, and as Confluent 8 adds,
    /// `version` and `guid`).
    func register(_ subject: String, _ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let body = try RESTBody.schemaRequest(request.body)
        let registered = try await perform(
            .registerSchema,
            Srp_RegisterSchemaRequest.with {
                $0.subject = subject
                $0.schemaType = body.type
                $0.schema = body.schema
                $0.references = body.references
                $0.metadata = body.metadata
                $0.normalize = request.flag("normalize")
                $0.id = body.id
                $0.version = body.version
            }, principal, dispatcher.registerSchema)
        // Not the schema text: confluent-kafka caches the answer as the schema of the id, and its
        // Protobuf deserializer needs the form it registered (a base64 descriptor), not our text.
        var answer = JSONObject([
            ("id", RESTJSON.int(Int(registered.id))), ("version", RESTJSON.int(Int(registered.version))),
        ])
        if let entry = try? await dispatcher.schemas.read(registered.id),
            let guid = RESTJSON.schemaString(Self.decoded(entry))["guid"]
        {
            answer["guid"] = guid
        }
        return .json(.object(answer))
    }

    /// `POST /subjects/{subject}`: the version under `subject` holding this schema.
    func lookup(_ subject: String, _ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let body = try RESTBody.schemaRequest(request.body)
        let found = try await perform(
            .lookupSchema,
            Srp_LookupSchemaRequest.with {
                $0.subject = subject
                $0.schemaType = body.type
                $0.schema = body.schema
                $0.references = body.references
                $0.normalize = request.flag("normalize")
                $0.includeDeleted = request.flag("deleted")
            }, principal, dispatcher.lookupSchema)
        return .json(RESTJSON.schemaVersion(found.schema))
    }

    /// `DELETE /subjects/{subject}` (`permanent`): the versions deleted.
    func deleteSubject(_ subject: String, _ request: RESTRequest, _ principal: Principal?) async throws
        -> RESTResponse
    {
        let deleted = try await perform(
            .deleteSubject,
            Srp_DeleteSubjectRequest.with {
                $0.subject = subject
                $0.permanent = request.flag("permanent")
            }, principal, dispatcher.deleteSubject)
        return .json(RESTJSON.ints(deleted.versions))
    }

    /// `DELETE /subjects/{subject}/versions/{version}` (`permanent`): the version deleted.
    func deleteVersion(_ subject: String, _ version: String, _ request: RESTRequest, _ principal: Principal?)
        async throws -> RESTResponse
    {
        let number = try Self.versionNumber(version)
        let deleted = try await perform(
            .deleteVersion,
            Srp_DeleteVersionRequest.with {
                $0.subject = subject
                $0.version = number
                $0.permanent = request.flag("permanent")
            }, principal, dispatcher.deleteVersion)
        return .json(RESTJSON.int(Int(deleted.version)))
    }

    /// `POST /compatibility/subjects/{subject}/versions[/{version}]` (`verbose`, `normalize`).
    func checkCompatibility(_ subject: String, version: String?, _ request: RESTRequest, _ principal: Principal?)
        async throws -> RESTResponse
    {
        let number = try version.map(Self.versionNumber) ?? -1
        let body = try RESTBody.schemaRequest(request.body)
        let verbose = request.flag("verbose")
        let report = try await perform(
            .checkCompatibility,
            Srp_CheckCompatibilityRequest.with {
                $0.subject = subject
                $0.schemaType = body.type
                $0.schema = body.schema
                $0.references = body.references
                $0.version = number
                $0.allVersions = version == nil
                $0.verbose = verbose
                $0.normalize = request.flag("normalize")
            }, principal, dispatcher.checkCompatibility)
        var answer = JSONObject([("is_compatible", .bool(report.isCompatible))])
        if verbose { answer["messages"] = RESTJSON.strings(report.messages) }
        return .json(.object(answer))
    }
}
