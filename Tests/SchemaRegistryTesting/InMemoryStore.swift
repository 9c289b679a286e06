import SchemaRegistryCore
import Synchronization

/// A `SchemaStore` (and `APIKeyStore`) in memory, for tests: no files, no threads, no locks a
/// test must wait for. It passes the same conformance suite as SQLite, PostgreSQL and the Redis
/// cache (Tests/StoreConformanceTests), so a test may use it wherever the store's medium is not
/// what it tests; wrap it in a ``GatedStore`` to make chosen calls wait.
///
/// Every call runs under one lock, so calls are serialised (registrations under one subject get
/// contiguous versions, an identical schema one id). Ordering follows SQLite's: subjects compare
/// by their UTF-8 bytes. Instances made with the same ``Database`` share their data, like two
/// registry processes on one database (or a store reopened after close).
public final class InMemoryStore: SchemaStore, APIKeyStore, Sendable {
    /// The data: what outlives an instance (``InMemoryStore/init(database:)`` with the same one
    /// is a reopened store, or a second instance).
    public final class Database: Sendable {
        fileprivate let state = Mutex(State())
        let changeLogID = randomLogID()
        let changeObservers = InMemoryChangeObservers()

        public init() {}
    }

    public let database: Database
    private let closed = Atomic<Bool>(false)

    public init(database: Database = Database()) {
        self.database = database
    }

    public var kind: String { "memory" }

    public func close() async throws {
        closed.store(true, ordering: .sequentiallyConsistent)
    }

    /// Runs `body` on the data under the lock, or throws once this instance is closed.
    private func locked<T>(_ body: (inout State) throws -> T) throws -> T {
        guard !closed.load(ordering: .sequentiallyConsistent) else {
            throw RegistryError(.storeError, "memory: the store is closed")
        }
        var logged = false
        defer { if logged { database.changeObservers.wakeAll() } }
        return try database.state.withLock { state in
            let before = state.log.lastPosition
            defer { logged = state.log.lastPosition != before }
            return try body(&state)
        }
    }

    /// Runs `body` on the change log, under the same lock as every write.
    func withLog<T>(_ body: (inout InMemoryChangeLog) throws -> T) throws -> T { try locked { try body(&$0.log) } }

    // MARK: Schemas by id

    public func schema(id: SchemaID) async throws -> StoredSchema? {
        try locked { $0.schemas[id] }
    }

