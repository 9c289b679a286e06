/// The registry's domain logic with Confluent's semantics, over a ``SchemaStore``.
///
/// Transport-free: the SRP server, benchmarks' facades and tests call it directly.
/// It validates input, enforces modes and compatibility, and decides what soft and
/// permanent deletes may do; the store makes each write atomic.
public final class RegistryService: Sendable {
    public struct Configuration: Sendable {
        /// The global level used when none is stored (Confluent's default is BACKWARD).
        public var defaultCompatibility: CompatibilityLevel = .backward
        public var defaultMode: RegistryMode = .readWrite
        /// Largest schema text accepted, in bytes.
        public var maxSchemaBytes: Int = 1024 * 1024
        /// Deepest nesting of objects/arrays in a schema or a payload to validate.
        public var maxNestingDepth: Int = 128
        /// Most references one schema may list.
        public var maxReferences: Int = 1000
        /// Longest chain of references (a schema referencing one that references another...).
        public var maxReferenceDepth: Int = 32
        /// Page size when the caller asks for none, and the most any page may hold.
        public var defaultPageSize: Int = 1000
        public var maxPageSize: Int = 10_000
        /// Bytes of schema text whose parsed (compiled) forms are kept for payload validation.
        public var validatorCacheBytes = 8 << 20

        public init() {}
    }

    public let store: any SchemaStore
    public let formats: [SchemaType: any SchemaFormat]
    public let configuration: Configuration
    /// Serialises registrations per subject inside this process; the store's optimistic
    /// check (expected latest version) still guards against other instances.
    let subjectLocks = KeyedAsyncLock()
    /// Told about every newly registered schema (the server fills its L1 cache).
    private let onRegistered: @Sendable (StoredSchema) -> Void
    /// Compiled schemas for `validate(payload:schema:)`.
    let parsedSchemas: ParsedSchemaCache

    public init(
        store: any SchemaStore, formats: [SchemaType: any SchemaFormat], configuration: Configuration = .init(),
        onRegistered: @escaping @Sendable (StoredSchema) -> Void = { _ in }
    ) {
        self.store = store
        self.formats = formats
        self.configuration = configuration
        self.onRegistered = onRegistered
        self.parsedSchemas = ParsedSchemaCache(capacityBytes: configuration.validatorCacheBytes)
    }

    // MARK: Reads

    public func schema(id: SchemaID) async throws -> StoredSchema {
        guard let schema = try await store.schema(id: id) else { throw RegistryError.schemaNotFound(id) }
        return schema
    }

    /// The schemas found among `ids`, in the order asked, and the ids not found.
    public func schemas(ids: [SchemaID]) async throws -> (found: [StoredSchema], missing: [SchemaID]) {
        let stored = try await store.schemas(ids: ids)
        let byID = Dictionary(stored.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return (ids.compactMap { byID[$0] }, ids.filter { byID[$0] == nil })
    }

    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        let found = try await store.subjectVersions(usingSchema: id, includeDeleted: includeDeleted)
        if found.isEmpty, try await store.schema(id: id) == nil { throw RegistryError.schemaNotFound(id) }
        return found
    }

    /// A version of a subject; `-1` means the latest.
    public func version(subject: String, version: Int, includeDeleted: Bool = false) async throws -> VersionRecord {
        try Self.validateSubject(subject)
        if version == -1 {
            let all = try await store.versions(subject: subject, includeDeleted: includeDeleted)
            guard let latest = all.last else { throw RegistryError.subjectNotFound(subject) }
            return latest
        }
        guard version > 0 else {
            throw RegistryError(.invalidVersion, "Version \(version) is invalid: use a positive number or -1 (latest).")
        }
        guard let record = try await store.version(subject: subject, version: version),
            includeDeleted || !record.deleted
        else {
            if try await store.versions(subject: subject, includeDeleted: includeDeleted).isEmpty {
                throw RegistryError.subjectNotFound(subject)
            }
            throw RegistryError.versionNotFound(subject, version)
        }
        return record
    }

    public func versions(subject: String, includeDeleted: Bool) async throws -> [Int] {
        try Self.validateSubject(subject)
        let records = try await store.versions(subject: subject, includeDeleted: includeDeleted)
        guard !records.isEmpty else { throw RegistryError.subjectNotFound(subject) }
        return records.map(\.version)
    }

    /// Subjects after `pageToken`, and the token of the next page ("" when none).
    public func subjects(prefix: String, includeDeleted: Bool, pageSize: Int, pageToken: String) async throws
        -> (subjects: [String], nextPageToken: String)
    {
        let limit = pageSizeLimit(pageSize)
        let page = try await store.subjects(
            prefix: prefix, includeDeleted: includeDeleted, after: pageToken.isEmpty ? nil : pageToken,
            limit: limit + 1)
        guard page.count > limit else { return (page, "") }
        let shown = Array(page.prefix(limit))
        return (shown, shown.last ?? "")
    }

