/* Integration tests against a live `schema-registry serve` ($SCHEMA_REGISTRY_BIN), real
 * sockets, no mocks. Every wait has a timeout, so a bug fails a check instead of hanging;
 * nothing asserts on durations. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "server.h"
#include "srclient.h"

static test_server main_server;

static const char *USER_V1 =
    "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"name\",\"type\":\"string\"}]}";
/* A new field without a default: not BACKWARD compatible with v1. */
static const char *USER_BAD =
    "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"}]}";

static sr_client *connect_to(int port, int lz4) {
    sr_options *o = sr_options_new();
    sr_options_set_port(o, port);
    sr_options_set_compression(o, lz4);
    sr_options_set_call_timeout_ms(o, 20000);
    sr_options_set_api_key(o, "test-key");
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    return c;
}

static uint32_t register_schema(sr_client *c, const char *subject, const char *schema) {
    Srp__RegisterSchemaRequest req = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    req.subject = (char *)subject;
    req.schema = (char *)schema;
    sr_reply *r = sr_register_schema(c, &req, SR_TIMEOUT_DEFAULT);
    CHECKF(r && sr_reply_status(r) == SR_STATUS_OK, "register %s: %s %s", subject,
           r ? sr_status_name(sr_reply_status(r)) : sr_client_errstr(c), r ? sr_reply_error_message(r) : "");
    const Srp__RegisterSchemaResponse *resp =
        r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
    uint32_t id = resp ? resp->id : 0;
    sr_reply_free(r);
    return id;
}

static void test_handshake_negotiates_limits_and_lz4(void) {
    sr_client *c = connect_to(main_server.port, 1);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    CHECK(sr_client_is_connected(c));
    CHECK(sr_client_lz4(c) == 1);
    CHECK(sr_client_max_frame_size(c) == 4194304);
    CHECK(sr_client_max_in_flight(c) > 0);
    CHECK(strlen(sr_client_server_id(c)) > 0);
    sr_client_free(c);
    c = connect_to(main_server.port, 0);
    CHECK(sr_client_err(c) == SR_OK && sr_client_lz4(c) == 0);
    sr_client_free(c);
}

