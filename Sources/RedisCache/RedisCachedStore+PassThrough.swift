import SchemaRegistryCore

/// Reads that go straight to the store: queries too varied to cache usefully, and counts.
extension RedisCachedStore {
    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        try await store.subjectVersions(usingSchema: id, includeDeleted: includeDeleted)
    }

    public func recentSchemaIDs(limit: Int) async throws -> [SchemaID] {
        try await store.recentSchemaIDs(limit: limit)
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

    public func counts() async throws -> StoreCounts {
        try await store.counts()
    }
}
