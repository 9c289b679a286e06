import Logging
import NIOCore
import SRPWire
import SchemaRegistryCore
import SwiftProtobuf

/// A response ready to frame: status and plain (uncompressed) body.
struct Reply: Sendable {
    var status: StatusCode
    /// The body; empty for an answer from L1, whose bytes are `encoded`'s.
    var body: ByteBuffer
    /// For an answer from L1: the entry, framed as it is (its LZ4 form was built once when it
    /// entered L1, so nothing is copied or compressed again per answer).
    var encoded: EncodedSchemaCache.Entry? = nil

    /// An answer from L1.
    static func cached(_ entry: EncodedSchemaCache.Entry) -> Reply {
        Reply(status: .ok, body: ByteBuffer(), encoded: entry)
    }

    /// The plain body's length, wherever its bytes are.
    var bodyLength: Int { encoded?.plain.count ?? body.readableBytes }

    static func error(
        _ status: StatusCode, _ message: String, retryAfterMilliseconds: UInt32 = 0, details: [String] = []
    )
        -> Reply
    {
        let error = Srp_ErrorBody.with {
            $0.code = UInt32(status.rawValue)
            // Messages quote caller input: bounded and with control characters escaped.
            $0.message = EchoedText.message(message)
            $0.retryAfterMs = retryAfterMilliseconds
            for (index, detail) in details.prefix(100).enumerated() {
                $0.details[String(index)] = EchoedText.message(detail, limit: 1024)
            }
            if details.count > 100 { $0.details["100"] = "(\(details.count - 100) more reasons not listed)" }
        }
        return Reply(status: status, body: ByteBuffer(bytes: (try? error.serializedBytes() as [UInt8]) ?? []))
    }
}

/// Method id -> handler: decodes the request, calls the ``RegistryService``, encodes the answer.
///
/// Everything here runs off the event loop (in a task); the cached GetSchemaById path never
/// comes here (see ``SRPConnectionHandler``).
struct RequestDispatcher: Sendable {
    let service: RegistryService
    /// L1, for GetSchemaById misses, batch fills and evictions after permanent deletes.
    let schemas: SchemaTier
    let info: ServerInfo
    let metrics: ServerMetrics
    /// For what clients are told and operators should see too (registration warnings).
    let logger: Logger
    /// The API keys the server checks, managed by the admin rpcs; nil when the store keeps none.
    var keys: APIKeyRing? = nil

    struct ServerInfo: Sendable {
        var serverID: String
        var version: String
        var startedAt: ContinuousClock.Instant
        /// Counters of the tiers behind L1 (Redis), read when server info is asked for.
        var lowerCacheTiers: @Sendable () -> [CacheTierStatistics] = { [] }
    }

    /// The request body could not be decoded as the method's request message.
    struct MalformedRequest: Error {
        var message: String
    }

    /// A GetSchemaById whose L1 lookup missed on the connection (an unrestricted key): the id
    /// was parsed there, and the miss counted; reads the store once for all concurrent misses.
    func schemaByIDMissed(_ id: UInt32) async -> Reply {
        let started = ContinuousClock.now
        let reply: Reply
        do {
            let entry = try await schemas.read(missed: id)
            reply = .cached(entry)
        } catch {
            reply = Self.reply(for: error, method: .getSchemaById)
        }
        metrics.recordDispatched(.getSchemaById, status: reply.status, duration: ContinuousClock.now - started)
        return reply
    }

    /// - Parameter principal: who the connection authenticated as; nil when the server
    ///   requires no authentication.
    func handle(_ method: SRPMethod, body: ByteBuffer, principal: Principal? = nil) async -> Reply {
        let started = ContinuousClock.now
        let reply = await answer(method, body: body, principal: principal)
        metrics.recordDispatched(method, status: reply.status, duration: ContinuousClock.now - started)
        return reply
    }

    private func answer(_ method: SRPMethod, body: ByteBuffer, principal: Principal?) async -> Reply {
        do {
            return try await route(method, body, principal)
        } catch {
            return Self.reply(for: error, method: method)
        }
    }

    /// The error answer for what a request threw: registry errors keep their Confluent code.
    static func reply(for error: any Error, method: SRPMethod) -> Reply {
        switch error {
        case let error as RegistryError:
            guard let status = UInt16(exactly: error.code.rawValue) else {
                return .error(.internalError, error.message)
            }
            let retry: UInt32 = error.code == .unavailable ? 1000 : 0
            return .error(
                StatusCode(rawValue: status), error.message, retryAfterMilliseconds: retry, details: error.details)
        case let error as MalformedRequest:
            return .error(.malformedRequest, error.message)
        default:
            return .error(.internalError, "\(method.name) failed: \(error)")
        }
    }