static void test_every_rpc(void) {
    sr_client *c = connect_to(main_server.port, 1);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    sr_reply *r;

    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    ping.payload.data = (uint8_t *)"hi";
    ping.payload.len = 2;
    r = sr_ping(c, &ping, SR_TIMEOUT_DEFAULT);
    const Srp__PingResponse *pong = r ? SR_REPLY_AS(r, Srp__PingResponse, SR_METHOD_PING) : NULL;
    CHECK(pong && pong->payload.len == 2 && memcmp(pong->payload.data, "hi", 2) == 0);
    sr_reply_free(r);

    Srp__ServerInfoRequest info = SRP__SERVER_INFO_REQUEST__INIT;
    r = sr_server_info(c, &info, SR_TIMEOUT_DEFAULT);
    const Srp__ServerInfoResponse *si = r ? SR_REPLY_AS(r, Srp__ServerInfoResponse, SR_METHOD_SERVER_INFO) : NULL;
    CHECK(si && !strcmp(si->store, "sqlite"));
    sr_reply_free(r);

    uint32_t id = register_schema(c, "rpc-users", USER_V1);
    CHECK(id > 0);

    Srp__GetSchemaByIdRequest by_id = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    by_id.id = id;
    r = sr_get_schema_by_id(c, &by_id, SR_TIMEOUT_DEFAULT);
    const Srp__GetSchemaByIdResponse *s = r ? SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID) : NULL;
    CHECK(s && s->schema && s->schema->id == id && strstr(s->schema->schema, "User"));
    sr_reply_free(r);

    by_id.id = 987654;
    r = sr_get_schema_by_id(c, &by_id, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_SCHEMA_NOT_FOUND && strlen(sr_reply_error_message(r)) > 0);
    CHECK(r && sr_reply_message(r) == NULL);
    CHECK(r && !strcmp(sr_status_name(sr_reply_status(r)), "SCHEMA_NOT_FOUND"));
    sr_reply_free(r);

    Srp__GetSchemasByIdsRequest by_ids = SRP__GET_SCHEMAS_BY_IDS_REQUEST__INIT;
    uint32_t ids[] = {id, 987654};
    by_ids.ids = ids;
    by_ids.n_ids = 2;
    r = sr_get_schemas_by_ids(c, &by_ids, SR_TIMEOUT_DEFAULT);
    const Srp__GetSchemasByIdsResponse *many =
        r ? SR_REPLY_AS(r, Srp__GetSchemasByIdsResponse, SR_METHOD_GET_SCHEMAS_BY_IDS) : NULL;
    CHECK(many && many->n_schemas == 1 && many->n_missing_ids == 1 && many->missing_ids[0] == 987654);
    sr_reply_free(r);

    Srp__GetSubjectVersionsByIdRequest sv = SRP__GET_SUBJECT_VERSIONS_BY_ID_REQUEST__INIT;
    sv.id = id;
    r = sr_get_subject_versions_by_id(c, &sv, SR_TIMEOUT_DEFAULT);
    const Srp__GetSubjectVersionsByIdResponse *svr =
        r ? SR_REPLY_AS(r, Srp__GetSubjectVersionsByIdResponse, SR_METHOD_GET_SUBJECT_VERSIONS_BY_ID) : NULL;
    CHECK(svr && svr->n_subject_versions == 1 && !strcmp(svr->subject_versions[0]->subject, "rpc-users"));
    sr_reply_free(r);

    Srp__GetSchemaByVersionRequest latest = SRP__GET_SCHEMA_BY_VERSION_REQUEST__INIT;
    latest.subject = "rpc-users";
    latest.version = -1;
    r = sr_get_schema_by_version(c, &latest, SR_TIMEOUT_DEFAULT);
    const Srp__GetSchemaByVersionResponse *lv =
        r ? SR_REPLY_AS(r, Srp__GetSchemaByVersionResponse, SR_METHOD_GET_SCHEMA_BY_VERSION) : NULL;
    CHECK(lv && lv->schema && lv->schema->version == 1 && lv->schema->id == id);
    sr_reply_free(r);

    Srp__LookupSchemaRequest lookup = SRP__LOOKUP_SCHEMA_REQUEST__INIT;
    lookup.subject = "rpc-users";
    lookup.schema = (char *)USER_V1;
    r = sr_lookup_schema(c, &lookup, SR_TIMEOUT_DEFAULT);
    const Srp__LookupSchemaResponse *lk = r ? SR_REPLY_AS(r, Srp__LookupSchemaResponse, SR_METHOD_LOOKUP_SCHEMA) : NULL;
    CHECK(lk && lk->schema && lk->schema->id == id);
    sr_reply_free(r);

    Srp__ListSubjectsRequest subjects = SRP__LIST_SUBJECTS_REQUEST__INIT;
    subjects.prefix = "rpc-";
    r = sr_list_subjects(c, &subjects, SR_TIMEOUT_DEFAULT);
    const Srp__ListSubjectsResponse *ls = r ? SR_REPLY_AS(r, Srp__ListSubjectsResponse, SR_METHOD_LIST_SUBJECTS) : NULL;
    CHECK(ls && ls->n_subjects == 1 && !strcmp(ls->subjects[0], "rpc-users"));
    sr_reply_free(r);

    Srp__ListVersionsRequest versions = SRP__LIST_VERSIONS_REQUEST__INIT;
    versions.subject = "rpc-users";
    r = sr_list_versions(c, &versions, SR_TIMEOUT_DEFAULT);
    const Srp__ListVersionsResponse *lvs = r ? SR_REPLY_AS(r, Srp__ListVersionsResponse, SR_METHOD_LIST_VERSIONS) : NULL;
    CHECK(lvs && lvs->n_versions == 1 && lvs->versions[0] == 1);
    sr_reply_free(r);

    Srp__SearchSchemasRequest search = SRP__SEARCH_SCHEMAS_REQUEST__INIT;
    search.text = "User";
    search.subject_prefix = "rpc-";
    r = sr_search_schemas(c, &search, SR_TIMEOUT_DEFAULT);
    const Srp__SearchSchemasResponse *ss = r ? SR_REPLY_AS(r, Srp__SearchSchemasResponse, SR_METHOD_SEARCH_SCHEMAS) : NULL;
    CHECK(ss && ss->n_results == 1);
    sr_reply_free(r);

    Srp__CheckCompatibilityRequest compat = SRP__CHECK_COMPATIBILITY_REQUEST__INIT;
    compat.subject = "rpc-users";
    compat.schema = (char *)USER_BAD;
    compat.version = -1;
    compat.verbose = 1;
    r = sr_check_compatibility(c, &compat, SR_TIMEOUT_DEFAULT);
    const Srp__CheckCompatibilityResponse *cc =
        r ? SR_REPLY_AS(r, Srp__CheckCompatibilityResponse, SR_METHOD_CHECK_COMPATIBILITY) : NULL;
    CHECK(cc && !cc->is_compatible && cc->n_messages > 0);
    sr_reply_free(r);

    /* Registering it anyway: 40901 with the reasons in details. */
    Srp__RegisterSchemaRequest bad = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    bad.subject = "rpc-users";
    bad.schema = (char *)USER_BAD;
    r = sr_register_schema(c, &bad, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_INCOMPATIBLE);
    CHECK(r && sr_reply_error_detail_count(r) > 0 && sr_reply_error_detail(r, 0) != NULL);
    sr_reply_free(r);

    Srp__ValidatePayloadRequest validate = SRP__VALIDATE_PAYLOAD_REQUEST__INIT;
    validate.target_case = SRP__VALIDATE_PAYLOAD_REQUEST__TARGET_ID;
    validate.id = id;
    validate.payload.data = (uint8_t *)"{\"id\":1,\"name\":\"a\"}";
    validate.payload.len = strlen((char *)validate.payload.data);
    r = sr_validate_payload(c, &validate, SR_TIMEOUT_DEFAULT);
    const Srp__ValidatePayloadResponse *vp =
        r ? SR_REPLY_AS(r, Srp__ValidatePayloadResponse, SR_METHOD_VALIDATE_PAYLOAD) : NULL;
    CHECK(vp && vp->valid);
    sr_reply_free(r);
    validate.payload.data = (uint8_t *)"{\"id\":\"x\"}";
    validate.payload.len = strlen((char *)validate.payload.data);
    r = sr_validate_payload(c, &validate, SR_TIMEOUT_DEFAULT);
    vp = r ? SR_REPLY_AS(r, Srp__ValidatePayloadResponse, SR_METHOD_VALIDATE_PAYLOAD) : NULL;
    CHECK(vp && !vp->valid && vp->n_errors > 0);
    sr_reply_free(r);

    Srp__SetConfigRequest set_config = SRP__SET_CONFIG_REQUEST__INIT;
    set_config.subject = "rpc-users";
    set_config.compatibility = SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL;
    r = sr_set_config(c, &set_config, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
    Srp__GetConfigRequest get_config = SRP__GET_CONFIG_REQUEST__INIT;
    get_config.subject = "rpc-users";
    r = sr_get_config(c, &get_config, SR_TIMEOUT_DEFAULT);
    const Srp__GetConfigResponse *gc = r ? SR_REPLY_AS(r, Srp__GetConfigResponse, SR_METHOD_GET_CONFIG) : NULL;
    CHECK(gc && gc->compatibility == SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL);
    sr_reply_free(r);
    Srp__DeleteConfigRequest delete_config = SRP__DELETE_CONFIG_REQUEST__INIT;
    delete_config.subject = "rpc-users";
    r = sr_delete_config(c, &delete_config, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);

    Srp__SetModeRequest set_mode = SRP__SET_MODE_REQUEST__INIT;
    set_mode.subject = "rpc-users";
    set_mode.mode = SRP__MODE__MODE_READONLY;
    r = sr_set_mode(c, &set_mode, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
    Srp__GetModeRequest get_mode = SRP__GET_MODE_REQUEST__INIT;
    get_mode.subject = "rpc-users";
    r = sr_get_mode(c, &get_mode, SR_TIMEOUT_DEFAULT);
    const Srp__GetModeResponse *gm = r ? SR_REPLY_AS(r, Srp__GetModeResponse, SR_METHOD_GET_MODE) : NULL;
    CHECK(gm && gm->mode == SRP__MODE__MODE_READONLY);
    sr_reply_free(r);
    set_mode.mode = SRP__MODE__MODE_READWRITE;
    r = sr_set_mode(c, &set_mode, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);

    /* API keys: listing works on a server without keys; revoking an unknown id is 40410.
       (No key is created: the server would then require keys of every later test.) */
    Srp__ListApiKeysRequest list_keys = SRP__LIST_API_KEYS_REQUEST__INIT;
    r = sr_list_api_keys(c, &list_keys, SR_TIMEOUT_DEFAULT);
    const Srp__ListApiKeysResponse *keys = r ? SR_REPLY_AS(r, Srp__ListApiKeysResponse, SR_METHOD_LIST_API_KEYS) : NULL;
    CHECK(keys && keys->n_keys == 0);
    sr_reply_free(r);
    Srp__RevokeApiKeyRequest revoke_key = SRP__REVOKE_API_KEY_REQUEST__INIT;
    revoke_key.id = "000000000000";
    r = sr_revoke_api_key(c, &revoke_key, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == 40410);
    sr_reply_free(r);

    Srp__DeleteVersionRequest delete_version = SRP__DELETE_VERSION_REQUEST__INIT;
    delete_version.subject = "rpc-users";
    delete_version.version = 1;
    r = sr_delete_version(c, &delete_version, SR_TIMEOUT_DEFAULT);
    const Srp__DeleteVersionResponse *dv = r ? SR_REPLY_AS(r, Srp__DeleteVersionResponse, SR_METHOD_DELETE_VERSION) : NULL;
    CHECK(dv && dv->version == 1);
    sr_reply_free(r);

    register_schema(c, "rpc-orders", USER_V1);
    Srp__DeleteSubjectRequest delete_subject = SRP__DELETE_SUBJECT_REQUEST__INIT;
    delete_subject.subject = "rpc-orders";
    r = sr_delete_subject(c, &delete_subject, SR_TIMEOUT_DEFAULT);
    const Srp__DeleteSubjectResponse *ds = r ? SR_REPLY_AS(r, Srp__DeleteSubjectResponse, SR_METHOD_DELETE_SUBJECT) : NULL;
    CHECK(ds && ds->n_versions == 1);
    sr_reply_free(r);

    /* Misuse is an argument error, not a crash or a frame on the wire. */
    CHECK(sr_call(c, 99, &ping.base, SR_TIMEOUT_DEFAULT) == NULL && sr_client_err(c) == SR_ERR_ARGUMENT);
    CHECK(sr_call(c, SR_METHOD_GET_SCHEMA_BY_ID, &ping.base, SR_TIMEOUT_DEFAULT) == NULL &&
          sr_client_err(c) == SR_ERR_ARGUMENT);
    CHECK(sr_client_is_connected(c));
    sr_client_free(c);
}

static void test_pipelining_10000_requests_on_one_connection(void) {
    sr_client *c = connect_to(main_server.port, 1);
    uint32_t id = register_schema(c, "pipeline", USER_V1);
    enum { N = 10000 };
    static unsigned char seen[N + 1];
    memset(seen, 0, sizeof seen);
    uint32_t first = 0;
    Srp__GetSchemaByIdRequest req = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    req.id = id;
    for (int i = 0; i < N; i++) {
        uint32_t rid;
        CHECK(sr_append(c, SR_METHOD_GET_SCHEMA_BY_ID, &req.base, &rid) == SR_OK);
        if (i == 0) first = rid;
    }
    CHECK(sr_pending(c) == N);
    int ok = 0, replies = 0, duplicates = 0;
    for (int i = 0; i < N; i++) {
        sr_reply *r = NULL;
        int err = sr_get_reply(c, 20000, &r);
        if (err) {
            CHECKF(0, "after %d replies: %s", replies, sr_client_errstr(c));
            break;
        }
        replies++;
        uint32_t index = sr_reply_request_id(r) - first;
        if (index < N) {
            duplicates += seen[index];
            seen[index] = 1;
        }
        if (sr_reply_status(r) == SR_STATUS_OK && sr_reply_message(r)) ok++;
        sr_reply_free(r);
    }
    CHECKF(ok == N, "%d of %d OK", ok, N);
    CHECK(duplicates == 0);
    CHECK(sr_pending(c) == 0);
    sr_reply *none = NULL;
    CHECK(sr_get_reply(c, 1000, &none) == SR_ERR_NO_SUCH_REQUEST && none == NULL);

    /* Any order: take 100 replies newest first by id. */
    uint32_t ids[100];
    for (int i = 0; i < 100; i++) sr_append(c, SR_METHOD_GET_SCHEMA_BY_ID, &req.base, &ids[i]);
    int matched = 0;
    for (int i = 99; i >= 0; i--) {
        sr_reply *r = NULL;
        if (sr_get_reply_for(c, ids[i], 20000, &r) == SR_OK && sr_reply_request_id(r) == ids[i]) matched++;
        sr_reply_free(r);
    }
    CHECK(matched == 100);
    sr_client_free(c);
}

static char *big_schema(size_t fields) {
    size_t cap = 64 + fields * 120;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "{\"type\":\"record\",\"name\":\"Big\",\"fields\":[");
    for (size_t i = 0; i < fields; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s{\"name\":\"field_%zu\",\"type\":\"string\",\"doc\":\"field number %zu\"}",
                              i ? "," : "", i, i);
    snprintf(s + n, cap - n, "]}");
    return s;
}

static void test_compression_both_directions(void) {
    char *schema = big_schema(80); /* several KiB of text */
    for (int lz4 = 1; lz4 >= 0; lz4--) {
        sr_client *c = connect_to(main_server.port, lz4);
        uint64_t sent = sr_client_stat(c, SR_STAT_LZ4_FRAMES_SENT);
        uint32_t id = register_schema(c, lz4 ? "big-lz4" : "big-plain", schema);
        CHECK(id > 0);
        CHECK((sr_client_stat(c, SR_STAT_LZ4_FRAMES_SENT) > sent) == lz4);
        uint64_t received = sr_client_stat(c, SR_STAT_LZ4_FRAMES_RECEIVED);
        Srp__GetSchemaByIdRequest req = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
        req.id = id;
        sr_reply *r = sr_get_schema_by_id(c, &req, SR_TIMEOUT_DEFAULT);
        const Srp__GetSchemaByIdResponse *s =
            r ? SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID) : NULL;
        CHECK(s && s->schema && strlen(s->schema->schema) > 1000 && strstr(s->schema->schema, "field_79"));
        CHECKF((sr_client_stat(c, SR_STAT_LZ4_FRAMES_RECEIVED) > received) == lz4, "lz4=%d", lz4);
        sr_reply_free(r);
        sr_client_free(c);
    }
    free(schema);
}

