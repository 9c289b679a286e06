/// Migration step 9: a group-committed batch registers a new subject's first version without a
/// nested call of `sr_register_in_context` (issue 19).
///
/// Why: the batch ran each element as `FOR ... IN SELECT ... FROM sr_register_in_context(...)
/// WITH ORDINALITY ORDER BY ...`, a set-returning plpgsql function per element, whose result
/// PostgreSQL materialises and sorts before the loop reads it. `pg_stat_statements` under
/// `sr-benchmark -t register -c 8` put that wrapping statement at 0.49 ms per element against
/// ~0.32 ms for the statements inside it. The commonest element, a subject without any version
/// in READWRITE (the batch holds the subject's lock from its start), now reads the context and
/// registers in the batch's own body, through `sr_register_first_version`, a plain function
/// that `sr_register_in_context` uses for the same case, so the steps exist once. Every other
/// element goes through `sr_register_in_context` as before. Signatures and rows are unchanged.
enum PostgresBatchFastPathMigration {
    static let step = """
        -- Version 1 of a subject that has no version at all, under the subject lock the caller
        -- holds: the steps of sr_register_unreferenced after its reads (the schema's fingerprint
        -- lock, the identity lookup or a new id, the version, its change unless the caller appends).
        CREATE FUNCTION sr_register_first_version(
            p_subject text, p_type integer, p_canonical text, p_fingerprint text, p_refs text,
            p_metadata jsonb, p_tags jsonb, p_append boolean)
        RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            v_id bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended('schema:' || p_fingerprint, 0));
            SELECT min(s.id) INTO v_id FROM schemas s
            WHERE s.fingerprint = p_fingerprint AND s.schema_type = p_type AND s.canonical = p_canonical
              AND s.refs = p_refs;
            IF v_id IS NULL THEN
                INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs)
                VALUES (nextval('schema_ids'), p_type, p_canonical, p_fingerprint, p_refs)
                RETURNING schemas.id INTO v_id;
            END IF;
            INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)
            VALUES (p_subject, 1, v_id, false, p_metadata, p_tags);
            IF p_append THEN
                PERFORM sr_append_change('registered', p_subject, '1', v_id, false, NULL);
            END IF;
            RETURN v_id;
        END
        $$;

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
                o_id := sr_register_first_version(
                    p_subject, p_type, p_canonical, p_fingerprint, p_refs, p_metadata, p_tags, p_append);
                o_version := 1;
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

        -- As in step 7 (locks first, calls in element order, the changes appended at the end),
        -- with the first version of a subject without any version registered in this body.
        CREATE OR REPLACE FUNCTION sr_register_batch(
            p_subject text[], p_type integer[], p_canonical text[], p_fingerprint text[], p_refs text[],
            p_metadata jsonb[], p_tags jsonb[], p_expected integer[], p_default_mode text[])
        RETURNS TABLE (
            o_kind text, o_outcome text, o_id bigint, o_version integer,
            o_subject_mode text, o_global_mode text, o_subject_level text, o_global_level text, o_newest integer,
            v_subject text, v_version integer, v_deleted boolean, v_metadata jsonb, v_tags jsonb,
            v_id bigint, v_type integer, v_canonical text, v_refs text, o_call integer)
        LANGUAGE plpgsql AS $$
        DECLARE
            v_logged_subjects text[] := '{}';
            v_logged_versions integer[] := '{}';
            v_logged_ids bigint[] := '{}';
            v_last bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(k.key) FROM (
                SELECT DISTINCT 0 AS stage, hashtextextended('subject:' || s, 0) AS key FROM unnest(p_subject) s
                UNION SELECT 1, hashtextextended('schema:' || f, 0) FROM unnest(p_fingerprint) f
                ORDER BY stage, key
            ) k;
            FOR i IN 1 .. coalesce(cardinality(p_subject), 0) LOOP
                o_call := i;
                IF p_default_mode[i] IS NOT NULL THEN
                    -- sr_register_in_context's context read and its first-version case, in place
                    -- (this batch holds the subject's lock since its first statement).
                    SELECT (SELECT m.mode FROM modes m WHERE m.subject = p_subject[i]),
                           (SELECT m.mode FROM modes m WHERE m.subject = ''),
                           (SELECT c.compatibility FROM config c WHERE c.subject = p_subject[i]),
                           (SELECT c.compatibility FROM config c WHERE c.subject = ''),
                           (SELECT coalesce(max(sv.version), 0) FROM subject_versions sv
                            WHERE sv.subject = p_subject[i])
                    INTO o_subject_mode, o_global_mode, o_subject_level, o_global_level, o_newest;
                    IF o_newest = 0
                        AND coalesce(o_subject_mode, o_global_mode, p_default_mode[i]) = 'READWRITE'
                    THEN
                        o_kind := 'head';
                        o_outcome := 'registered';
                        o_id := sr_register_first_version(p_subject[i], p_type[i], p_canonical[i],
                            p_fingerprint[i], p_refs[i], p_metadata[i], p_tags[i], false);
                        o_version := 1;
                        v_subject := NULL; v_version := NULL; v_deleted := NULL; v_metadata := NULL;
                        v_tags := NULL; v_id := NULL; v_type := NULL; v_canonical := NULL; v_refs := NULL;
                        RETURN NEXT;
                        v_logged_subjects := v_logged_subjects || p_subject[i];
                        v_logged_versions := v_logged_versions || o_version;
                        v_logged_ids := v_logged_ids || o_id;
                        CONTINUE;
                    END IF;
                END IF;
                FOR o_kind, o_outcome, o_id, o_version, o_subject_mode, o_global_mode, o_subject_level,
                    o_global_level, o_newest, v_subject, v_version, v_deleted, v_metadata, v_tags, v_id, v_type,
                    v_canonical, v_refs IN
                    SELECT r.o_kind, r.o_outcome, r.o_id, r.o_version, r.o_subject_mode, r.o_global_mode,
                        r.o_subject_level, r.o_global_level, r.o_newest, r.v_subject, r.v_version, r.v_deleted,
                        r.v_metadata, r.v_tags, r.v_id, r.v_type, r.v_canonical, r.v_refs
                    FROM sr_register_in_context(p_subject[i], p_type[i], p_canonical[i], p_fingerprint[i], p_refs[i],
                        p_metadata[i], p_tags[i], p_expected[i], p_default_mode[i], false) WITH ORDINALITY r
                    ORDER BY r.ordinality
                LOOP
                    RETURN NEXT;
                    IF o_kind = 'head' AND o_outcome = 'registered' THEN
                        v_logged_subjects := v_logged_subjects || p_subject[i];
                        v_logged_versions := v_logged_versions || o_version;
                        v_logged_ids := v_logged_ids || o_id;
                    END IF;
                END LOOP;
            END LOOP;
            IF cardinality(v_logged_subjects) > 0 THEN
                PERFORM pg_advisory_xact_lock(hashtextextended('schema-registry:change-log', 0));
                WITH appended AS (
                    INSERT INTO changes (kind, subject, versions, schema_id, subject_emptied, setting)
                    SELECT 'registered', u.subject, u.version::text, u.id, false, NULL
                    FROM unnest(v_logged_subjects, v_logged_versions, v_logged_ids) WITH ORDINALITY
                        AS u(subject, version, id, n)
                    ORDER BY u.n
                    RETURNING position
                )
                SELECT max(position) INTO v_last FROM appended;
                PERFORM pg_notify('sr_changes', v_last::text);
            END IF;
        END
        $$;
        """
}
