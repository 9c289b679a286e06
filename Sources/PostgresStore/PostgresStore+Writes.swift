import SchemaRegistryCore

/// Registrations and deletions, each one transaction.
extension PostgresStore {
    /// Registers a schema under a subject, following the steps documented on `RegistrationWrite`.
    ///
    /// Atomic across every instance sharing the database: see the locks taken below.
    ///
    /// - Throws: `idConflict` when `importID` holds a different schema, or the schema is already
    ///   stored under another id; `invalidVersion` when `importVersion` is below 1 or already used.
    public func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome {
        let metadata = try PostgresCoding.values.encode(metadata: write.metadata)
        let tags = try PostgresCoding.values.encode(tags: write.tags)
        let references = try PostgresCoding.values.encode(references: write.schema.references)
        if write.schema.references.isEmpty && write.importID == nil && write.importVersion == nil {
            // The group commit wakes this process's observers once per committed batch.
            return try await registerInOneStatement(write, metadata: metadata, tags: tags, references: references)
        }
        let outcome = try await registerInTransaction(
            write, metadata: metadata, tags: tags, references: references)
        // Committed: this process's observers need not wait for the notification to come back.
        if case .registered = outcome { changeFeed.wakeAll() }
        return outcome
    }

    /// A registration with references or an imported id or version, as one transaction of statements.
    private func registerInTransaction(
        _ write: RegistrationWrite, metadata: String, tags: String, references: String
    ) async throws -> RegistrationOutcome {
        try await self.write { connection in
            // Serialises writers of this subject across every instance. An advisory lock, not a row
            // lock: a new subject has no row to lock yet (and SELECT ... FOR UPDATE on max(version)
            // locks nothing when there are no versions), so two first registrations would both pick
            // version 1. The transaction-level form is released by COMMIT or ROLLBACK, so no error
            // path can leak it. hashtextextended gives a 64-bit key; a collision between two subjects
            // only serialises them needlessly.
            try connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", ["subject:" + write.subject])
            // 1. The same schema, live under this subject: nothing to write.
            if let existing = try Self.versionMatching(
                write.schema, subject: write.subject, includeDeleted: false, on: connection)
            {
                return .existing(id: existing.schema.id, version: existing.version)
            }
            // 2. Soft-deleted versions count towards the highest; permanently deleted ones are gone.
            let highest = try connection.query(
                "SELECT coalesce(max(version), 0) FROM subject_versions WHERE subject = $1::text", [write.subject]
            ).int(0, 0)
            if let expected = write.expectedLatestVersion, expected != highest {
                return .conflict(actualLatestVersion: highest)
            }
            // The version of step 4, checked first so that a refused import writes nothing.
            let version = write.importVersion ?? highest + 1
            if let imported = write.importVersion {
                try Self.checkImportVersion(imported, subject: write.subject, on: connection)
            }
            // 3. The schema's id: found by identity, or assigned.
            let id = try Self.schemaID(for: write, encodedReferences: references, on: connection)
            // 4. The new version.
            try connection.query(
                """
                INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)
                VALUES ($1::text, $2::integer, $3::bigint, false, $4::jsonb, $5::jsonb)
                """, [write.subject, String(version), String(id), metadata, tags])
            // The change last: the change-log lock follows every other lock (PostgresChangeLogMigration).
            try Self.appendChange(
                .registered, subject: write.subject, versions: [version], schemaID: id, on: connection)
            return .registered(id: id, version: version)
        }
    }

    /// The common registration (no references, no imported id or version) as one call of the
    /// `sr_register_unreferenced` function: one round trip and one implicit transaction instead
    /// of about nine statements, which is most of a registration's cost on PostgreSQL; concurrent
    /// ones share that statement (group commit: `PostgresGroupCommit`).
    /// References need the Swift path (identity compares decoded references; they get rows of
    /// their own), and so do imports (their checks have errors of their own).
    private func registerInOneStatement(
        _ write: RegistrationWrite, metadata: String, tags: String, references: String
    ) async throws -> RegistrationOutcome {
        let identity = write.schema
        let answer = try await registrations.register(
            PostgresGroupCommit.Call(
                subject: write.subject, type: identity.type.rawValue, canonical: identity.canonicalText,
                fingerprint: identity.fingerprint, references: references, metadata: metadata, tags: tags,
                expected: write.expectedLatestVersion))
        switch answer.outcome {
        case "registered": return .registered(id: answer.id, version: answer.version)
        case "existing": return .existing(id: answer.id, version: answer.version)
        case "conflict": return .conflict(actualLatestVersion: answer.version)
        case let other: throw RegistryError(.storeError, "postgres: unexpected registration outcome '\(other)'")
        }
    }