    /// Finds the version under `subject` whose schema is the given one.
    public func lookup(
        subject: String, type: SchemaType, text: String, references: [SchemaReference], normalize: Bool,
        includeDeleted: Bool
    ) async throws -> VersionRecord {
        try Self.validateSubject(subject)
        let parsed = try await parse(type: type, text: text, references: references, normalize: normalize)
        let identity = SchemaIdentity(type: type, canonicalText: parsed.canonicalText, references: references)
        if let found = try await store.version(subject: subject, matching: identity, includeDeleted: includeDeleted) {
            return found
        }
        if try await store.versions(subject: subject, includeDeleted: includeDeleted).isEmpty {
            throw RegistryError.subjectNotFound(subject)
        }
        throw RegistryError(.schemaNotFound, "Schema not found under subject '\(subject)'.")
    }

    public func search(_ query: SearchQuery, pageSize: Int) async throws -> (results: [VersionRecord], next: String) {
        var query = query
        let limit = pageSizeLimit(pageSize)
        query.limit = limit + 1
        let found = try await store.search(query)
        guard found.count > limit else { return (found, "") }
        let shown = Array(found.prefix(limit))
        let last = shown.last!
        return (shown, Self.encodePageToken(SubjectVersion(subject: last.subject, version: last.version)))
    }

    public func counts() async throws -> StoreCounts { try await store.counts() }

    // MARK: Config and mode

    /// The level of a subject (nil = global). With `defaultToGlobal`, a subject without its
    /// own level answers the global one; without it, 40408.
    public func compatibility(subject: String?, defaultToGlobal: Bool) async throws -> CompatibilityLevel {
        if let subject {
            try Self.validateSubject(subject)
            if let level = try await store.compatibility(subject: subject) { return level }
            guard defaultToGlobal else {
                throw RegistryError(
                    .subjectLevelCompatibilityNotConfigured,
                    "Subject '\(subject)' does not have subject-level compatibility configured.")
            }
        }
        return try await store.compatibility(subject: nil) ?? configuration.defaultCompatibility
    }

