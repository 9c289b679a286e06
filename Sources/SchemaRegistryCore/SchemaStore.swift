/// Durable storage of schemas, subject versions, configuration and modes.
///
/// Implementations: `SQLiteStore` (embedded default), `PostgresStore` (later). Every method
/// may be called concurrently from many tasks. A store never blocks the caller's thread for
/// I/O: it runs its work on threads of its own and resumes the caller.
///
/// Identity: two schemas are the same when type, canonical text and references are equal.
/// `fingerprint` is a fast index key over those three; stores must still compare the full
/// values, since fingerprints can collide.
public protocol SchemaStore: Sendable {
    /// A short name for diagnostics ("sqlite", "postgres").
    var kind: String { get }

    // MARK: Schemas by id

    func schema(id: SchemaID) async throws -> StoredSchema?
    /// The schemas that exist among `ids`, in any order.
    func schemas(ids: [SchemaID]) async throws -> [StoredSchema]
    /// Every (subject, version) that uses schema `id`, ordered by subject then version.
    func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion]
    /// Up to `limit` schema ids, highest (newest) first: what warm-up loads.
    func recentSchemaIDs(limit: Int) async throws -> [SchemaID]

    // MARK: Subjects and versions

    /// One version of a subject, soft-deleted or not (callers decide what to show).
    func version(subject: String, version: Int) async throws -> VersionRecord?
    /// Every version of a subject in ascending order; soft-deleted ones only if asked.
    func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord]
    /// The version under `subject` whose schema is identical to `schema`, if any
    /// (the newest such version; soft-deleted ones only if asked).
    func version(subject: String, matching schema: SchemaIdentity, includeDeleted: Bool) async throws -> VersionRecord?
    /// What registering `schema` under `subject` must read, in reads that do not grow with the
    /// subject's history: the live version already holding it, the newest version number
    /// (soft-deleted ones count: numbers are never reused) and the newest live version.
    func registrationView(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationView
    /// Subjects in ascending order, starting after `after`, at most `limit`.
    /// A subject is listed when it has a live version (or any version when `includeDeleted`).
    func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String]
    /// Versions matching a search, ordered by subject then version.
    func search(_ query: SearchQuery) async throws -> [VersionRecord]

    // MARK: Writes

    /// Registers a schema under a subject atomically (see ``RegistrationWrite``).
    func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome
    /// Marks versions soft-deleted. Returns the versions that changed.
    func softDelete(subject: String, versions: [Int]) async throws -> [Int]
    /// Removes versions for good (they must be soft-deleted already; the registry checks).
    /// Schemas no version uses any more are removed too. Returns the versions removed.
    func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int]
    /// Ids of schemas whose references name `subject` at `version`.
    func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID]

    // MARK: Config and mode (subject nil = global)

    func compatibility(subject: String?) async throws -> CompatibilityLevel?
    func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws
    /// Removes the level; returns what was removed.
    func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel?
    func mode(subject: String?) async throws -> RegistryMode?
    func setMode(_ mode: RegistryMode, subject: String?) async throws
    func deleteMode(subject: String?) async throws -> RegistryMode?

    // MARK: Statistics

    func counts() async throws -> StoreCounts

    /// Releases connections and files. Calls after this throw.
    func close() async throws
}

/// See ``SchemaStore/registrationView(subject:matching:)``.
public struct RegistrationView: Sendable {
    /// The live version whose schema is the one being registered, if any.
    public var match: VersionRecord?
    /// The newest version number, soft-deleted or not; 0 when the subject has none.
    public var newestVersion: Int
    /// The newest live version, if any.
    public var newestLive: VersionRecord?

    public init(match: VersionRecord?, newestVersion: Int, newestLive: VersionRecord?) {
        self.match = match
        self.newestVersion = newestVersion
        self.newestLive = newestLive
    }
}

extension SchemaStore {
    /// From the whole history: for stores without a cheaper way (wrappers forward to theirs).
    public func registrationView(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationView {
        let history = try await versions(subject: subject, includeDeleted: true)
        return RegistrationView(
            match: history.last { !$0.deleted && $0.schema.identity == schema },
            newestVersion: history.last?.version ?? 0, newestLive: history.last { !$0.deleted })
    }
}

/// What decides whether two schemas are the same.
public struct SchemaIdentity: Sendable, Hashable {
    public var type: SchemaType
    public var canonicalText: String
    public var references: [SchemaReference]

