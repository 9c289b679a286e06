/* Integration tests of issue 18's call features against a live server ($SCHEMA_REGISTRY_BIN):
 * the README's `while (sr_pending(c) > 0 && sr_get_reply(...))` loop takes every reply,
 * calls with serialized bytes (sr_call_bytes, sr_call_raw, sr_append_bytes), and per-request
 * deadlines (the DEADLINE flag). Every wait has a timeout; nothing asserts on durations. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "server.h"
#include "srclient.h"

static test_server server;

static sr_client *connect_plain(int deadlines) {
    sr_options *o = sr_options_new();
    sr_options_set_port(o, server.port);
    sr_options_set_call_timeout_ms(o, 20000);
    sr_options_set_request_deadlines(o, deadlines);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    return c;
}

/* Protobuf by hand, as a binding without protobuf-c would: field `number`, wire type 2. */
static size_t put_string_field(uint8_t *out, unsigned number, const char *text) {
    size_t n = 0, length = strlen(text);
    out[n++] = (uint8_t)(number << 3 | 2);
    for (size_t v = length; ; v >>= 7) {
        out[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80) break;
    }
    memcpy(out + n, text, length);
    return n + length;
}

static uint8_t *register_request(const char *subject, const char *schema, size_t *length) {
    uint8_t *bytes = malloc(strlen(subject) + strlen(schema) + 32);
    size_t n = put_string_field(bytes, 1, subject);
    n += put_string_field(bytes + n, 3, schema);
    *length = n;
    return bytes;
}

static char *schema_text(const char *name, int fields) {
    size_t cap = 128 + (size_t)fields * 64;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, "{\"type\":\"record\",\"name\":\"%s\",\"fields\":[", name);
    for (int i = 0; i < fields; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s{\"name\":\"f%d\",\"type\":\"string\"}", i ? "," : "", i);
    snprintf(s + n, cap - n, "]}");
    return s;
}

static uint32_t register_id(sr_client *c, const char *subject) {
    char *schema = schema_text("Pending", 2);
    Srp__RegisterSchemaRequest req = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    req.subject = (char *)subject;
    req.schema = schema;
    sr_reply *r = sr_register_schema(c, &req, SR_TIMEOUT_DEFAULT);
    const Srp__RegisterSchemaResponse *ok = r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
    CHECKF(ok, "register: %s", r ? sr_reply_error_message(r) : sr_client_errstr(c));
    uint32_t id = ok ? ok->id : 0;
    sr_reply_free(r);
    free(schema);
    return id;
}

/* The loop of the README, verbatim in shape, for n pipelined requests. */
static void pending_loop(sr_client *c, uint32_t id, int n) {
    Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    get.id = id;
    for (int i = 0; i < n; i++) CHECK(sr_append(c, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, NULL) == SR_OK);
    CHECK(sr_pending(c) == (size_t)n);
    int replies = 0, ok = 0;
    sr_reply *r;
    while (sr_pending(c) > 0 && sr_get_reply(c, 20000, &r) == SR_OK) {
        replies++;
        ok += sr_reply_status(r) == SR_STATUS_OK;
        sr_reply_free(r);
    }
    CHECKF(replies == n && ok == n, "the loop took %d of %d replies (%d OK): %s", replies, n, ok, sr_client_errstr(c));
    CHECK(sr_pending(c) == 0);
}

static void test_pending_loop_takes_every_reply(void) {
    sr_client *c = connect_plain(1);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    uint32_t id = register_id(c, "pending-loop");
    pending_loop(c, id, 10);
    pending_loop(c, id, 10000);

    /* The case the old count missed: all ten answers read by one wait, one taken, nine
     * waiting in the client. They still count as pending. */
    Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    get.id = id;
    uint32_t last = 0;
    for (int i = 0; i < 10; i++) sr_append(c, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, &last);
    sr_reply *r = NULL;
    CHECK(sr_get_reply_for(c, last, 20000, &r) == SR_OK);
    sr_reply_free(r);
    CHECK(sr_pending(c) == 9);
    int taken = 0;
    while (sr_pending(c) > 0 && sr_get_reply(c, 20000, &r) == SR_OK) {
        taken++;
        sr_reply_free(r);
    }
    CHECKF(taken == 9, "took %d of 9", taken);
    sr_client_free(c);
}

