import SRPWire
import SwiftProtobuf

/// Lookups answered from the client's cache when it has the answer (no round trip), else by
/// the server (and then kept). Without ``ClientConfiguration/cache`` they are plain calls.
///
/// Schemas by id never change and are kept until evicted (a schema permanently deleted on the
/// server stays readable here until then, as in Confluent's clients). Everything else —
/// versions, latest, lookups, config, mode — is kept exact by a watch the client opens on its
/// connection (docs/PROTOCOL.md 19) and is served from memory only while that watch is live:
/// see ``ClientCache`` for the bound on staleness. Errors are never cached.
public struct CachedLookups: Sendable {
    let client: SchemaRegistryClient

    /// GetSchemaById.
    public func schema(id: UInt32, options: CallOptions = .init()) async throws -> Srp_Schema {
        guard let cache = client.cache else {
            return try await client.getSchemaById(.with { $0.id = id }, options: options).schema
        }
        if let schema = cache.schema(id) { return schema }
        let schema = try await client.getSchemaById(.with { $0.id = id }, options: options).schema
        cache.storeSchema(id, schema)
        return schema
    }

    /// GetSchemaByVersion (version -1: the latest).
    public func schemaVersion(_ request: Srp_GetSchemaByVersionRequest, options: CallOptions = .init()) async throws
        -> Srp_GetSchemaByVersionResponse
    {
        try await lookup(.getSchemaByVersion, request, tag: .subject(request.subject)) {
            try await client.getSchemaByVersion(request, options: options)
        }
    }

    /// LookupSchema: the version under a subject that holds a schema.
    public func lookupSchema(_ request: Srp_LookupSchemaRequest, options: CallOptions = .init()) async throws
        -> Srp_LookupSchemaResponse
    {
        try await lookup(.lookupSchema, request, tag: .subject(request.subject)) {
            try await client.lookupSchema(request, options: options)
        }
    }

    /// GetConfig.
    public func config(_ request: Srp_GetConfigRequest, options: CallOptions = .init()) async throws
        -> Srp_GetConfigResponse
    {
        try await lookup(.getConfig, request, tag: .config(request.subject)) {
            try await client.getConfig(request, options: options)
        }
    }

    /// GetMode.
    public func mode(_ request: Srp_GetModeRequest, options: CallOptions = .init()) async throws -> Srp_GetModeResponse
    {
        try await lookup(.getMode, request, tag: .mode(request.subject)) {
            try await client.getMode(request, options: options)
        }
    }

    private func lookup<Request: Message, Response: Message & Sendable>(
        _ method: SRPMethod, _ request: Request, tag: CacheTag, fetch: () async throws -> Response
    ) async throws -> Response {
        guard let cache = client.cache else { return try await fetch() }
        client.startCacheWatch()
        let key = withUnsafeBytes(of: method.rawValue.littleEndian) { Array($0) } + (try request.serializedBytes())
        switch cache.mutable(key) {
        case .hit(let answer):
            if let answer = answer as? Response { return answer }
            return try await fetch()
        case .miss(let generation):
            let response = try await fetch()
            if let generation {
                cache.storeMutable(key, response, tag: tag, generation: generation)
            }
            return response
        }
    }
}

extension SchemaRegistryClient {
    /// Lookups through the client's cache (``ClientConfiguration/cache``).
    public var cached: CachedLookups { CachedLookups(client: self) }

    /// The cache's counters; nil without a cache.
    public var cacheStatistics: ClientCacheStatistics? { cache?.statistics }

    /// Opens the watch that keeps the cache's mutable answers exact (once).
    func startCacheWatch() {
        guard let cache else { return }
        cacheWatch.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in await self?.runCacheWatch(cache) }
        }
    }

    private func runCacheWatch(_ cache: ClientCache) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let watch = try await self.watch(Srp_WatchRequest())
                cache.watchChanged(live: true)
                failures = 0
                for try await batch in watch.events { cache.apply(batch.events) }
                cache.watchChanged(live: false)
            } catch {
                cache.watchChanged(live: false)
                if Task.isCancelled { return }
                // A server without Watch: mutable answers are simply never cached.
                if let error = error as? SchemaRegistryClientError,
                    error.code == .server(.unknownMethod) || error.code == .server(StatusCode(rawValue: 42209))
                {
                    return
                }
                failures += 1
                try? await Task.sleep(for: Self.backoff(attempt: failures, retryAfterMilliseconds: 0))
            }
        }
    }
}
