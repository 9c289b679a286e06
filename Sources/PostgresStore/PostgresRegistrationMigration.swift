/// Migration step 6: a registration's context read and its write in ONE call, so a registration
/// of a new subject costs one batched round trip instead of a context read and then a write
/// (issue 19; `PostgresStore.register(_:defaultMode:when:)`, `PostgresGroupCommit`).
///
/// `sr_register_in_context` returns a head row, then (when it did not decide) the context's
/// version rows, each with the columns of `PostgresCoding.versionColumns` from `v_subject` on:
/// - with `p_default_mode` NULL it is `sr_register_unreferenced` with `p_expected` (a write the
///   registry decided after its own read): the head carries the outcome only;
/// - otherwise, under the subject's lock, it reads the subject's and global modes and levels and
///   the newest version number; a subject without any version whose mode (the subject's, the
///   global one, else `p_default_mode`) is READWRITE is registered at once (there is nothing to
///   match and nothing to check against, so the registry's decision can only be to write);
///   anything else is answered `undecided` with the versions holding the schema ('match') and
///   the newest live version ('live'), which is `RegistrationContext`, read after the lock, so
///   what was read is what the write that follows (in a later call) will find.
enum PostgresRegistrationMigration {
    static let step = """
        CREATE FUNCTION sr_register_in_context(
            p_subject text, p_type integer, p_canonical text, p_fingerprint text, p_refs text,
            p_metadata jsonb, p_tags jsonb, p_expected integer, p_default_mode text)
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
                    p_subject, p_type, p_canonical, p_fingerprint, p_refs, p_metadata, p_tags, p_expected) r;
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
                    p_subject, p_type, p_canonical, p_fingerprint, p_refs, p_metadata, p_tags, 0) r;
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
