/// A registration request, as the transport received it.
public struct RegistrationRequest: Sendable {
    public var subject: String
    public var type: SchemaType
    public var text: String
    public var references: [SchemaReference]
    public var metadata: [String: String]
    public var tags: [String]
    public var normalize: Bool
    /// IMPORT mode: the id to keep (required) and version (optional).
    public var id: SchemaID?
    public var version: Int?

    public init(
        subject: String, type: SchemaType = .avro, text: String, references: [SchemaReference] = [],
        metadata: [String: String] = [:], tags: [String] = [], normalize: Bool = false, id: SchemaID? = nil,
        version: Int? = nil
    ) {
        self.subject = subject
        self.type = type
        self.text = text
        self.references = references
        self.metadata = metadata
        self.tags = tags
        self.normalize = normalize
        self.id = id
        self.version = version
    }
}

public struct RegistrationResult: Sendable, Hashable {
    public var id: SchemaID
    public var version: Int
    /// False when the schema was already registered under the subject.
    public var created: Bool
    /// What the schema's format accepted with a warning (``ParsedSchema/warnings``).
    public var warnings: [String]

    public init(id: SchemaID, version: Int, created: Bool, warnings: [String] = []) {
        self.id = id
        self.version = version
        self.created = created
        self.warnings = warnings
    }
}

extension RegistryService {
    /// Registers a schema under a subject (Confluent's `POST /subjects/{subject}/versions`).
    ///
    /// Re-registering an identical schema returns its id and version. A new version must be
    /// compatible with the earlier ones at the subject's level; a concurrent registration
    /// that lands first makes this one re-check against it and retry.
    public func register(_ request: RegistrationRequest) async throws -> RegistrationResult {
        try Self.validateSubject(request.subject)
        guard let contextReader = store as? any RegistrationContextReading else {
            return try await registerReadingSeparately(request)
        }
        // Parsed first, so that what the store reads in one call (mode, levels, the view) can
        // be read under the subject's lock, where no registration of this process can change it.
        let parsed: ParsedSchema
        do {
            parsed = try await parse(
                type: request.type, text: request.text, references: request.references, normalize: request.normalize)
        } catch {
            // Confluent answers a refused mode and a bad id before looking at the schema.
            try Self.checkAllowed(request, mode: try await effectiveMode(subject: request.subject))
            throw error
        }
        let identity = SchemaIdentity(
            type: request.type, canonicalText: parsed.canonicalText, references: request.references)
        var result = try await subjectLocks.withLock(request.subject) {
            if let contextWriter = store as? any RegistrationContextWriting {
                return try await registerInOneStep(request, parsed: parsed, identity: identity, on: contextWriter)
            }
            let context = try await contextReader.registrationContext(subject: request.subject, matching: identity)
            let mode = context.subjectMode ?? context.globalMode ?? configuration.defaultMode
            try Self.checkAllowed(request, mode: mode)
            return try await registerLocked(
                request, mode: mode, parsed: parsed, identity: identity,
                read: (
                    context.view,
                    context.subjectCompatibility ?? context.globalCompatibility ?? configuration.defaultCompatibility
                ))
        }
        result.warnings = parsed.warnings
        return result
    }

    /// `register` for stores without ``RegistrationContextReading``: mode, levels and the view each
    /// read on their own (through the Redis L2, each is a cached mapping).
    private func registerReadingSeparately(_ request: RegistrationRequest) async throws -> RegistrationResult {
        let mode = try await effectiveMode(subject: request.subject)
        try Self.checkAllowed(request, mode: mode)
        let parsed = try await parse(
            type: request.type, text: request.text, references: request.references, normalize: request.normalize)
        let identity = SchemaIdentity(
            type: request.type, canonicalText: parsed.canonicalText, references: request.references)
        var result = try await subjectLocks.withLock(request.subject) {
            try await registerLocked(request, mode: mode, parsed: parsed, identity: identity, read: nil)
        }
        result.warnings = parsed.warnings
        return result
    }