    private func route(_ method: SRPMethod, _ body: ByteBuffer, _ principal: Principal?) async throws -> Reply {
        switch method {
        case .hello: throw MalformedRequest(message: "HELLO was already completed")
        case .ping: return try await call(method, body, principal, ping)
        case .serverInfo: return try await call(method, body, principal, serverInfo)
        case .getSchemaById: return try await getSchemaById(body, principal)
        case .getSchemasByIds:
            return try await call(method, body, principal) { (request: Srp_GetSchemasByIdsRequest) in
                try await self.readable(self.getSchemasByIds(request), principal)
            }
        case .getSubjectVersionsById:
            return try await call(method, body, principal) { (request: Srp_GetSubjectVersionsByIdRequest) in
                try await self.requireReadable(request.id, principal)
                return try await self.getSubjectVersionsById(request)
            }
        case .getSchemaByVersion: return try await call(method, body, principal, getSchemaByVersion)
        case .lookupSchema: return try await call(method, body, principal, lookupSchema)
        case .listSubjects: return try await call(method, body, principal, listSubjects)
        case .listVersions: return try await call(method, body, principal, listVersions)
        case .searchSchemas: return try await call(method, body, principal, searchSchemas)
        case .registerSchema: return try await call(method, body, principal, registerSchema)
        case .deleteSubject: return try await call(method, body, principal, deleteSubject)
        case .deleteVersion: return try await call(method, body, principal, deleteVersion)
        case .checkCompatibility: return try await call(method, body, principal, checkCompatibility)
        case .validatePayload:
            return try await call(method, body, principal) { (request: Srp_ValidatePayloadRequest) in
                try await self.validateReadable(request, principal)
            }
        case .getConfig: return try await call(method, body, principal, getConfig)
        case .setConfig: return try await call(method, body, principal, setConfig)
        case .deleteConfig: return try await call(method, body, principal, deleteConfig)
        case .getMode: return try await call(method, body, principal, getMode)
        case .setMode: return try await call(method, body, principal, setMode)
        case .createApiKey: return try await call(method, body, principal, createAPIKey)
        case .listApiKeys: return try await call(method, body, principal, listAPIKeys)
        case .revokeApiKey: return try await call(method, body, principal, revokeAPIKey)
        case .watch, .unwatch:
            // Answered by the connection, on its event loop (SRPConnectionHandler+Watch.swift).
            throw RegistryError(.invalidRequest, "\(method.name) is answered by the SRP connection itself.")
        }
    }

    /// Decodes `Request`, checks the principal may make it, runs `handler`, encodes its answer
    /// (without the subjects a key limited to prefixes may not see).
    private func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: SRPMethod, _ body: ByteBuffer, _ principal: Principal?,
        _ handler: (Request) async throws -> Response
    ) async throws -> Reply {
        let request = try Self.decode(Request.self, body)
        try Authorization.check(method, request, principal)
        let response = Authorization.filter(try await handler(request), principal)
        return Reply(status: .ok, body: ByteBuffer(bytes: try response.serializedBytes() as [UInt8]))
    }

    // MARK: Reads by id for keys limited to subject prefixes

    /// Confluent's rule: a key limited to subject prefixes reads a schema by id only when the
    /// schema is registered (soft-deleted versions included) under a subject it may read.
    /// Unrestricted keys (and servers without authentication) pay nothing.
    private func mayRead(_ id: UInt32, _ principal: Principal?) async throws -> Bool {
        guard let principal, !principal.isUnrestricted else { return true }
        let usages = try await service.subjectVersions(usingSchema: SchemaID(id), includeDeleted: true)
        // No usage at all: the id does not exist, and the read answers "not found" as for anyone.
        return usages.isEmpty || usages.contains { principal.mayAccess(subject: $0.subject) }
    }

    func requireReadable(_ id: UInt32, _ principal: Principal?) async throws {
        guard let principal, try await !mayRead(id, principal) else { return }
        throw RegistryError(
            .forbidden,
            "API key \(principal.keyID) may not read schema \(id): it is registered under no subject its prefixes "
                + "(\(principal.subjectPrefixes)) allow.")
    }

    /// ValidatePayload by id (or by a framed payload's id): a key limited to subject prefixes may
    /// validate only against schemas it may read.
    func validateReadable(_ request: Srp_ValidatePayloadRequest, _ principal: Principal?) async throws
        -> Srp_ValidatePayloadResponse
    {
        if case .id(let id) = request.target {
            try await requireReadable(id, principal)
        } else if request.target == nil, KafkaWireFormat.isFramed(Array(request.payload)) {
            try await requireReadable(UInt32(KafkaWireFormat.unframe(Array(request.payload)).schemaID), principal)
        }
        return try await validatePayload(request)
    }

    /// A batch without the schemas the key may not read: they are listed as missing.
    private func readable(_ response: Srp_GetSchemasByIdsResponse, _ principal: Principal?) async throws
        -> Srp_GetSchemasByIdsResponse
    {
        guard let principal, !principal.isUnrestricted else { return response }
        var filtered = response
        filtered.schemas = []
        for schema in response.schemas {
            if try await mayRead(schema.id, principal) {
                filtered.schemas.append(schema)
            } else {
                filtered.missingIds.append(schema.id)
            }
        }
        return filtered
    }

    static func decode<Request: SwiftProtobuf.Message>(_ type: Request.Type, _ body: ByteBuffer) throws -> Request {
        do {
            return try Request(serializedBytes: Array(body.readableBytesView))
        } catch {
            throw MalformedRequest(
                message: "body of \(body.readableBytes) bytes is not a valid \(Request.protoMessageName): \(error)")
        }
    }

    /// A miss of the connection's L1 lookup (or any read by a key limited to subject prefixes,
    /// which never takes the fast path): read the store (once for all concurrent misses of the
    /// id), fill L1, answer its bytes.
    private func getSchemaById(_ body: ByteBuffer, _ principal: Principal?) async throws -> Reply {
        let request = try Self.decode(Srp_GetSchemaByIdRequest.self, body)
        try await requireReadable(request.id, principal)
        // An unrestricted key comes here only after the connection's L1 lookup missed (and was
        // counted): read without looking up again. A restricted key never looked up.
        let entry =
            principal?.isUnrestricted ?? true
            ? try await schemas.read(missed: request.id) : try await schemas.read(request.id)
        return .cached(entry)
    }
}