    public init(type: SchemaType, canonicalText: String, references: [SchemaReference]) {
        self.type = type
        self.canonicalText = canonicalText
        self.references = references
    }

    /// A 64-bit FNV-1a hash of type, text and references, as a 16-digit hex string:
    /// an index key only (it can collide; stores compare full values too).
    public var fingerprint: String {
        var hash = FNV1a64()
        hash.add(UInt8(truncatingIfNeeded: type.rawValue))
        hash.add(canonicalText)
        for reference in references {
            hash.add(0)
            hash.add(reference.name)
            hash.add(0)
            hash.add(reference.subject)
            hash.add(0)
            hash.add(String(reference.version))
        }
        return hash.hexDigest
    }
}

/// A registration for ``SchemaStore/register(_:)``.
///
/// The store, in one transaction:
/// 1. if a live version under `subject` has an identical schema, returns `.existing` with it;
/// 2. if `expectedLatestVersion` is set and the subject's highest version (soft-deleted ones
///    included, permanently deleted ones not) differs, returns `.conflict` (the registry
///    re-checks compatibility and retries);
/// 3. finds the schema's id by identity, or assigns one (`importID` when given: if that id
///    already holds a different schema, throws `idConflict`);
/// 4. adds version `importVersion`, or highest + 1, and returns `.registered`.
/// Concurrent registrations under one subject are serialised, so versions are contiguous
/// and an identical schema gets one id.
public struct RegistrationWrite: Sendable {
    public var subject: String
    public var schema: SchemaIdentity
    public var metadata: [String: String]
    public var tags: [String]
    /// nil: do not check. 0: the subject must have no versions.
    public var expectedLatestVersion: Int?
    public var importID: SchemaID?
    public var importVersion: Int?

    public init(
        subject: String, schema: SchemaIdentity, metadata: [String: String] = [:], tags: [String] = [],
        expectedLatestVersion: Int? = nil, importID: SchemaID? = nil, importVersion: Int? = nil
    ) {
        self.subject = subject
        self.schema = schema
        self.metadata = metadata
        self.tags = tags
        self.expectedLatestVersion = expectedLatestVersion
        self.importID = importID
        self.importVersion = importVersion
    }
}

public enum RegistrationOutcome: Sendable, Hashable {
    case registered(id: SchemaID, version: Int)
    case existing(id: SchemaID, version: Int)
    /// The subject's latest version is not the one expected.
    case conflict(actualLatestVersion: Int)
}

/// A search over subject versions. Empty fields match everything.
///
/// Without `words`, results come in subject and version order and page with `after`. With
/// `words`, they come best match first (ties in subject and version order) through the store's
/// full-text index, and page with `offset`.
public struct SearchQuery: Sendable, Hashable {
    public var subjectPrefix: String
    /// Every pair must be in the version's metadata.
    public var metadata: [String: String]
    /// Every tag must be on the version.
    public var tags: [String]
    /// A substring of the schema text (case-sensitive, anywhere, as clients before `words` knew it).
    public var text: String
    /// Words to find in the schema text, its field names, the subject, tags and metadata; see
    /// ``SearchWords`` for the syntax. Every word must match; results are ranked.
    public var words: String
    public var includeDeleted: Bool
    public var latestOnly: Bool
    /// Results strictly after this (subject, version), for paging unranked results.
    public var after: SubjectVersion?
    /// Ranked results to skip, for paging ranked results (`words` set).
    public var offset: Int
    public var limit: Int

    public init(
        subjectPrefix: String = "", metadata: [String: String] = [:], tags: [String] = [], text: String = "",
        words: String = "", includeDeleted: Bool = false, latestOnly: Bool = false, after: SubjectVersion? = nil,
        offset: Int = 0, limit: Int = 100
    ) {
        self.subjectPrefix = subjectPrefix
        self.metadata = metadata
        self.tags = tags
        self.text = text
        self.words = words
        self.includeDeleted = includeDeleted
        self.latestOnly = latestOnly
        self.after = after
        self.offset = offset
        self.limit = limit
    }

    /// Whether results are ranked (through the full-text index) rather than in subject order.
    public var isRanked: Bool { !words.isEmpty }
}

public struct StoreCounts: Sendable, Hashable {
    public var schemas: Int
    public var subjects: Int

    public init(schemas: Int, subjects: Int) {
        self.schemas = schemas
        self.subjects = subjects
    }
}