static void test_throttling_surfaced_and_retried(void) {
    test_server s;
    const char *extra[] = {"--set", "token-rate=20", "--set", "token-burst=5", NULL};
    CHECK(test_server_start(&s, extra) == 0);
    if (!s.pid) return;
    sr_client *c = connect_to(s.port, 1);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    enum { N = 20 };
    for (int i = 0; i < N; i++) sr_append(c, SR_METHOD_PING, &ping.base, NULL);
    int throttled = 0, ok = 0, with_retry_after = 0;
    for (int i = 0; i < N; i++) {
        sr_reply *r = NULL;
        if (sr_get_reply(c, 20000, &r)) {
            CHECKF(0, "%s", sr_client_errstr(c));
            break;
        }
        if (sr_reply_status(r) == SR_STATUS_THROTTLED) {
            throttled++;
            with_retry_after += sr_reply_retry_after_ms(r) > 0;
        } else if (sr_reply_status(r) == SR_STATUS_OK) {
            ok++;
        }
        sr_reply_free(r);
    }
    CHECKF(throttled > 0 && with_retry_after == throttled, "throttled %d, with retry-after %d", throttled,
           with_retry_after);
    CHECK(ok + throttled == N);
    CHECK(sr_client_stat(c, SR_STAT_THROTTLED) == (uint64_t)throttled);
    sr_client_free(c);

    /* With automatic retries the blocking calls all end OK. */
    sr_options *o = sr_options_new();
    sr_options_set_port(o, s.port);
    sr_options_set_throttle_retries(o, 50);
    c = sr_connect(o);
    sr_options_free(o);
    int all_ok = 1;
    for (int i = 0; i < 12; i++) {
        sr_reply *r = sr_ping(c, &ping, 20000);
        if (!r || sr_reply_status(r) != SR_STATUS_OK) all_ok = 0;
        sr_reply_free(r);
    }
    CHECK(all_ok);
    CHECK(sr_client_stat(c, SR_STAT_THROTTLED) > 0);
    sr_client_free(c);
    test_server_stop(&s, SIGTERM);
}