    /// `register` on a ``RegistrationContextWriting`` store, under the subject's lock: the store
    /// reads the context and, when nothing but the context is needed to decide (the mode allows
    /// it, the schema is not there yet, and there is no live version to check against, or the
    /// level or mode checks none), writes in the same job. One trip through the store instead of
    /// a read and then a write (issue 19); the rest goes on as `registerLocked` from the context.
    private func registerInOneStep(
        _ request: RegistrationRequest, parsed: ParsedSchema, identity: SchemaIdentity,
        on store: any RegistrationContextWriting
    ) async throws -> RegistrationResult {
        let defaults = configuration
        let write = RegistrationWrite(
            subject: request.subject, schema: identity, metadata: request.metadata, tags: request.tags,
            expectedLatestVersion: nil, importID: request.id, importVersion: request.version)
        let done = try await store.register(write, defaultMode: defaults.defaultMode) { context in
            let mode = context.subjectMode ?? context.globalMode ?? defaults.defaultMode
            try Self.checkAllowed(request, mode: mode)
            guard context.view.match == nil else { return false }
            let level = context.subjectCompatibility ?? context.globalCompatibility ?? defaults.defaultCompatibility
            // The same rule as `registerLocked`: IMPORT checks nothing, NONE checks nothing, and
            // with no live version there is nothing to check against, transitive or not.
            return mode == .import || level == .none || context.view.newestLive == nil
        }
        let context = done.context
        let mode = context.subjectMode ?? context.globalMode ?? configuration.defaultMode
        switch done.outcome {
        case .registered(let id, let version):
            notifyRegistered(
                StoredSchema(id: id, type: request.type, text: parsed.canonicalText, references: request.references))
            return RegistrationResult(id: id, version: version, created: true)
        case .existing(let id, let version):
            return RegistrationResult(id: id, version: version, created: false)
        case .conflict:
            // Another writer landed between the store's read and its write (a store that does
            // not do both in one step, shared with another instance): the attempts re-read.
            return try await registerLocked(request, mode: mode, parsed: parsed, identity: identity, read: nil)
        case nil:
            let level =
                context.subjectCompatibility ?? context.globalCompatibility ?? configuration.defaultCompatibility
            return try await registerLocked(
                request, mode: mode, parsed: parsed, identity: identity, read: (context.view, level))
        }
    }

    /// Throws when `mode` refuses the request, or its id or version cannot be valid.
    private static func checkAllowed(_ request: RegistrationRequest, mode: RegistryMode) throws {
        switch mode {
        case .readOnly:
            throw RegistryError(.operationNotPermitted, "Subject '\(request.subject)' is in read-only mode.")
        case .readWrite where request.id != nil:
            throw RegistryError(
                .operationNotPermitted, "A schema id can only be given in IMPORT mode (subject '\(request.subject)').")
        case .import where request.id == nil:
            throw RegistryError(.operationNotPermitted, "IMPORT mode needs the schema id of every registration.")
        default:
            break
        }
        if let id = request.id, id <= 0 { throw RegistryError(.invalidRequest, "Schema id \(id) must be positive.") }
        if let version = request.version, version <= 0 {
            throw RegistryError(.invalidVersion, "Version \(version) must be positive.")
        }
    }

    /// How long a registration keeps retrying after write conflicts before it answers 50002.
    static let registrationConflictBudget: Duration = .seconds(10)

