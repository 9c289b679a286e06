import NIOCore
import SRPWire
import SchemaRegistryCore
import SwiftProtobuf

/// A response ready to frame: status and plain (uncompressed) body.
struct Reply: Sendable {
    var status: StatusCode
    var body: ByteBuffer

    static func error(
        _ status: StatusCode, _ message: String, retryAfterMilliseconds: UInt32 = 0, details: [String] = []
    )
        -> Reply
    {
        let error = Srp_ErrorBody.with {
            $0.code = UInt32(status.rawValue)
            $0.message = message
            $0.retryAfterMs = retryAfterMilliseconds
            for (index, detail) in details.enumerated() { $0.details[String(index)] = detail }
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
    let cache: EncodedSchemaCache
    let info: ServerInfo
    let metrics: ServerMetrics
    /// L1 misses of one id share one backend read.
    let schemaReads = SingleFlight<UInt32, EncodedSchemaCache.Entry>()

    struct ServerInfo: Sendable {
        var serverID: String
        var version: String
        var startedAt: ContinuousClock.Instant
        /// Counters of the tiers behind L1 (Redis), read when server info is asked for.
        var lowerCacheTiers: @Sendable () -> [CacheTierStatistics] = { [] }
        var warmUp: WarmUpProgress
    }

    /// The request body could not be decoded as the method's request message.
    struct MalformedRequest: Error {
        var message: String
    }

    /// - Parameter principal: who the connection authenticated as; nil when the server
    ///   requires no authentication.
    func handle(_ method: SRPMethod, body: ByteBuffer, principal: Principal? = nil) async -> Reply {
        metrics.inFlight.increment()
        let started = ContinuousClock.now
        let reply = await answer(method, body: body, principal: principal)
        metrics.inFlight.decrement()
        metrics.recordDispatched(method, status: reply.status, duration: ContinuousClock.now - started)
        return reply
    }

    private func answer(_ method: SRPMethod, body: ByteBuffer, principal: Principal?) async -> Reply {
        do {
            return try await route(method, body, principal)
        } catch let error as RegistryError {
            guard let status = UInt16(exactly: error.code.rawValue) else {
                return .error(.internalError, error.message)
            }
            let retry: UInt32 = error.code == .unavailable ? 1000 : 0
            return .error(
                StatusCode(rawValue: status), error.message, retryAfterMilliseconds: retry, details: error.details)
        } catch let error as MalformedRequest {
            return .error(.malformedRequest, error.message)
        } catch {
            return .error(.internalError, "\(method.name) failed: \(error)")
        }
    }

    private func route(_ method: SRPMethod, _ body: ByteBuffer, _ principal: Principal?) async throws -> Reply {
        switch method {
        case .hello: throw MalformedRequest(message: "HELLO was already completed")
        case .ping: return try await call(method, body, principal, ping)
        case .serverInfo: return try await call(method, body, principal, serverInfo)
        case .getSchemaById: return try await getSchemaById(body)  // allowed to every key
        case .getSchemasByIds: return try await call(method, body, principal, getSchemasByIds)
        case .getSubjectVersionsById: return try await call(method, body, principal, getSubjectVersionsById)
        case .getSchemaByVersion: return try await call(method, body, principal, getSchemaByVersion)
        case .lookupSchema: return try await call(method, body, principal, lookupSchema)
        case .listSubjects: return try await call(method, body, principal, listSubjects)
        case .listVersions: return try await call(method, body, principal, listVersions)
        case .searchSchemas: return try await call(method, body, principal, searchSchemas)
        case .registerSchema: return try await call(method, body, principal, registerSchema)
        case .deleteSubject: return try await call(method, body, principal, deleteSubject)
        case .deleteVersion: return try await call(method, body, principal, deleteVersion)
        case .checkCompatibility: return try await call(method, body, principal, checkCompatibility)
        case .validatePayload: return try await call(method, body, principal, validatePayload)
        case .getConfig: return try await call(method, body, principal, getConfig)
        case .setConfig: return try await call(method, body, principal, setConfig)
        case .deleteConfig: return try await call(method, body, principal, deleteConfig)
        case .getMode: return try await call(method, body, principal, getMode)
        case .setMode: return try await call(method, body, principal, setMode)
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

    static func decode<Request: SwiftProtobuf.Message>(_ type: Request.Type, _ body: ByteBuffer) throws -> Request {
        do {
            return try Request(serializedBytes: Array(body.readableBytesView))
        } catch {
            throw MalformedRequest(
                message: "body of \(body.readableBytes) bytes is not a valid \(Request.protoMessageName): \(error)")
        }
    }

    /// A miss of the connection's L1 lookup: read the store (once for all concurrent misses of
    /// the id), fill L1, answer its bytes.
    private func getSchemaById(_ body: ByteBuffer) async throws -> Reply {
        let request = try Self.decode(Srp_GetSchemaByIdRequest.self, body)
        if let cached = cache.entry(for: request.id) { return Reply(status: .ok, body: cached.plain) }
        let entry = try await schemaReads.run(request.id) { [service, cache] in
            cache.insert(try await service.schema(id: SchemaID(request.id)))
        }
        return Reply(status: .ok, body: entry.plain)
    }
}