    public func schemas(ids: [SchemaID]) async throws -> [StoredSchema] {
        try locked { state in
            var seen = Set<SchemaID>()
            return ids.filter { seen.insert($0).inserted }.compactMap { state.schemas[$0] }
        }
    }

    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        try locked { state in
            state.orderedRows { $0.schemaID == id && (includeDeleted || !$0.deleted) }
                .map { SubjectVersion(subject: $0.subject, version: $0.version) }
        }
    }

    public func recentSchemaIDs(limit: Int) async throws -> [SchemaID] {
        guard limit > 0 else { return [] }
        return try locked { Array($0.schemas.keys.sorted(by: >).prefix(limit)) }
    }

    public func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID] {
        try locked { state in
            state.schemas.values.filter { schema in
                schema.references.contains { $0.subject == subject && $0.version == version }
            }.map(\.id).sorted()
        }
    }

    // MARK: Subjects and versions

    public func version(subject: String, version: Int) async throws -> VersionRecord? {
        try locked { state in state.subjects[subject]?[version].map { state.record($0) } }
    }

    public func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        try locked { state in
            state.rows(of: subject).filter { includeDeleted || !$0.deleted }.map { state.record($0) }
        }
    }

    public func version(
        subject: String, matching schema: SchemaIdentity, includeDeleted: Bool
    ) async throws -> VersionRecord? {
        try locked { state in
            state.matching(schema, subject: subject, includeDeleted: includeDeleted).map { state.record($0) }
        }
    }

    public func registrationView(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationView {
        try locked { state in
            let rows = state.rows(of: subject)
            return RegistrationView(
                match: state.matching(schema, subject: subject, includeDeleted: false).map { state.record($0) },
                newestVersion: rows.last?.version ?? 0,
                newestLive: rows.last { !$0.deleted }.map { state.record($0) })
        }
    }

    public func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        return try locked { state in
            let listed = state.subjects.filter { subject, versions in
                subject.utf8.starts(with: prefix.utf8) && (after.map { bytesPrecede($0, subject) } ?? true)
                    && versions.values.contains { includeDeleted || !$0.deleted }
            }.keys
            return Array(listed.sorted(by: bytesPrecede).prefix(limit))
        }
    }

    public func search(_ query: SearchQuery) async throws -> [VersionRecord] {
        guard query.limit > 0 else { return [] }
        return try locked { state in
            var results: [VersionRecord] = []
            let candidates = state.orderedRows { row in
                row.subject.utf8.starts(with: query.subjectPrefix.utf8) && (query.includeDeleted || !row.deleted)
            }
            // Latest: the subject's highest version among those the query may show.
            var latest: [String: Int] = [:]
            for row in candidates { latest[row.subject] = max(latest[row.subject] ?? 0, row.version) }
            for row in candidates {
                if let after = query.after {
                    let isAfter =
                        bytesPrecede(after.subject, row.subject)
                        || (after.subject == row.subject && row.version > after.version)
                    guard isAfter else { continue }
                }
                if query.latestOnly && latest[row.subject] != row.version { continue }
                let record = state.record(row)
                guard query.text.isEmpty || containsBytes(record.schema.text, query.text),
                    query.metadata.allSatisfy({ record.metadata[$0.key] == $0.value }),
                    query.tags.allSatisfy({ record.tags.contains($0) })
                else { continue }
                results.append(record)
                if results.count == query.limit { break }
            }
            return results
        }
    }

    // MARK: Writes

    /// The steps documented on `RegistrationWrite`, as `SQLiteStore` takes them (so a refused
    /// import writes nothing, and errors come in the same order).
    public func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome {
        try locked { state in
            // 1. The same schema, live under this subject: nothing to write.
            if let existing = state.matching(write.schema, subject: write.subject, includeDeleted: false) {
                return .existing(id: existing.schemaID, version: existing.version)
            }
            // 2. Soft-deleted versions count towards the highest; permanently deleted ones are gone.
            let highest = state.rows(of: write.subject).last?.version ?? 0
            if let expected = write.expectedLatestVersion, expected != highest {
                return .conflict(actualLatestVersion: highest)
            }
            let version = write.importVersion ?? highest + 1
            if let imported = write.importVersion {
                guard imported > 0 else {
                    throw RegistryError(.invalidVersion, "Imported version \(imported) is not positive.")
                }
                if state.subjects[write.subject]?[imported] != nil {
                    throw RegistryError(
                        .invalidVersion,
                        "Version \(imported) already exists under subject '\(write.subject)'; it cannot be imported.")
                }
            }
            // 3. The schema's id: found by identity, or assigned (never one used before).
            let id = try state.schemaID(for: write)
            // 4. The new version.
            state.subjects[write.subject, default: [:]][version] = Row(
                subject: write.subject, version: version, schemaID: id, metadata: write.metadata, tags: write.tags,
                deleted: false)
            state.log.append(.registered, subject: write.subject, versions: [version], schemaID: id)
            return .registered(id: id, version: version)
        }
    }

    public func softDelete(subject: String, versions: [Int]) async throws -> [Int] {
        try locked { state in
            let changed = Array(Set(versions)).sorted().filter { version in
                guard let row = state.subjects[subject]?[version], !row.deleted else { return false }
                state.subjects[subject]?[version]?.deleted = true
                return true
            }
            let emptied = !state.rows(of: subject).contains { !$0.deleted }
            if !changed.isEmpty {
                state.log.append(.softDeleted, subject: subject, versions: changed, subjectEmptied: emptied)
            }
            return changed
        }
    }

    public func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int] {
        try locked { state in
            var removed: [Int] = []
            var schemaIDs = Set<SchemaID>()
            for version in Array(Set(versions)).sorted() {
                guard let row = state.subjects[subject]?.removeValue(forKey: version) else { continue }
                removed.append(version)
                schemaIDs.insert(row.schemaID)
            }
            if state.subjects[subject]?.isEmpty == true { state.subjects[subject] = nil }
            // Schemas no version uses any more go too (with their references); ids stay used.
            let used = Set(state.subjects.values.flatMap { $0.values.map(\.schemaID) })
            for id in schemaIDs where !used.contains(id) { state.schemas[id] = nil }
            let emptied = state.subjects[subject] == nil
            if !removed.isEmpty {
                state.log.append(.permanentlyDeleted, subject: subject, versions: removed, subjectEmptied: emptied)
            }
            return removed
        }
    }

    // MARK: Config and mode

    public func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        try locked { $0.compatibility[subject ?? ""] }
    }

    public func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        try locked { state in
            state.compatibility[subject ?? ""] = level
            state.log.append(.compatibilityChanged, subject: subject, setting: level.rawValue)
        }
    }

    public func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel? {
        try locked { state in
            let removed = state.compatibility.removeValue(forKey: subject ?? "")
            if removed != nil { state.log.append(.compatibilityChanged, subject: subject) }
            return removed
        }
    }

    public func mode(subject: String?) async throws -> RegistryMode? {
        try locked { $0.modes[subject ?? ""] }
    }

    public func setMode(_ mode: RegistryMode, subject: String?) async throws {
        try locked { state in
            state.modes[subject ?? ""] = mode
            state.log.append(.modeChanged, subject: subject, setting: mode.rawValue)
        }
    }

    public func deleteMode(subject: String?) async throws -> RegistryMode? {
        try locked { state in
            let removed = state.modes.removeValue(forKey: subject ?? "")
            if removed != nil { state.log.append(.modeChanged, subject: subject) }
            return removed
        }
    }

    // MARK: Statistics

    /// Stored schemas, and subjects with at least one live version.
    public func counts() async throws -> StoreCounts {
        try locked { state in
            StoreCounts(
                schemas: state.schemas.count,
                subjects: state.subjects.values.filter { $0.values.contains { !$0.deleted } }.count)
        }
    }

    // MARK: API keys

    public func createAPIKey(_ record: APIKeyRecord) async throws {
        try locked { state in
            guard !state.apiKeys.contains(where: { $0.id == record.id || $0.keyHash == record.keyHash }) else {
                throw RegistryError(.storeError, "memory: an API key with id \(record.id) or its hash exists")
            }
            state.apiKeys.append(record)
        }
    }

    /// Every key, newest first (then by id); revoked ones only when asked.
    public func apiKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        try locked { state in
            state.apiKeys.filter { includeRevoked || !$0.revoked }.sorted {
                ($0.createdAt, $1.id) > ($1.createdAt, $0.id)
            }
        }
    }

    public func revokeAPIKey(id: String) async throws -> Bool {
        try locked { state in
            guard let index = state.apiKeys.firstIndex(where: { $0.id == id && !$0.revoked }) else { return false }
            state.apiKeys[index].revoked = true
            return true
        }
    }
}

