import SchemaRegistryCore

/// Reads that go straight to the store: mutable mappings (not cached yet, see
/// `RedisCachedStore`) and queries too varied to cache usefully.
extension RedisCachedStore {
    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        try await store.subjectVersions(usingSchema: id, includeDeleted: includeDeleted)
    }

    public func recentSchemaIDs(limit: Int) async throws -> [SchemaID] {
        try await store.recentSchemaIDs(limit: limit)
    }

    public func version(subject: String, version: Int) async throws -> VersionRecord? {
        try await store.version(subject: subject, version: version)
    }

    public func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        try await store.versions(subject: subject, includeDeleted: includeDeleted)
    }

    public func version(subject: String, matching schema: SchemaIdentity, includeDeleted: Bool) async throws
        -> VersionRecord?
    {
        try await store.version(subject: subject, matching: schema, includeDeleted: includeDeleted)
    }

    public func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String] {
        try await store.subjects(prefix: prefix, includeDeleted: includeDeleted, after: after, limit: limit)
    }

    public func search(_ query: SearchQuery) async throws -> [VersionRecord] {
        try await store.search(query)
    }

    public func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID] {
        try await store.referencingSchemaIDs(subject: subject, version: version)
    }

    public func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        try await store.compatibility(subject: subject)
    }

    public func mode(subject: String?) async throws -> RegistryMode? {
        try await store.mode(subject: subject)
    }

    public func counts() async throws -> StoreCounts {
        try await store.counts()
    }
}
