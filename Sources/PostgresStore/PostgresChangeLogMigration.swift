/// Migration step 5: the change log (issue 20). A database that already had data starts with
/// an empty log.
///
/// Why positions follow commit order across transactions and instances: every appender takes
/// the transaction-scoped advisory lock `schema-registry:change-log` (in `sr_append_change`)
/// immediately before it draws positions, and holds it until COMMIT or ROLLBACK. Two
/// appending transactions therefore hold it one after the other: the second draws its
/// positions only after the first has committed (PostgreSQL marks a transaction committed and
/// visible before releasing its locks), so its positions are all higher and its commit later.
/// Hence a reader that sees position p already sees every committed position below p, and no
/// transaction can later commit a position below p. (The identity sequence alone would not do:
/// nextval is taken at insert time, and a transaction that drew a lower number could commit
/// after one that drew a higher.) Rolled-back transactions leave gaps; readers ask for "after p".
///
/// The lock is always the LAST lock an appending transaction takes: after the subject and
/// fingerprint locks (registrations, permanent deletes, group-committed batches that take all
/// theirs up front), so lock order stays subject -> fingerprint -> change log everywhere and
/// nothing waits for a lock while holding this one that a waiter for this one holds.
///
/// `pg_notify('sr_changes', <position>)` in the same transaction is delivered at commit to every
/// session that LISTENs (other instances). NOTIFY already serialises the commits of notifying
/// transactions (a global lock on the notification queue taken in pre-commit), so appenders
/// were one-at-a-time at commit anyway: the change-log lock widens that window to the few
/// statements between the append and COMMIT, which is small.
enum PostgresChangeLogMigration {
    static let step = """
        CREATE TABLE changes (
            position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind text NOT NULL,
            subject text,
            versions text NOT NULL,
            schema_id bigint,
            subject_emptied boolean NOT NULL DEFAULT false,
            setting text
        );
        -- One row: the log's id (made once, for the life of the database) and the horizon.
        CREATE TABLE change_log (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            log_id text NOT NULL,
            horizon bigint NOT NULL DEFAULT 0
        );
        INSERT INTO change_log (log_id) VALUES (gen_random_uuid()::text);

        -- Appends one change: takes the change-log lock (see PostgresChangeLogMigration), then
        -- draws the position, and notifies listeners (delivered at commit).
        CREATE FUNCTION sr_append_change(
            p_kind text, p_subject text, p_versions text, p_schema_id bigint, p_emptied boolean, p_setting text)
        RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            v_position bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended('schema-registry:change-log', 0));
            INSERT INTO changes (kind, subject, versions, schema_id, subject_emptied, setting)
            VALUES (p_kind, p_subject, p_versions, p_schema_id, p_emptied, p_setting)
            RETURNING position INTO v_position;
            PERFORM pg_notify('sr_changes', v_position::text);
            RETURN v_position;
        END
        $$;

        -- Step 2's function, appending a change when (and only when) it adds a version.
        CREATE OR REPLACE FUNCTION sr_register_unreferenced(
            p_subject text, p_type integer, p_canonical text, p_fingerprint text, p_refs text,
            p_metadata jsonb, p_tags jsonb, p_expected integer,
            OUT o_outcome text, OUT o_id bigint, OUT o_version integer)
        LANGUAGE plpgsql AS $$
        DECLARE
            v_highest integer;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended('subject:' || p_subject, 0));
            -- 1. The same schema, live under this subject: nothing to write (nothing logged).
            SELECT sv.schema_id, sv.version INTO o_id, o_version
            FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
            WHERE sv.subject = p_subject AND NOT sv.deleted AND s.fingerprint = p_fingerprint
              AND s.schema_type = p_type AND s.canonical = p_canonical AND s.refs = p_refs
            ORDER BY sv.version DESC LIMIT 1;
            IF FOUND THEN
                o_outcome := 'existing';
                RETURN;
            END IF;
            -- 2. The expected latest version (soft-deleted versions count).
            SELECT coalesce(max(sv.version), 0) INTO v_highest FROM subject_versions sv WHERE sv.subject = p_subject;
            IF p_expected IS NOT NULL AND p_expected <> v_highest THEN
                o_outcome := 'conflict';
                o_id := 0;
                o_version := v_highest;
                RETURN;
            END IF;
            -- 3. The id: found by identity (under the fingerprint lock), or assigned.
            PERFORM pg_advisory_xact_lock(hashtextextended('schema:' || p_fingerprint, 0));
            SELECT s.id INTO o_id FROM schemas s
            WHERE s.fingerprint = p_fingerprint AND s.schema_type = p_type AND s.canonical = p_canonical
              AND s.refs = p_refs
            ORDER BY s.id LIMIT 1;
            IF NOT FOUND THEN
                INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs)
                VALUES (nextval('schema_ids'), p_type, p_canonical, p_fingerprint, p_refs)
                RETURNING schemas.id INTO o_id;
            END IF;
            -- 4. The new version, and its change (the change-log lock last).
            o_version := v_highest + 1;
            INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)
            VALUES (p_subject, o_version, o_id, false, p_metadata, p_tags);
            PERFORM sr_append_change('registered', p_subject, o_version::text, o_id, false, NULL);
            o_outcome := 'registered';
        END
        $$;
        """
}