// MARK: - The data

/// A subject version as stored: the schema by id.
private struct Row: Sendable {
    var subject: String
    var version: Int
    var schemaID: SchemaID
    var metadata: [String: String]
    var tags: [String]
    var deleted: Bool
}

private struct State: Sendable {
    var schemas: [SchemaID: StoredSchema] = [:]
    /// The highest id ever handed out: ids of removed schemas are never reused.
    var highestID: SchemaID = 0
    var subjects: [String: [Int: Row]] = [:]
    /// Keyed by subject; "" is the global setting.
    var compatibility: [String: CompatibilityLevel] = [:]
    var modes: [String: RegistryMode] = [:]
    var apiKeys: [APIKeyRecord] = []
    var log = InMemoryChangeLog()

    /// A subject's versions in ascending order.
    func rows(of subject: String) -> [Row] {
        (subjects[subject] ?? [:]).values.sorted { $0.version < $1.version }
    }

    /// Every version passing `include`, ordered by subject (UTF-8 bytes) then version.
    func orderedRows(where include: (Row) -> Bool) -> [Row] {
        subjects.keys.sorted(by: bytesPrecede).flatMap { rows(of: $0).filter(include) }
    }

    func record(_ row: Row) -> VersionRecord {
        // A row's schema is removed only with the row's last user, so it is always there.
        VersionRecord(
            subject: row.subject, version: row.version, schema: schemas[row.schemaID]!, metadata: row.metadata,
            tags: row.tags, deleted: row.deleted)
    }

    /// The newest version under `subject` whose schema is identical to `identity`.
    func matching(_ identity: SchemaIdentity, subject: String, includeDeleted: Bool) -> Row? {
        rows(of: subject).last { row in
            (includeDeleted || !row.deleted) && schemas[row.schemaID]?.identity == identity
        }
    }

    /// The id of the schema `write` registers: the stored one with the same identity, else a new one.
    mutating func schemaID(for write: RegistrationWrite) throws -> SchemaID {
        let identity = write.schema
        if let found = schemas.values.filter({ $0.identity == identity }).map(\.id).min() {
            if let imported = write.importID, imported != found {
                throw RegistryError(
                    .idConflict, "Schema is already registered with id \(found), not the imported id \(imported).")
            }
            return found
        }
        if let imported = write.importID {
            guard imported > 0 else {
                throw RegistryError(.idConflict, "Imported schema id \(imported) is not positive.")
            }
            if schemas[imported] != nil {
                throw RegistryError(.idConflict, "Schema id \(imported) already holds a different schema.")
            }
        }
        // An explicit id above the high-water mark raises it, so later ids stay above it.
        let id = write.importID ?? highestID + 1
        highestID = max(highestID, id)
        schemas[id] = StoredSchema(
            id: id, type: identity.type, text: identity.canonicalText, references: identity.references)
        return id
    }
}

/// SQLite's text order: by UTF-8 bytes.
private func bytesPrecede(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// Whether `text` contains `part` as bytes (SQLite's `instr`), not by Unicode equivalence.
private func containsBytes(_ text: String, _ part: String) -> Bool {
    let haystack = Array(text.utf8), needle = Array(part.utf8)
    guard !needle.isEmpty else { return true }
    guard haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { start in
        haystack[start..<(start + needle.count)].elementsEqual(needle)
    }
}
