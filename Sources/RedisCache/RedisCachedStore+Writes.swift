import SchemaRegistryCore

/// Writes: the store first (the source of truth), then Redis, best effort.
///
/// Writers overwrite `schema:<id>` keys (plain SET) while readers only fill them with SET NX,
/// so the writer's view wins over any read that raced with it; and they bump the generation
/// of every mapping they changed (see `RedisCachedStore+Mappings`).
extension RedisCachedStore {
    public func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome {
        let outcome = try await store.register(write)
        switch outcome {
        case .registered(let id, _), .existing(let id, _):
            // The id now holds exactly this identity: cache it, replacing a "missing" marker a
            // reader may have left (the negative cache must not hide a new registration).
            let schema = StoredSchema(
                id: id, type: write.schema.type, text: write.schema.canonicalText, references: write.schema.references)
            await apply(
                [
                    setCommand(id, .found(schema), ttl: schemaTTL, onlyIfAbsent: false),
                    invalidateCommand(.subject(write.subject)),
                ],
                messages: ["subject:\(write.subject)", "schema:\(id)"])
        case .conflict:
            // The caller's view of the subject was behind the store: if it came from a cached
            // mapping whose invalidation was lost, this makes the retry read the store.
            await apply([invalidateCommand(.subject(write.subject))], messages: [])
        }
        return outcome
    }

    public func softDelete(subject: String, versions: [Int]) async throws -> [Int] {
        let changed = try await store.softDelete(subject: subject, versions: versions)
        // Soft deletes keep schemas readable by id: no schema key changes.
        if !changed.isEmpty { await apply([invalidateCommand(.subject(subject))], messages: ["subject:\(subject)"]) }
        return changed
    }

    public func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int] {
        // The schemas these versions use may disappear with them; find them before they do.
        let wanted = Set(versions)
        let candidates = try await store.versions(subject: subject, includeDeleted: true)
            .filter { wanted.contains($0.version) }.map(\.schema.id)
        let removed = try await store.permanentlyDelete(subject: subject, versions: versions)
        if removed.isEmpty { return removed }
        await apply([invalidateCommand(.subject(subject))], messages: [])
        // Other subjects may still use a candidate: write down what the store says now.
        let remaining = Set(try await store.schemas(ids: candidates).map(\.id))
        let commands = Set(candidates).sorted().map { id in
            remaining.contains(id)
                ? [Array("DEL".utf8), schemaKey(id)]
                : setCommand(id, .missing, ttl: tombstoneTTL, onlyIfAbsent: false)
        }
        await apply(commands, messages: ["subject:\(subject)"] + candidates.map { "schema:\($0)" })
        return removed
    }

    public func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        try await store.setCompatibility(level, subject: subject)
        await apply(
            [invalidateCommand(.compatibility(subject: subject))], messages: [settingMessage("config", subject)])
    }

    public func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel? {
        let removed = try await store.deleteCompatibility(subject: subject)
        await apply(
            [invalidateCommand(.compatibility(subject: subject))], messages: [settingMessage("config", subject)])
        return removed
    }

    public func setMode(_ mode: RegistryMode, subject: String?) async throws {
        try await store.setMode(mode, subject: subject)
        await apply([invalidateCommand(.mode(subject: subject))], messages: [settingMessage("mode", subject)])
    }

    public func deleteMode(subject: String?) async throws -> RegistryMode? {
        let removed = try await store.deleteMode(subject: subject)
        await apply([invalidateCommand(.mode(subject: subject))], messages: [settingMessage("mode", subject)])
        return removed
    }

    /// "config" for the global setting, "config:<subject>" for a subject's.
    private func settingMessage(_ kind: String, _ subject: String?) -> String {
        subject.map { "\(kind):\($0)" } ?? kind
    }

    /// Runs the key updates and publishes each message on the invalidation channel, in one
    /// round trip. Failures are swallowed: the write already succeeded in the store.
    private func apply(_ commands: [[[UInt8]]], messages: [String]) async {
        let publishes = messages.map { [Array("PUBLISH".utf8), Array(invalidationChannel.utf8), Array($0.utf8)] }
        _ = try? await client.pipeline(commands + publishes)
    }
}