    public func softDelete(subject: String, versions: [Int]) async throws -> [Int] {
        let requested = Array(Set(versions)).sorted()
        let changed = try await write { connection in
            // The subject lock of `register`, so that "no live version remains" holds at commit.
            try connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", ["subject:" + subject])
            let changed = try requested.filter { version in
                !(try connection.query(
                    """
                    UPDATE subject_versions SET deleted = true
                    WHERE subject = $1::text AND version = $2::integer AND NOT deleted RETURNING version
                    """, [subject, String(version)]
                ).isEmpty)
            }
            if !changed.isEmpty {
                let live = try connection.query(
                    "SELECT 1 FROM subject_versions WHERE subject = $1::text AND NOT deleted LIMIT 1", [subject])
                try Self.appendChange(
                    .softDeleted, subject: subject, versions: changed, subjectEmptied: live.isEmpty, on: connection)
            }
            return changed
        }
        if !changed.isEmpty { changeFeed.wakeAll() }
        return changed
    }

    public func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int] {
        let requested = Array(Set(versions)).sorted()
        let removed = try await write { connection in
            // The subject lock of `register`: the highest version changes under a registration otherwise.
            try connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", ["subject:" + subject])
            var removed: [Int] = []
            var schemaIDs = Set<SchemaID>()
            for version in requested {
                let rows = try connection.query(
                    "DELETE FROM subject_versions WHERE subject = $1::text AND version = $2::integer RETURNING schema_id",
                    [subject, String(version)])
                guard !rows.isEmpty else { continue }
                removed.append(version)
                schemaIDs.insert(rows.int(0, 0))
            }
            // Schemas no version uses any more go too (their references by cascade); the sequence
            // keeps their ids from being handed out again.
            for id in schemaIDs.sorted() {
                // The fingerprint lock: a registration that just found this schema by identity
                // cannot be between its lookup and its insert while the row is removed.
                try connection.query(
                    """
                    SELECT pg_advisory_xact_lock(hashtextextended('schema:' || fingerprint, 0))
                    FROM schemas WHERE id = $1::bigint
                    """, [String(id)])
                try connection.query(
                    """
                    DELETE FROM schemas s WHERE s.id = $1::bigint
                      AND NOT EXISTS (SELECT 1 FROM subject_versions sv WHERE sv.schema_id = s.id)
                    """, [String(id)])
            }
            if !removed.isEmpty {
                let remaining = try connection.query(
                    "SELECT 1 FROM subject_versions WHERE subject = $1::text LIMIT 1", [subject])
                // Last: after the subject and fingerprint locks above (PostgresChangeLogMigration).
                try Self.appendChange(
                    .permanentlyDeleted, subject: subject, versions: removed, subjectEmptied: remaining.isEmpty,
                    on: connection)
            }
            return removed
        }
        if !removed.isEmpty { changeFeed.wakeAll() }
        return removed
    }

    // MARK: Registration steps

    /// The id of the schema `write` registers: the stored one with the same identity, else a new row.
    private static func schemaID(
        for write: RegistrationWrite, encodedReferences: String, on connection: PostgresConnection
    ) throws -> SchemaID {
        let identity = write.schema
        // The subject lock does not cover two subjects registering the same new schema at once:
        // both would miss it and insert two rows with two ids. A second advisory lock on the
        // fingerprint serialises exactly those, held to commit so the winner's row is visible
        // to the loser's lookup. Chosen over a unique index on (type, fingerprint, md5(canonical),
        // refs) because that would turn the race into a unique violation to catch and retry, and
        // would make the index, not full comparison, the judge of identity. Lock order is always
        // subject then fingerprint, so two registrations cannot deadlock on these locks.
        try connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", ["schema:" + identity.fingerprint])
        if let found = try findSchemaID(identity, on: connection) {
            // An import must keep the ids of the registry it comes from; silently using another would break readers.
            if let imported = write.importID, imported != found {
                throw RegistryError(
                    .idConflict,
                    "Schema is already registered with id \(found), not the imported id \(imported).")
            }
            return found
        }
        let id: SchemaID
        if let imported = write.importID {
            guard imported > 0 else {
                throw RegistryError(.idConflict, "Imported schema id \(imported) is not positive.")
            }
            // The identity lookup found nothing, so a row at this id holds a different schema.
            let taken = try connection.query("SELECT 1 FROM schemas WHERE id = $1::bigint", [String(imported)])
            if !taken.isEmpty {
                throw RegistryError(.idConflict, "Schema id \(imported) already holds a different schema.")
            }
            try insertSchema(id: imported, identity, encodedReferences: encodedReferences, on: connection)
            try raiseSequence(to: imported, on: connection)
            id = imported
        } else {
            id = try insertSchema(id: nil, identity, encodedReferences: encodedReferences, on: connection)
        }
        for (position, reference) in identity.references.enumerated() {
            try connection.query(
                """
                INSERT INTO schema_references (schema_id, position, name, subject, version)
                VALUES ($1::bigint, $2::integer, $3::text, $4::text, $5::integer)
                """, [String(id), String(position), reference.name, reference.subject, String(reference.version)])
        }
        return id
    }

    /// Inserts a schema row with `id`, or the sequence's next value when nil; returns its id.
    @discardableResult
    private static func insertSchema(
        id: SchemaID?, _ identity: SchemaIdentity, encodedReferences: String, on connection: PostgresConnection
    ) throws -> SchemaID {
        try connection.query(
            """
            INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs)
            VALUES (coalesce($1::bigint, nextval('schema_ids')), $2::integer, $3::text, $4::text, $5::text)
            RETURNING id
            """,
            [
                id.map(String.init), String(identity.type.rawValue), identity.canonicalText, identity.fingerprint,
                encodedReferences,
            ]
        ).int(0, 0)
    }

    /// Moves the sequence up to `id` when it is below, so later ids stay above an imported one.
    ///
    /// Sequences are not transactional, so a plain setval could move it back past ids that
    /// concurrent transactions just took: under a lock of its own, the value only ever rises.
    private static func raiseSequence(to id: SchemaID, on connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('schema-registry:schema_ids', 0))")
        try connection.query(
            """
            SELECT setval('schema_ids', $1::bigint)
            WHERE $1::bigint > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM schema_ids)
            """, [String(id)])
    }

    /// The id of the stored schema identical to `identity`, if any.
    private static func findSchemaID(_ identity: SchemaIdentity, on connection: PostgresConnection) throws -> SchemaID?
    {
        // Fingerprints can collide: the index finds candidates, the full values decide.
        let rows = try connection.query(
            """
            SELECT id, refs FROM schemas
            WHERE fingerprint = $1::text AND schema_type = $2::integer AND canonical = $3::text ORDER BY id
            """, [identity.fingerprint, String(identity.type.rawValue), identity.canonicalText])
        for row in 0..<rows.count
        where try PostgresCoding.values.decodeReferences(rows.text(row, 1)) == identity.references {
            return rows.int(row, 0)
        }
        return nil
    }

    private static func checkImportVersion(_ version: Int, subject: String, on connection: PostgresConnection) throws {
        guard version > 0 else {
            throw RegistryError(.invalidVersion, "Imported version \(version) is not positive.")
        }
        let exists = try connection.query(
            "SELECT 1 FROM subject_versions WHERE subject = $1::text AND version = $2::integer",
            [subject, String(version)])
        if !exists.isEmpty {
            throw RegistryError(
                .invalidVersion, "Version \(version) already exists under subject '\(subject)'; it cannot be imported.")
        }
    }
}