static void test_timeout_then_connection_still_usable(void) {
    test_server s;
    CHECK(test_server_start(&s, NULL) == 0);
    if (!s.pid) return;
    sr_client *c = connect_to(s.port, 1);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    kill(s.pid, SIGSTOP); /* a server that does not answer */
    sr_reply *r = sr_ping(c, &ping, 300);
    CHECK(r == NULL && sr_client_err(c) == SR_ERR_TIMEOUT);
    CHECK(sr_client_is_connected(c));
    kill(s.pid, SIGCONT);
    r = sr_ping(c, &ping, 20000); /* the late answer to the first ping is dropped, not returned */
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK && sr_client_err(c) == SR_OK);
    sr_reply_free(r);
    CHECK(sr_pending(c) == 0);
    CHECK(sr_client_reconnect(c) == SR_OK && sr_client_is_connected(c));
    CHECK(sr_client_stat(c, SR_STAT_RECONNECTS) == 1);
    r = sr_ping(c, &ping, 20000);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
    sr_client_free(c);
    test_server_stop(&s, SIGTERM);
}

/* The server goes away with thousands of requests in flight: every wait ends (a reply or
 * a clean error), none hangs, and the client says why. */
static void server_goes_away(int sig) {
    test_server s;
    CHECK(test_server_start(&s, NULL) == 0);
    if (!s.pid) return;
    sr_options *o = sr_options_new();
    sr_options_set_port(o, s.port);
    sr_client *c = sr_connect(o);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    enum { N = 10000 };
    for (int i = 0; i < N; i++) sr_append(c, SR_METHOD_PING, &ping.base, NULL);
    sr_reply *r = NULL;
    CHECK(sr_get_reply(c, 20000, &r) == SR_OK); /* the pipeline is flowing */
    sr_reply_free(r);
    kill(s.pid, sig);
    int replies = 1, err = SR_OK;
    for (int i = 1; i < N; i++) {
        err = sr_get_reply(c, 30000, &r);
        if (err) break;
        replies++;
        sr_reply_free(r);
    }
    printf("     %s: %d of %d replies, then %s: %s\n", sig == SIGKILL ? "SIGKILL" : "SIGTERM", replies, N,
           sr_err_name(err), sr_client_errstr(c));
    CHECKF(err != SR_ERR_TIMEOUT, "hung: %s", sr_client_errstr(c));
    if (err) {
        CHECKF(err == SR_ERR_EOF || err == SR_ERR_IO || err == SR_ERR_GOAWAY, "%s: %s", sr_err_name(err),
               sr_client_errstr(c));
        CHECK(strlen(sr_client_errstr(c)) > 0);
    }
    CHECK(sr_pending(c) == 0);
    CHECK(!sr_client_is_connected(c));
    CHECK(sr_append(c, SR_METHOD_PING, &ping.base, NULL) != SR_OK);
    CHECK(sr_ping(c, &ping, 5000) == NULL);
    test_server_stop(&s, SIGKILL);
    /* Nobody listens any more: reconnecting fails cleanly. */
    CHECK(sr_client_reconnect(c) != SR_OK && !sr_client_is_connected(c));
    sr_options_set_auto_reconnect(o, 1);
    sr_client_free(c);
    sr_options_free(o);
}

