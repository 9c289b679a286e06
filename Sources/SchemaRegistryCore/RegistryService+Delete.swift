extension RegistryService {
    /// Deletes every version of a subject: soft first, then (with `permanent`) for good.
    /// Returns the versions deleted.
    public func deleteSubject(_ subject: String, permanent: Bool) async throws -> [Int] {
        try Self.validateSubject(subject)
        try await requireWritable(subject)
        let all = try await store.versions(subject: subject, includeDeleted: true)
        guard !all.isEmpty else { throw RegistryError.subjectNotFound(subject) }
        let live = all.filter { !$0.deleted }.map(\.version)
        if permanent {
            guard live.isEmpty else {
                throw RegistryError(
                    .subjectNotSoftDeleted,
                    "Subject '\(subject)' was not deleted first before being permanently deleted.")
            }
            for version in all.map(\.version) { try await requireUnreferenced(subject, version) }
            let deleted = try await store.permanentlyDelete(subject: subject, versions: all.map(\.version))
            // Possibly still used by other subjects: then it is just compiled again when needed.
            parsedSchemas.remove(ids: all.map(\.schema.id))
            return deleted
        }
        guard !live.isEmpty else {
            throw RegistryError(
                .subjectSoftDeleted, "Subject '\(subject)' was soft deleted. Set permanent=true to delete permanently.")
        }
        for version in live { try await requireUnreferenced(subject, version) }
        return try await store.softDelete(subject: subject, versions: live)
    }

    /// Deletes one version (`-1` = latest): soft first, then (with `permanent`) for good.
    public func deleteVersion(subject: String, version: Int, permanent: Bool) async throws -> Int {
        try Self.validateSubject(subject)
        try await requireWritable(subject)
        let all = try await store.versions(subject: subject, includeDeleted: true)
        guard !all.isEmpty else { throw RegistryError.subjectNotFound(subject) }
        let target: VersionRecord
        if version == -1 {
            // Latest means the latest live version, or the latest soft-deleted one for a permanent delete.
            guard let latest = permanent ? all.last : all.last(where: { !$0.deleted }) else {
                throw RegistryError.subjectNotFound(subject)
            }
            target = latest
        } else {
            guard version > 0 else {
                throw RegistryError(.invalidVersion, "Version \(version) is invalid: use a positive number or -1.")
            }
            guard let found = all.first(where: { $0.version == version }) else {
                throw RegistryError.versionNotFound(subject, version)
            }
            target = found
        }
        try await requireUnreferenced(subject, target.version)
        if permanent {
            guard target.deleted else {
                throw RegistryError(
                    .versionNotSoftDeleted,
                    "Subject '\(subject)' Version \(target.version) was not deleted first before being permanently deleted."
                )
            }
            _ = try await store.permanentlyDelete(subject: subject, versions: [target.version])
            parsedSchemas.remove(ids: [target.schema.id])
        } else {
            guard !target.deleted else {
                throw RegistryError(
                    .versionSoftDeleted,
                    "Subject '\(subject)' Version \(target.version) was soft deleted. Set permanent=true to delete permanently."
                )
            }
            _ = try await store.softDelete(subject: subject, versions: [target.version])
        }
        return target.version
    }

    private func requireWritable(_ subject: String) async throws {
        if try await effectiveMode(subject: subject) == .readOnly {
            throw RegistryError(.operationNotPermitted, "Subject '\(subject)' is in read-only mode.")
        }
    }

    private func requireUnreferenced(_ subject: String, _ version: Int) async throws {
        let users = try await store.referencingSchemaIDs(subject: subject, version: version)
        guard users.isEmpty else {
            throw RegistryError(
                .referenceExists,
                "Subject '\(subject)' Version \(version) is referenced by schema ids \(users.map(String.init).joined(separator: ", ")) and cannot be deleted."
            )
        }
    }
}
