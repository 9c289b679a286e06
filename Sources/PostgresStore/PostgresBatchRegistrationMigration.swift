/// Migration step 7: a group-committed batch of registrations is ONE call of
/// `sr_register_batch`, which appends the batch's changes at its end (issue 19).
///
/// Why: the batch used to be a statement calling `sr_register_in_context` per element, and each
/// registration appended its change as it went, taking the change-log lock (see
/// `PostgresChangeLogMigration`) at the batch's first registration and holding it to COMMIT. A
/// second batch running at the same time then waited for that lock at its own first
/// registration: the two batches ran one after the other, 195 us of lock wait per registration
/// (`pg_stat_statements`, 8 connections). The batch now registers everything first and appends
/// all its changes in one statement just before COMMIT, so two batches overlap everything but
/// that append and their commits; positions still follow commit order, because the lock is
/// still taken immediately before the positions are drawn and held to COMMIT. Listeners get one
/// notification per batch (they only wake and read the log).
///
/// The statement also became one function call: PostgreSQL planned the old statement (arrays,
/// a lateral call, a lock subquery) anew for every batch, ~280 us each, because a custom plan
/// always looked cheaper than the generic one; a call is planned in microseconds, and the
/// function's own statements keep cached plans.
///
/// `sr_register_unreferenced` and `sr_register_in_context` gain `p_append` (default true, so
/// every other caller is unchanged): false leaves the append to the caller.
enum PostgresBatchRegistrationMigration {
    static let step = """
        DROP FUNCTION sr_register_in_context(text, integer, text, text, text, jsonb, jsonb, integer, text);
        DROP FUNCTION sr_register_unreferenced(text, integer, text, text, text, jsonb, jsonb, integer);

        CREATE FUNCTION sr_register_unreferenced(
            p_subject text, p_type integer, p_canonical text, p_fingerprint text, p_refs text,
            p_metadata jsonb, p_tags jsonb, p_expected integer, p_append boolean DEFAULT true,
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
            -- 3. The id: found by identity (under the fingerprint lock), or assigned. min(), not
            -- ORDER BY id LIMIT 1: with LIMIT, the generic plan walked the primary key, so
            -- PostgreSQL kept planning a custom one for most calls (~60 us each).
            PERFORM pg_advisory_xact_lock(hashtextextended('schema:' || p_fingerprint, 0));
            SELECT min(s.id) INTO o_id FROM schemas s
            WHERE s.fingerprint = p_fingerprint AND s.schema_type = p_type AND s.canonical = p_canonical
              AND s.refs = p_refs;
            IF o_id IS NULL THEN
                INSERT INTO schemas (id, schema_type, canonical, fingerprint, refs)
                VALUES (nextval('schema_ids'), p_type, p_canonical, p_fingerprint, p_refs)
                RETURNING schemas.id INTO o_id;
            END IF;
            -- 4. The new version, and its change unless the caller appends it (the change-log lock last).
            o_version := v_highest + 1;
            INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)
            VALUES (p_subject, o_version, o_id, false, p_metadata, p_tags);
            IF p_append THEN
                PERFORM sr_append_change('registered', p_subject, o_version::text, o_id, false, NULL);
            END IF;
            o_outcome := 'registered';
        END
        $$;

        CREATE FUNCTION sr_register_in_context(
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
            SELECT m.mode INTO o_subject_mode FROM modes m WHERE m.subject = p_subject;
            SELECT m.mode INTO o_global_mode FROM modes m WHERE m.subject = '';
            SELECT c.compatibility INTO o_subject_level FROM config c WHERE c.subject = p_subject;
            SELECT c.compatibility INTO o_global_level FROM config c WHERE c.subject = '';
            SELECT coalesce(max(sv.version), 0) INTO o_newest FROM subject_versions sv WHERE sv.subject = p_subject;
            IF o_newest = 0 AND coalesce(o_subject_mode, o_global_mode, p_default_mode) = 'READWRITE' THEN
                SELECT r.o_outcome, r.o_id, r.o_version INTO o_outcome, o_id, o_version
                FROM sr_register_unreferenced(
                    p_subject, p_type, p_canonical, p_fingerprint, p_refs, p_metadata, p_tags, 0, p_append) r;
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

        -- One group-committed batch: element i of every array is the i-th call of
        -- sr_register_in_context. Its rows come back in call order, each with its call number.
        -- Every lock the batch will take is taken first, subjects then fingerprints, each in key
        -- order: two batches take shared keys in one order and cannot deadlock, and a lone
        -- registration or a delete (a subject, then fingerprints) cannot wait for a batch that
        -- waits for it on a subject (taking a transaction lock again costs nothing). The calls do
        -- not append; the batch appends what they registered, in call order, as its last
        -- statement, so it holds the change-log lock only from there to COMMIT.
        CREATE FUNCTION sr_register_batch(
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