static void test_server_killed_mid_pipeline(void) { server_goes_away(SIGKILL); }
static void test_server_shut_down_mid_pipeline(void) { server_goes_away(SIGTERM); }

static void test_auto_reconnect_after_server_restart(void) {
    test_server s;
    CHECK(test_server_start(&s, NULL) == 0);
    if (!s.pid) return;
    int port = s.port;
    sr_options *o = sr_options_new();
    sr_options_set_port(o, port);
    sr_options_set_auto_reconnect(o, 1);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    sr_reply *r = sr_ping(c, &ping, 20000);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
    test_server_stop(&s, SIGTERM);
    CHECK(test_server_start_on(&s, port, NULL) == 0);
    /* The first call may learn of the old connection's end (GOAWAY or EOF); the next one
     * reconnects by itself. */
    int ok = 0;
    for (int i = 0; i < 3 && !ok; i++) {
        r = sr_ping(c, &ping, 20000);
        ok = r && sr_reply_status(r) == SR_STATUS_OK;
        sr_reply_free(r);
    }
    CHECK(ok);
    CHECK(sr_client_stat(c, SR_STAT_RECONNECTS) >= 1);
    sr_client_free(c);
    test_server_stop(&s, SIGTERM);
}

static void test_connection_errors_are_clean(void) {
    /* A port nobody listens on (the stopped servers' ports are free again). */
    sr_options *o = sr_options_new();
    sr_options_set_port(o, 1);
    sr_client *c = sr_connect(o);
    CHECK(c && sr_client_err(c) == SR_ERR_IO && !sr_client_is_connected(c));
    sr_client_free(c);
    sr_options_set_host(o, "no-such-host.invalid");
    c = sr_connect(o);
    CHECK(c && sr_client_err(c) == SR_ERR_RESOLVE);
    sr_client_free(c);
    /* A Redis server answers the preface with text: the handshake fails, no hang. */
    const char *redis = getenv("SR_TEST_REDIS_URL");
    if (redis && strncmp(redis, "redis://", 8) == 0) {
        const char *colon = strrchr(redis, ':');
        sr_options_set_host(o, "127.0.0.1");
        sr_options_set_port(o, atoi(colon + 1));
        c = sr_connect(o);
        CHECKF(c && sr_client_err(c) == SR_ERR_HANDSHAKE, "%s", sr_client_errstr(c));
        sr_client_free(c);
    }
    sr_options_free(o);
}

int main(void) {
    if (!getenv("SCHEMA_REGISTRY_BIN")) {
        fprintf(stderr, "SCHEMA_REGISTRY_BIN is not set\n");
        return 2;
    }
    if (test_server_start(&main_server, NULL) != 0) {
        fprintf(stderr, "could not start the server\n");
        return 1;
    }
    RUN(test_handshake_negotiates_limits_and_lz4);
    RUN(test_every_rpc);
    RUN(test_pipelining_10000_requests_on_one_connection);
    RUN(test_compression_both_directions);
    RUN(test_throttling_surfaced_and_retried);
    RUN(test_timeout_then_connection_still_usable);
    RUN(test_server_killed_mid_pipeline);
    RUN(test_server_shut_down_mid_pipeline);
    RUN(test_auto_reconnect_after_server_restart);
    RUN(test_connection_errors_are_clean);
    test_server_stop(&main_server, SIGTERM);
    return check_summary();
}
