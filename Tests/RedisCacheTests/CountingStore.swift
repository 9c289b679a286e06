import Foundation
import SQLiteStore
import SchemaRegistryCore
import Synchronization
import TestSupport

/// The real SQLiteStore (temp file), counting how often schemas are read from it, so the
/// tests can tell a Redis hit from a trip to the store.
final class CountingStore: SchemaStore {
    private let inner: SQLiteStore
    private let directory: String
    private let lookups = Mutex(0)
    private let listings = Mutex(0)

    init() throws {
        directory = TemporaryDirectory.uniquePath("sr-redis")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        inner = try SQLiteStore(path: directory + "/registry.db")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Calls of schema(id:) plus ids asked through schemas(ids:).
    var schemaLookups: Int { lookups.withLock { $0 } }

    /// Calls of versions(subject:includeDeleted:).
    var versionListings: Int { listings.withLock { $0 } }

    var kind: String { inner.kind }

    func schema(id: SchemaID) async throws -> StoredSchema? {
        lookups.withLock { $0 += 1 }
        return try await inner.schema(id: id)
    }

    func schemas(ids: [SchemaID]) async throws -> [StoredSchema] {
        lookups.withLock { $0 += ids.count }
        return try await inner.schemas(ids: ids)
    }

    func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        try await inner.subjectVersions(usingSchema: id, includeDeleted: includeDeleted)
    }
    func recentSchemaIDs(limit: Int) async throws -> [SchemaID] { try await inner.recentSchemaIDs(limit: limit) }
    func version(subject: String, version: Int) async throws -> VersionRecord? {
        try await inner.version(subject: subject, version: version)
    }
    func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        listings.withLock { $0 += 1 }
        return try await inner.versions(subject: subject, includeDeleted: includeDeleted)
    }
    func version(subject: String, matching schema: SchemaIdentity, includeDeleted: Bool) async throws -> VersionRecord?
    {
        try await inner.version(subject: subject, matching: schema, includeDeleted: includeDeleted)
    }
    func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String] {
        try await inner.subjects(prefix: prefix, includeDeleted: includeDeleted, after: after, limit: limit)
    }
    func search(_ query: SearchQuery) async throws -> [VersionRecord] { try await inner.search(query) }
    func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome { try await inner.register(write) }
    func softDelete(subject: String, versions: [Int]) async throws -> [Int] {
        try await inner.softDelete(subject: subject, versions: versions)
    }
    func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int] {
        try await inner.permanentlyDelete(subject: subject, versions: versions)
    }
    func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID] {
        try await inner.referencingSchemaIDs(subject: subject, version: version)
    }
    func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        try await inner.compatibility(subject: subject)
    }
    func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        try await inner.setCompatibility(level, subject: subject)
    }
    func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel? {
        try await inner.deleteCompatibility(subject: subject)
    }
    func mode(subject: String?) async throws -> RegistryMode? { try await inner.mode(subject: subject) }
    func setMode(_ mode: RegistryMode, subject: String?) async throws {
        try await inner.setMode(mode, subject: subject)
    }
    func deleteMode(subject: String?) async throws -> RegistryMode? { try await inner.deleteMode(subject: subject) }
    func counts() async throws -> StoreCounts { try await inner.counts() }
    func close() async throws { try await inner.close() }
}
