/// Migration step 8: `sr_register_in_context` in fewer statements (issue 19).
///
/// Why: a registration's function call cost 190-280 us of PostgreSQL CPU in a loop of 1,000,
/// against 8-9 us for pgbench's INSERT measured the same way, because each of its ~13 statements
/// pays executor start-up and shut-down (`standard_ExecutorStart` was 25% of the backend's
/// samples). Two cuts, the same outcome for every input:
/// - The four settings and the newest version are one statement of five index probes, where
///   they were five statements.
/// - A subject with no version at all (the context just read its newest under the subject's
///   lock: 0) and in READWRITE mode registers version 1 right there. It used to call
///   `sr_register_unreferenced`, which took the subject's lock again, looked for the same schema
///   among the subject's live versions (there are none) and read the newest version again (0).
///   What is left is what that function does after those reads, in the same order and under
///   the same locks (the schema's fingerprint lock, the identity lookup or a new id, the version,
///   its change unless the caller appends).
///
/// The signature and the rows are those of step 7, so the batch function and every caller are
/// unchanged.
enum PostgresLeanRegistrationMigration {
    static let step = """
        CREATE OR REPLACE FUNCTION sr_register_in_context(
            p_subject text, p_type integer, p_canonical text, p_fingerprint text, p_refs text,
            p_metadata jsonb, p_tags jsonb, p_expected integer, p_default_mode text, p_append boolean DEFAULT true)
        RETURNS TABLE (
            o_kind text, o_outcome text, o_id bigint, o_version integer,
            o_subject_mode text, o_global_mode text, o_subject_level text, o_global_level text, o_newest integer,
            v_subject text, v_version integer, v_deleted boolean, v_metadata jsonb, v_tags jsonb,
            v_id bigint, v_type integer, v_canonical text, v_refs text)
        LANGUAGE plpgsql AS $$
        BEGIN
            o_kind := 'head';
            IF p_default_mode IS NULL THEN
                SELECT r.o_outcome, r.o_id, r.o_version INTO o_outcome, o_id, o_version
                FROM sr_register_unreferenced(
                    p_subject, p_type, p_canonical, p_fingerprint, p_refs, p_metadata, p_tags, p_expected, p_append) r;
                RETURN NEXT;
                RETURN;
            END IF;
            PERFORM pg_advisory_xact_lock(hashtextextended('subject:' || p_subject, 0));
            SELECT (SELECT m.mode FROM modes m WHERE m.subject = p_subject),
                   (SELECT m.mode FROM modes m WHERE m.subject = ''),
                   (SELECT c.compatibility FROM config c WHERE c.subject = p_subject),
                   (SELECT c.compatibility FROM config c WHERE c.subject = ''),
                   (SELECT coalesce(max(sv.version), 0) FROM subject_versions sv WHERE sv.subject = p_subject)
            INTO o_subject_mode, o_global_mode, o_subject_level, o_global_level, o_newest;
            IF o_newest = 0 AND coalesce(o_subject_mode, o_global_mode, p_default_mode) = 'READWRITE' THEN
                -- No version under the subject, none deleted either: nothing to match, version 1.
                -- The steps of sr_register_unreferenced after its reads (see step 7).
                PERFORM pg_advisory_xact_lock(hashtextextended('schema:' || p_fingerprint, 0));
                SELECT min(s.id) INTO o_id FROM schemas s
                WHERE s.fingerprint = p_fingerprint AND s.schema_type = p_type AND s.canonical = p_canonical
                  AND s.refs = p_refs;
                IF o_id IS NULL THEN
                    INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs)
                    VALUES (nextval('schema_ids'), p_type, p_canonical, p_fingerprint, p_refs)
                    RETURNING schemas.id INTO o_id;
                END IF;
                o_version := 1;
                INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)
                VALUES (p_subject, o_version, o_id, false, p_metadata, p_tags);
                IF p_append THEN
                    PERFORM sr_append_change('registered', p_subject, o_version::text, o_id, false, NULL);
                END IF;
                o_outcome := 'registered';
                RETURN NEXT;
                RETURN;
            END IF;
            o_outcome := 'undecided';
            RETURN NEXT;
            RETURN QUERY
                (SELECT 'match'::text, NULL::text, NULL::bigint, NULL::integer, NULL::text, NULL::text, NULL::text,
                        NULL::text, NULL::integer, sv.subject::text, sv.version, sv.deleted, sv.metadata, sv.tags,
                        s.id, s.schema_type, s.canonical, s.refs
                 FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
                 WHERE sv.subject = p_subject AND NOT sv.deleted
                   AND s.fingerprint = p_fingerprint AND s.schema_type = p_type AND s.canonical = p_canonical
                 ORDER BY sv.version DESC)
                UNION ALL
                (SELECT 'live', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, sv.subject::text, sv.version,
                        sv.deleted, sv.metadata, sv.tags, s.id, s.schema_type, s.canonical, s.refs
                 FROM subject_versions sv JOIN schemas s ON s.id = sv.schema_id
                 WHERE sv.subject = p_subject AND NOT sv.deleted ORDER BY sv.version DESC LIMIT 1);
        END
        $$;
        """
}