static void test_call_bytes(void) {
    sr_client *c = connect_plain(1);
    char *schema = schema_text("Bytes", 3);
    size_t request_length;
    uint8_t *request = register_request("bytes-subject", schema, &request_length);
    uint8_t *response = NULL;
    size_t response_length = 0;
    unsigned status = 99;
    int err = sr_call_bytes(c, SR_METHOD_REGISTER_SCHEMA, request, request_length, SR_TIMEOUT_DEFAULT, &response,
                            &response_length, &status);
    CHECKF(err == SR_OK && status == SR_STATUS_OK, "%s %s", sr_err_name(err), sr_status_name(status));
    Srp__RegisterSchemaResponse *registered = srp__register_schema_response__unpack(NULL, response_length, response);
    CHECK(registered && registered->id > 0 && registered->version == 1);
    uint32_t id = registered ? registered->id : 0;
    if (registered) srp__register_schema_response__free_unpacked(registered, NULL);
    sr_free(response);

    /* A registry error: the body is the ErrorBody; sr_call_raw also gives its message. */
    uint8_t get_missing[] = {0x08, 0xbf, 0x84, 0x3d}; /* GetSchemaByIdRequest{id: 999999} */
    err = sr_call_bytes(c, SR_METHOD_GET_SCHEMA_BY_ID, get_missing, sizeof get_missing, 20000, &response,
                        &response_length, &status);
    CHECKF(err == SR_OK && status == SR_STATUS_SCHEMA_NOT_FOUND, "%s", sr_status_name(status));
    Srp__ErrorBody *error = srp__error_body__unpack(NULL, response_length, response);
    CHECK(error && error->message && strlen(error->message) > 0);
    if (error) srp__error_body__free_unpacked(error, NULL);
    sr_free(response);
    sr_reply *r = sr_call_raw(c, SR_METHOD_GET_SCHEMA_BY_ID, get_missing, sizeof get_missing, 20000);
    CHECK(r && sr_reply_status(r) == SR_STATUS_SCHEMA_NOT_FOUND && strlen(sr_reply_error_message(r)) > 0);
    sr_reply_free(r);

    /* An empty request is a valid message (all defaults); a method the server does not
     * know is answered, and the connection goes on; Hello is the handshake's only. */
    err = sr_call_bytes(c, SR_METHOD_SERVER_INFO, NULL, 0, 20000, &response, &response_length, &status);
    CHECK(err == SR_OK && status == SR_STATUS_OK && response_length > 0);
    sr_free(response);
    err = sr_call_bytes(c, 999, NULL, 0, 20000, &response, &response_length, &status);
    CHECKF(err == SR_OK && status == SR_STATUS_UNKNOWN_METHOD && response_length > 0, "%s", sr_status_name(status));
    sr_free(response);
    err = sr_call_bytes(c, SR_METHOD_HELLO, NULL, 0, 20000, &response, &response_length, &status);
    CHECK(err == SR_ERR_ARGUMENT && response == NULL && sr_client_is_connected(c));

    /* Pipelined: append bytes, take replies, read their bodies. */
    uint8_t get[6];
    size_t get_length = 0;
    get[get_length++] = 0x08;
    for (uint32_t v = id;; v >>= 7) {
        get[get_length++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80) break;
    }
    for (int i = 0; i < 100; i++) CHECK(sr_append_bytes(c, SR_METHOD_GET_SCHEMA_BY_ID, get, get_length, NULL) == SR_OK);
    int ok = 0;
    while (sr_pending(c) > 0 && sr_get_reply(c, 20000, &r) == SR_OK) {
        size_t length;
        const uint8_t *body = sr_reply_body(r, &length);
        Srp__GetSchemaByIdResponse *found = srp__get_schema_by_id_response__unpack(NULL, length, body);
        ok += found && found->schema && found->schema->id == id;
        if (found) srp__get_schema_by_id_response__free_unpacked(found, NULL);
        sr_reply_free(r);
    }
    CHECKF(ok == 100, "%d of 100", ok);
    free(request);
    free(schema);
    sr_client_free(c);
}