    /// The attempts of a registration, under the subject's lock. `read` is the view and level
    /// already read under this lock (``RegistrationContext``), used by the first attempt.
    private func registerLocked(
        _ request: RegistrationRequest, mode: RegistryMode, parsed: ParsedSchema, identity: SchemaIdentity,
        read: (view: RegistrationView, level: CompatibilityLevel)?
    ) async throws -> RegistrationResult {
        // Every conflict means another registration of this subject landed, so the subject as
        // a whole always progresses; what is bounded is how long this one waits its turn. A
        // count of attempts was not enough: with two instances on one database each holding
        // its own queue of 32 registrations for one subject, a loaded machine let one side's
        // queue win 16 rounds in a row (CI, 2026-12-07). Time bounds it instead, with the
        // back-off capped so a loser keeps trying at the rate the winners commit.
        let deadline = ContinuousClock.now + Self.registrationConflictBudget
        var attempt = 0
        while attempt == 0 || ContinuousClock.now < deadline {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(5 * attempt, 25)))) }
            defer { attempt += 1 }
            // Reads that do not grow with the subject's history (issue 13: registration went from
            // 2.9 ms to 16.5 ms at 3,750 versions when every attempt read the whole history):
            // the match, the newest version number, and the newest live version, which is all
            // that non-transitive levels check against. Transitive levels read what they check.
            let view =
                if attempt == 0, let read { read.view } else {
                    try await store.registrationView(subject: request.subject, matching: identity)
                }
            if let existing = view.match {
                return RegistrationResult(id: existing.schema.id, version: existing.version, created: false)
            }
            if mode != .import {
                let level =
                    if attempt == 0, let read { read.level } else {
                        try await compatibility(subject: request.subject, defaultToGlobal: true)
                    }
                let targets =
                    level.isTransitive
                    ? try await store.versions(subject: request.subject, includeDeleted: false)
                    : view.newestLive.map { [$0] } ?? []
                try await checkCompatibility(of: parsed, subject: request.subject, level: level, against: targets)
            }
            let write = RegistrationWrite(
                subject: request.subject, schema: identity, metadata: request.metadata, tags: request.tags,
                expectedLatestVersion: view.newestVersion, importID: request.id, importVersion: request.version)
            switch try await store.register(write) {
            case .registered(let id, let version):
                notifyRegistered(
                    StoredSchema(id: id, type: request.type, text: parsed.canonicalText, references: request.references)
                )
                return RegistrationResult(id: id, version: version, created: true)
            case .existing(let id, let version):
                return RegistrationResult(id: id, version: version, created: false)
            case .conflict:
                continue  // Another version landed first: check against it too.
            }
        }
        throw RegistryError(
            .operationTimeout, "Subject '\(request.subject)' is changing too fast to register; try again.")
    }

    /// Throws 40901 when `parsed` breaks `level` against `live` versions (ascending).
    func checkCompatibility(
        of parsed: ParsedSchema, subject: String, level: CompatibilityLevel, against live: [VersionRecord]
    ) async throws {
        let messages = try await incompatibilities(of: parsed, level: level, against: live)
        guard messages.isEmpty else {
            throw RegistryError(
                .incompatibleSchema,
                "Schema being registered is incompatible with an earlier schema for subject '\(subject)' (\(level.rawValue)).",
                details: messages)
        }
    }

    /// Messages describing how `parsed` breaks `level` against `live` (ascending); empty if it does not.
    func incompatibilities(of parsed: ParsedSchema, level: CompatibilityLevel, against live: [VersionRecord])
        async throws -> [String]
    {
        guard level != .none, let latest = live.last else { return [] }
        guard let checker = formats[parsed.type]?.compatibilityChecker else {
            throw RegistryError(
                .compatibilityCheckerMissing,
                "No compatibility checker for \(parsed.type) schemas yet, so level \(level.rawValue) cannot be enforced; "
                    + "set compatibility NONE for this subject (or globally) to register new versions.")
        }
        let targets = level.isTransitive ? live : [latest]
        var messages: [String] = []
        for target in targets {
            if target.schema.type != parsed.type {
                messages.append("Version \(target.version) is a \(target.schema.type) schema; types cannot change.")
                continue
            }
            let old = try await parseStored(target.schema)
            var found: [Incompatibility] = []
            if level.checksBackward { found += checker.incompatibilities(reader: parsed, writer: old) }
            if level.checksForward { found += checker.incompatibilities(reader: old, writer: parsed) }
            messages += found.map { "Version \(target.version): \($0)" }
        }
        return messages
    }
}
