import SchemaRegistryCore

/// The mutable mappings (a subject's versions, compatibility levels, modes), cached in Redis
/// with a generation check so that no instance reads a mapping older than the last write it
/// could have observed.
///
/// Each mapping has a value key and a generation key. Writers change the store first, then
/// `INCR` the generation key. Readers fetch both keys in one `MGET`; a value is used only if
/// it is tagged with the generation read alongside it. On a miss, the reader reads the store
/// and tags what it read with the generation it saw *before* that read. If a writer committed
/// after that generation was read, its `INCR` moves the generation on and the (possibly
/// stale) value is never used; if the writer committed before, the reader's store read saw
/// the write. So a cached mapping is never older than the latest write whose `INCR` landed.
///
/// If Redis fails between a write and its `INCR` (the write still succeeds: the store is the
/// truth), other instances may serve the old mapping until its TTL (`mappingTTL`) ends. A
/// registration that then conflicts with the store's expected latest version bumps the
/// generation itself, so a stale subject never blocks registrations.
extension RedisCachedStore {
    enum Mapping {
        case subject(String)
        case compatibility(subject: String?)
        case mode(subject: String?)

        var name: String {
            switch self {
            case .subject(let subject): "subject:\(subject)"
            case .compatibility(let subject): subject.map { "config:\($0)" } ?? "config"
            case .mode(let subject): subject.map { "mode:\($0)" } ?? "mode"
            }
        }
    }

    func valueKey(_ mapping: Mapping) -> [UInt8] { Array("\(keyPrefix)map:\(mapping.name)".utf8) }
    func generationKey(_ mapping: Mapping) -> [UInt8] { Array("\(keyPrefix)gen:\(mapping.name)".utf8) }

    /// The INCR that invalidates `mapping` everywhere (sent after the store write).
    func invalidateCommand(_ mapping: Mapping) -> [[UInt8]] { [Array("INCR".utf8), generationKey(mapping)] }

    // MARK: Reads

    public func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        let all = try await allVersions(subject)
        return includeDeleted ? all : all.filter { !$0.deleted }
    }

    /// Registrations read the source of truth: its reads do not grow with the history, and a
    /// cached history a moment stale would only cost a conflict and a retry.
    public func registrationView(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationView {
        try await store.registrationView(subject: subject, matching: schema)
    }

    public func version(subject: String, version: Int) async throws -> VersionRecord? {
        try await allVersions(subject).first { $0.version == version }
    }

    public func version(subject: String, matching schema: SchemaIdentity, includeDeleted: Bool) async throws
        -> VersionRecord?
    {
        try await allVersions(subject).last { record in
            (includeDeleted || !record.deleted) && record.schema.identity == schema
        }
    }

    public func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        try await cached(
            .compatibility(subject: subject),
            decode: { OptionalSettingCoding.decode($0, as: CompatibilityLevel.self) },
            encode: { OptionalSettingCoding.encode($0?.rawValue) },
            load: { try await self.store.compatibility(subject: subject) })
    }

    public func mode(subject: String?) async throws -> RegistryMode? {
        try await cached(
            .mode(subject: subject),
            decode: { OptionalSettingCoding.decode($0, as: RegistryMode.self) },
            encode: { OptionalSettingCoding.encode($0?.rawValue) },
            load: { try await self.store.mode(subject: subject) })
    }

    /// Every version of `subject`, soft-deleted ones included: the one cached form every
    /// per-subject read is answered from.
    private func allVersions(_ subject: String) async throws -> [VersionRecord] {
        try await cached(
            .subject(subject),
            decode: { SubjectVersionsCoding.decode($0, subject: subject) },
            encode: { records in
                // A subject with a huge history is not worth shipping through Redis on every read.
                SubjectVersionsCoding.encode(records).flatMap { $0.count <= self.maximumMappingBytes ? $0 : nil }
            },
            load: { try await self.store.versions(subject: subject, includeDeleted: true) })
    }

    /// Redis if it holds a current value, else the store (then fills Redis, tagged).
    private func cached<Value: Sendable>(
        _ mapping: Mapping, decode: ([UInt8]) -> Value?, encode: (Value) -> [UInt8]?,
        load: () async throws -> Value
    ) async throws -> Value {
        try checkOpen()
        let key = valueKey(mapping)
        var generation: [UInt8]?
        if let reply = try? await client.command(bytes: [Array("MGET".utf8), key, generationKey(mapping)]),
            case .array(let values) = reply, values.count == 2
        {
            switch values[1] {
            case .bytes(let bytes): generation = bytes
            case .null: generation = []
            default: break
            }
            if let generation, case .bytes(let bytes) = values[0], let tagged = TaggedMapping(bytes: bytes),
                tagged.generation == generation, let value = decode(tagged.body)
            {
                client.recordMappingHit()
                return value
            }
        }
        client.recordMappingMiss()
        let value = try await load()
        // Only fill when the generation was read before the store: otherwise the tag means nothing.
        if let generation, let body = encode(value) {
            let tagged = TaggedMapping(generation: generation, body: body).encoded()
            _ = try? await client.command(bytes: [
                Array("SET".utf8), key, tagged, Array("PX".utf8), Array("\(milliseconds(mappingTTL))".utf8),
            ])
        }
        return value
    }
}

func milliseconds(_ duration: Duration) -> Int64 {
    max(1, duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
}