static void test_deadlines(void) {
    /* The flag costs 4 bytes a request: the byte counters show it is sent, and only when on. */
    sr_client *with = connect_plain(1), *without = connect_plain(0);
    CHECK(sr_client_request_deadlines(with) == 1 && sr_client_request_deadlines(without) == 0);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    uint64_t before_with = sr_client_stat(with, SR_STAT_BYTES_SENT);
    uint64_t before_without = sr_client_stat(without, SR_STAT_BYTES_SENT);
    sr_reply *a = sr_ping(with, &ping, 20000), *b = sr_ping(without, &ping, 20000);
    CHECK(a && sr_reply_status(a) == SR_STATUS_OK && b && sr_reply_status(b) == SR_STATUS_OK);
    CHECK(sr_client_stat(with, SR_STAT_BYTES_SENT) - before_with ==
          sr_client_stat(without, SR_STAT_BYTES_SENT) - before_without + 4);
    sr_reply_free(a);
    sr_reply_free(b);
    /* No timeout, no deadline. */
    before_with = sr_client_stat(with, SR_STAT_BYTES_SENT);
    a = sr_ping(with, &ping, SR_TIMEOUT_NONE);
    CHECK(a && sr_client_stat(with, SR_STAT_BYTES_SENT) - before_with == 12 + 0);
    sr_reply_free(a);
    sr_client_free(without);

    /* A deadline the server cannot meet: registrations of large new schemas with 1 ms each.
     * The server answers DEADLINE_EXCEEDED for those not done in time (how many depends on
     * the machine, but registering a 300-field schema does not take under a millisecond on
     * a debug build); every answer is either that or OK. */
    enum { N = 40 };
    sr_client_set_append_deadline_ms(with, 1);
    for (int i = 0; i < N; i++) {
        char name[32], subject[48];
        snprintf(name, sizeof name, "Slow%d", i);
        snprintf(subject, sizeof subject, "deadline-%d", i);
        char *schema = schema_text(name, 300);
        size_t length;
        uint8_t *request = register_request(subject, schema, &length);
        CHECK(sr_append_bytes(with, SR_METHOD_REGISTER_SCHEMA, request, length, NULL) == SR_OK);
        free(request);
        free(schema);
    }
    int exceeded = 0, ok = 0, other = 0;
    sr_reply *r;
    while (sr_pending(with) > 0 && sr_get_reply(with, 30000, &r) == SR_OK) {
        unsigned status = sr_reply_status(r);
        if (status == SR_STATUS_DEADLINE_EXCEEDED) {
            exceeded++;
            if (exceeded == 1) printf("     %s: %s\n", sr_status_name(status), sr_reply_error_message(r));
        } else if (status == SR_STATUS_OK) {
            ok++;
        } else {
            other++;
            fprintf(stderr, "    unexpected %s: %s\n", sr_status_name(status), sr_reply_error_message(r));
        }
        sr_reply_free(r);
    }
    printf("     deadline 1 ms: %d DEADLINE_EXCEEDED, %d OK of %d registrations\n", exceeded, ok, N);
    CHECK(exceeded + ok == N && other == 0);
    CHECK(exceeded > 0);
    sr_client_set_append_deadline_ms(with, 0);
    CHECK(sr_client_is_connected(with));
    sr_client_free(with);
}

int main(void) {
    if (!getenv("SCHEMA_REGISTRY_BIN")) {
        fprintf(stderr, "SCHEMA_REGISTRY_BIN is not set\n");
        return 2;
    }
    if (test_server_start(&server, NULL) != 0) {
        fprintf(stderr, "could not start the server\n");
        return 1;
    }
    RUN(test_pending_loop_takes_every_reply);
    RUN(test_call_bytes);
    RUN(test_deadlines);
    test_server_stop(&server, SIGTERM);
    return check_summary();
}