    public func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        if let subject { try Self.validateSubject(subject) }
        try await store.setCompatibility(level, subject: subject)
    }

    /// Removes a level; the global one falls back to the configured default.
    public func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel {
        if let subject { try Self.validateSubject(subject) }
        if let removed = try await store.deleteCompatibility(subject: subject) { return removed }
        if subject == nil { return configuration.defaultCompatibility }
        throw RegistryError(
            .subjectLevelCompatibilityNotConfigured,
            "Subject '\(subject!)' does not have subject-level compatibility configured.")
    }

    public func mode(subject: String?, defaultToGlobal: Bool) async throws -> RegistryMode {
        if let subject {
            try Self.validateSubject(subject)
            if let mode = try await store.mode(subject: subject) { return mode }
            guard defaultToGlobal else {
                throw RegistryError(
                    .subjectLevelModeNotConfigured, "Subject '\(subject)' does not have subject-level mode configured.")
            }
        }
        return try await store.mode(subject: nil) ?? configuration.defaultMode
    }

    /// Removes a mode; the global one falls back to the configured default.
    public func deleteMode(subject: String?) async throws -> RegistryMode {
        if let subject { try Self.validateSubject(subject) }
        if let removed = try await store.deleteMode(subject: subject) { return removed }
        if subject == nil { return configuration.defaultMode }
        throw RegistryError(
            .subjectLevelModeNotConfigured, "Subject '\(subject!)' does not have subject-level mode configured.")
    }

    /// Sets a mode. IMPORT on a registry or subject that already holds schemas needs `force`.
    public func setMode(_ mode: RegistryMode, subject: String?, force: Bool) async throws {
        if let subject { try Self.validateSubject(subject) }
        if mode == .import, !force {
            let hasSchemas: Bool
            if let subject {
                hasSchemas = try await !store.versions(subject: subject, includeDeleted: true).isEmpty
            } else {
                hasSchemas = try await store.counts().schemas > 0
            }
            if hasSchemas {
                throw RegistryError(
                    .operationNotPermitted,
                    "Cannot switch to IMPORT mode with schemas registered; set force to do it anyway.")
            }
        }
        try await store.setMode(mode, subject: subject)
    }

    // MARK: Helpers shared by the extensions

    func parse(type: SchemaType, text: String, references: [SchemaReference], normalize: Bool) async throws
        -> ParsedSchema
    {
        guard text.utf8.count <= configuration.maxSchemaBytes else {
            throw RegistryError(
                .invalidSchema,
                "Schema of \(text.utf8.count) bytes exceeds the limit of \(configuration.maxSchemaBytes) bytes.")
        }
        guard type == .protobuf || !JSONNesting.exceeds(configuration.maxNestingDepth, in: text.utf8) else {
            throw RegistryError(
                .invalidSchema, "Schema nests objects or arrays deeper than \(configuration.maxNestingDepth) levels.")
        }
        guard let format = formats[type] else {
            throw RegistryError(.invalidSchema, "Schema type \(type) is not supported by this server yet.")
        }
        let resolved = try await resolve(references)
        return try format.parse(text, references: resolved, normalize: normalize)
    }

    /// A stored schema as its format parsed it (kept by id, see ``parseStored(_:)``): for answers
    /// in another form than the stored text, e.g. a Protobuf schema's serialized descriptor.
    public func parsed(_ stored: StoredSchema) async throws -> ParsedSchema {
        try await parseStored(stored)
    }

    /// Parses a schema the registry holds, with its format's lenient rules
    /// (``SchemaFormat/parseStored(_:references:)``), once: the result is kept by id (bounded
    /// by `validatorCacheBytes`), since a stored schema never changes. Validation and
    /// compatibility checks against earlier versions (all of them at transitive levels) share it.
    func parseStored(_ stored: StoredSchema) async throws -> ParsedSchema {
        if let parsed = parsedSchemas.parsed(id: stored.id) { return parsed }
        guard let format = formats[stored.type] else {
            throw RegistryError(.invalidSchema, "Schema type \(stored.type) is not supported by this server yet.")
        }
        let parsed = try format.parseStored(stored.text, references: try await resolve(stored.references))
        parsedSchemas.insert(parsed, id: stored.id)
        return parsed
    }

    func resolve(_ references: [SchemaReference]) async throws -> [ResolvedReference] {
        guard references.count <= configuration.maxReferences else {
            throw RegistryError(
                .invalidSchema,
                "Schema lists \(references.count) references; at most \(configuration.maxReferences) are allowed.")
        }
        var resolved: [ResolvedReference] = []
        var names = Set<String>()
        for reference in references {
            guard !reference.name.isEmpty, names.insert(reference.name).inserted else {
                throw RegistryError(
                    .invalidSchema, "Reference names must be non-empty and distinct (got '\(reference.name)').")
            }
            guard let record = try await store.version(subject: reference.subject, version: reference.version),
                !record.deleted
            else {
                throw RegistryError(
                    .invalidSchema,
                    "Reference '\(reference.name)' names subject '\(reference.subject)' version \(reference.version), which does not exist."
                )
            }
            resolved.append(ResolvedReference(reference: reference, schema: record.schema))
        }
        return try await withTransitiveReferences(resolved)
    }

    /// The direct references plus everything they reference in turn, each once, dependencies
    /// before the schemas that use them (so a parser meets every name before its use), as
    /// Confluent resolves them: a schema lists only what it names itself. Refuses chains deeper
    /// than `maxReferenceDepth`, which also bounds the walk (one store read per schema).
    private func withTransitiveReferences(_ direct: [ResolvedReference]) async throws -> [ResolvedReference] {
        var ordered: [ResolvedReference] = []
        var placed = Set<SubjectVersion>()
        let limit = configuration.maxReferenceDepth
        func place(_ resolved: ResolvedReference, depth: Int) async throws {
            guard depth <= limit else {
                throw RegistryError(
                    .invalidSchema,
                    "References nest deeper than \(limit) levels (a chain of schemas referencing schemas).")
            }
            let key = SubjectVersion(subject: resolved.reference.subject, version: resolved.reference.version)
            guard !placed.contains(key) else { return }
            for inner in resolved.schema.references {
                guard let record = try await store.version(subject: inner.subject, version: inner.version) else {
                    continue  // permanently deleted since; the schema that named it was valid then
                }
                try await place(ResolvedReference(reference: inner, schema: record.schema), depth: depth + 1)
            }
            if placed.insert(key).inserted { ordered.append(resolved) }
        }
        for resolved in direct { try await place(resolved, depth: 1) }
        return ordered
    }

    func effectiveMode(subject: String) async throws -> RegistryMode {
        if let mode = try await store.mode(subject: subject) { return mode }
        return try await store.mode(subject: nil) ?? configuration.defaultMode
    }

    func notifyRegistered(_ schema: StoredSchema) { onRegistered(schema) }

    private func pageSizeLimit(_ requested: Int) -> Int {
        requested <= 0 ? configuration.defaultPageSize : min(requested, configuration.maxPageSize)
    }

    static func validateSubject(_ subject: String) throws {
        // Printable ASCII (every subject the benchmarks and most users send) is decided from
        // the bytes; Unicode's general category is looked up only beyond ASCII (it cost 2% of
        // a registration's instructions when asked of every scalar).
        let printableASCII = subject.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        guard !subject.isEmpty, subject.utf8.count <= 1024,
            printableASCII
                || !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw RegistryError(
                .invalidSubject,
                "Subject '\(EchoedText.quote(subject))' is invalid: it must be 1-1024 bytes without control characters."
            )
        }
    }

    /// Page tokens for search: "subject\u{0}version", opaque to callers.
    static func encodePageToken(_ position: SubjectVersion) -> String { "\(position.subject)\u{0}\(position.version)" }

    public static func decodePageToken(_ token: String) -> SubjectVersion? {
        guard let split = token.lastIndex(of: "\u{0}"), let version = Int(token[token.index(after: split)...])
        else { return nil }
        return SubjectVersion(subject: String(token[..<split]), version: version)
    }
}
