import SchemaRegistryCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Registrations and deletions, each atomic on the writer connection (a savepoint in a group-committed
/// transaction: see `SQLiteGroupCommit`).
extension SQLiteStore {
    /// Registers a schema under a subject, following the steps documented on `RegistrationWrite`.
    ///
    /// - Throws: `idConflict` when `importID` holds a different schema, or the schema is already
    ///   stored under another id; `invalidVersion` when `importVersion` is below 1 or already used.
    public func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome {
        let encoded = try EncodedRegistration(write)
        return try await self.write { connection in try Self.register(write, encoded: encoded, on: connection) }
    }

    /// The steps of `RegistrationWrite` on the writer connection, inside the caller's savepoint.
    ///
    /// `known` is the view this connection read in the same transaction with nothing written
    /// since (the one-step registration reads it for its context): steps 1 and 2 then take
    /// their answers from it instead of reading them again.
    static func register(
        _ write: RegistrationWrite, encoded: EncodedRegistration, known: RegistrationView? = nil,
        on connection: SQLiteConnection
    ) throws -> RegistrationOutcome {
        // 1. The same schema, live under this subject: nothing to write.
        let match =
            if let known { known.match } else {
                try versionMatching(write.schema, subject: write.subject, includeDeleted: false, on: connection)
            }
        if let existing = match {
            return .existing(id: existing.schema.id, version: existing.version)
        }
        // 2. Soft-deleted versions count towards the highest; permanently deleted ones are gone.
        let highest =
            try known?.newestVersion
            ?? connection.firstRow(
                "SELECT coalesce(max(version), 0) FROM subject_versions WHERE subject = ?", [.text(write.subject)]
            ) { $0.int(0) } ?? 0
        if let expected = write.expectedLatestVersion, expected != highest {
            return .conflict(actualLatestVersion: highest)
        }
        // The version of step 4, checked first so that a refused import writes nothing.
        let version = write.importVersion ?? highest + 1
        if let imported = write.importVersion {
            try checkImportVersion(imported, subject: write.subject, on: connection)
        }
        // 3. The schema's id: found by identity, or assigned.
        let id = try schemaID(for: write, encodedReferences: encoded.references, on: connection)
        // 4. The new version.
        try connection.run(
            """
            INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags, created_at)
            VALUES (?, ?, ?, 0, ?, ?, ?)
            """,
            [
                .text(write.subject), .int(version), .int(id), .text(encoded.metadata), .text(encoded.tags),
                .int(encoded.createdAt),
            ])
        // Only a new version is a change: `.existing` and `.conflict` returned above log nothing.
        try appendChange(.registered, subject: write.subject, versions: [version], schemaID: id, on: connection)
        return .registered(id: id, version: version)
    }

    public func softDelete(subject: String, versions: [Int]) async throws -> [Int] {
        let requested = Array(Set(versions)).sorted()
        let changed = try await write { connection in
            let changed = try requested.filter { version in
                try connection.run(
                    "UPDATE subject_versions SET deleted = 1 WHERE subject = ? AND version = ? AND deleted = 0",
                    [.text(subject), .int(version)]) > 0
            }
            if !changed.isEmpty {
                let live = try connection.firstRow(
                    "SELECT 1 FROM subject_versions WHERE subject = ? AND deleted = 0 LIMIT 1", [.text(subject)]
                ) { _ in true }
                try Self.appendChange(
                    .softDeleted, subject: subject, versions: changed, subjectEmptied: live == nil, on: connection)
            }
            return changed
        }
        return changed
    }

    public func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int] {
        let requested = Array(Set(versions)).sorted()
        let removed = try await write { connection in
            var removed: [Int] = []
            var schemaIDs = Set<SchemaID>()
            for version in requested {
                let found = try connection.firstRow(
                    "SELECT schema_id FROM subject_versions WHERE subject = ? AND version = ?",
                    [.text(subject), .int(version)]
                ) { $0.int(0) }
                guard let id = found else { continue }
                try connection.run(
                    "DELETE FROM subject_versions WHERE subject = ? AND version = ?", [.text(subject), .int(version)])
                removed.append(version)
                schemaIDs.insert(id)
            }
            // Schemas no version uses any more go too; AUTOINCREMENT keeps their ids from being handed out again.
            for id in schemaIDs.sorted() {
                let used =
                    try connection.firstRow(
                        "SELECT 1 FROM subject_versions WHERE schema_id = ? LIMIT 1", [.int(id)]
                    ) { _ in true } ?? false
                if used { continue }
                try connection.run("DELETE FROM schema_references WHERE schema_id = ?", [.int(id)])
                try connection.run("DELETE FROM schemas WHERE id = ?", [.int(id)])
            }
            if !removed.isEmpty {
                let remaining = try connection.firstRow(
                    "SELECT 1 FROM subject_versions WHERE subject = ? LIMIT 1", [.text(subject)]
                ) { _ in true }
                try Self.appendChange(
                    .permanentlyDeleted, subject: subject, versions: removed, subjectEmptied: remaining == nil,
                    on: connection)
            }
            return removed
        }
        return removed
    }

    // MARK: Registration steps

    /// The id of the schema `write` registers: the stored one with the same identity, else a new row.
    private static func schemaID(
        for write: RegistrationWrite, encodedReferences: String, on connection: SQLiteConnection
    ) throws -> SchemaID {
        let identity = write.schema
        if let found = try findSchemaID(identity, on: connection) {
            // An import must keep the ids of the registry it comes from; silently using another would break readers.
            if let imported = write.importID, imported != found {
                throw RegistryError(
                    .idConflict,
                    "Schema is already registered with id \(found), not the imported id \(imported).")
            }
            return found
        }
        if let imported = write.importID {
            guard imported > 0 else {
                throw RegistryError(.idConflict, "Imported schema id \(imported) is not positive.")
            }
            // The identity lookup found nothing, so a row at this id holds a different schema.
            let taken = try connection.firstRow("SELECT 1 FROM schemas WHERE id = ?", [.int(imported)]) { _ in true }
            if taken ?? false {
                throw RegistryError(.idConflict, "Schema id \(imported) already holds a different schema.")
            }
        }
        // An explicit id above the AUTOINCREMENT high-water mark raises it, so later ids stay above it.
        try connection.run(
            "INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs) VALUES (?, ?, ?, ?, ?)",
            [
                write.importID.map { .int($0) } ?? .null, .int(identity.type.rawValue), .text(identity.canonicalText),
                .text(identity.fingerprint), .text(encodedReferences),
            ])
        let id = connection.lastInsertRowID
        for (position, reference) in identity.references.enumerated() {
            try connection.run(
                "INSERT INTO schema_references (schema_id, position, name, subject, version) VALUES (?, ?, ?, ?, ?)",
                [.int(id), .int(position), .text(reference.name), .text(reference.subject), .int(reference.version)])
        }
        return id
    }

    /// The id of the stored schema identical to `identity`, if any.
    private static func findSchemaID(_ identity: SchemaIdentity, on connection: SQLiteConnection) throws -> SchemaID? {
        var found: SchemaID?
        // Fingerprints can collide: the index finds candidates, the full values decide.
        try connection.query(
            "SELECT id, refs FROM schemas WHERE fingerprint = ? AND schema_type = ? AND canonical = ? ORDER BY id",
            [.text(identity.fingerprint), .int(identity.type.rawValue), .text(identity.canonicalText)]
        ) { row in
            if try SQLiteCoding.values.decodeReferences(row.text(1)) == identity.references { found = row.int(0) }
            return found == nil
        }
        return found
    }

    private static func checkImportVersion(_ version: Int, subject: String, on connection: SQLiteConnection) throws {
        guard version > 0 else {
            throw RegistryError(.invalidVersion, "Imported version \(version) is not positive.")
        }
        let exists = try connection.firstRow(
            "SELECT 1 FROM subject_versions WHERE subject = ? AND version = ?", [.text(subject), .int(version)]
        ) { _ in true }
        if exists ?? false {
            throw RegistryError(
                .invalidVersion, "Version \(version) already exists under subject '\(subject)'; it cannot be imported.")
        }
    }
}

/// A registration's columns encoded before it reaches the writer queue: nothing the writer does
/// not need runs on it.
struct EncodedRegistration: Sendable {
    let metadata: String
    let tags: String
    let references: String
    let createdAt: Int

    init(_ write: RegistrationWrite) throws {
        metadata = try SQLiteCoding.values.encode(metadata: write.metadata)
        tags = try SQLiteCoding.values.encode(tags: write.tags)
        references = try SQLiteCoding.values.encode(references: write.schema.references)
        createdAt = Int(Date().timeIntervalSince1970 * 1000)
    }
}
