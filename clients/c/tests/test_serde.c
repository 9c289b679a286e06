/* Integration tests of the serializer and deserializer (srclient_serde.h) against a live
 * server ($SCHEMA_REGISTRY_BIN), under ASan+UBSan: register or look up on first use and
 * never again, round trips of Avro and JSON, the server (Swift) validating the bytes we
 * framed, a bounded schema cache, and the errors a consumer meets: wrong magic byte,
 * truncated frame, unknown id, Avro bytes that do not fit, incompatible schemas. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "server.h"
#include "srclient.h"

static test_server server;

static const char *ORDER_SCHEMA =
    "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Line\",\"fields\":["
    "{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":\"int\"}]}}}]}";
static const char *ORDER = "{\"id\":42,\"note\":{\"string\":\"gift \\u00e9\"},\"lines\":[{\"sku\":\"a-1\",\"qty\":3}]}";

static sr_client *connect_client(void) {
    sr_options *o = sr_options_new();
    sr_options_set_port(o, server.port);
    sr_options_set_call_timeout_ms(o, 20000);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    CHECKF(c && sr_client_err(c) == SR_OK, "%s", c ? sr_client_errstr(c) : "out of memory");
    return c;
}

static int same_json(const char *a, size_t a_length, const char *b) {
    sr_json *x = NULL, *y = NULL;
    char *ta = NULL, *tb = NULL;
    int same = sr_json_parse(a, a_length, &x, NULL, 0) == SR_OK && sr_json_parse(b, strlen(b), &y, NULL, 0) == SR_OK &&
               sr_json_write(x, &ta, NULL) == SR_OK && sr_json_write(y, &tb, NULL) == SR_OK && strcmp(ta, tb) == 0;
    sr_free(ta);
    sr_free(tb);
    sr_json_free(x);
    sr_json_free(y);
    return same;
}

static void test_register_on_first_use_then_never_again(void) {
    sr_client *c = connect_client();
    sr_serializer *s = sr_serializer_new(c, "orders-value", ORDER_SCHEMA, SR_SCHEMA_AVRO);
    CHECK(s && sr_serializer_err(s) == SR_OK && sr_serializer_schema_id(s) == 0);
    uint8_t *payload = NULL;
    size_t length = 0;
    int err = sr_serialize(s, ORDER, strlen(ORDER), &payload, &length);
    CHECKF(err == SR_OK, "%s", sr_serializer_errstr(s));
    uint32_t id = sr_serializer_schema_id(s);
    CHECK(id > 0 && length > 5 && payload[0] == 0 &&
          ((uint32_t)payload[1] << 24 | (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 8 | payload[4]) == id);
    /* The Avro body after the 5-byte header: id 42 (zigzag 84 = 0x54), union branch 1, ... */
    CHECK(length > 7 && payload[5] == 0x54 && payload[6] == 0x02);
    sr_free(payload);
    /* Registered: the registry knows the subject now. */
    Srp__GetSchemaByVersionRequest latest = SRP__GET_SCHEMA_BY_VERSION_REQUEST__INIT;
    latest.subject = "orders-value";
    latest.version = -1;
    sr_reply *r = sr_get_schema_by_version(c, &latest, 20000);
    const Srp__GetSchemaByVersionResponse *found =
        r ? SR_REPLY_AS(r, Srp__GetSchemaByVersionResponse, SR_METHOD_GET_SCHEMA_BY_VERSION) : NULL;
    CHECK(found && found->schema && found->schema->id == id);
    sr_reply_free(r);
    /* Later values use the cached id: nothing is sent. */
    uint64_t sent = sr_client_stat(c, SR_STAT_FRAMES_SENT);
    for (int i = 0; i < 100; i++) {
        CHECK(sr_serialize(s, ORDER, strlen(ORDER), &payload, &length) == SR_OK);
        sr_free(payload);
    }
    CHECK(sr_client_stat(c, SR_STAT_FRAMES_SENT) == sent);
    /* A value that does not fit: the path says where; no payload. */
    const char *bad = "{\"id\":1,\"lines\":[{\"sku\":\"x\",\"qty\":\"many\"}]}";
    err = sr_serialize(s, bad, strlen(bad), &payload, &length);
    CHECKF(err == SR_ERR_AVRO_VALUE && strstr(sr_serializer_errstr(s), "/lines/0/qty: expected int, found a string") &&
           payload == NULL, "%s: %s", sr_err_name(err), sr_serializer_errstr(s));
    /* A missing optional field takes its default (null). */
    CHECK(sr_serialize(s, "{\"id\":1,\"lines\":[]}", 19, &payload, &length) == SR_OK && length == 5 + 3);
    sr_free(payload);
    sr_serializer_free(s);
    sr_client_free(c);
}

static void test_lookup_only_when_auto_register_is_off(void) {
    sr_client *c = connect_client();
    const char *schema = "{\"type\":\"record\",\"name\":\"Lookup\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    sr_serializer *s = sr_serializer_new(c, "lookup-value", schema, SR_SCHEMA_AVRO);
    sr_serializer_set_auto_register(s, 0);
    uint8_t *payload = NULL;
    size_t length;
    int err = sr_serialize(s, "{\"a\":1}", 7, &payload, &length);
    CHECKF(err == SR_ERR_REGISTRY && strstr(sr_serializer_errstr(s), "looking up the schema under 'lookup-value'") &&
           strstr(sr_serializer_errstr(s), "NOT_FOUND"), "%s: %s", sr_err_name(err), sr_serializer_errstr(s));
    CHECK(payload == NULL && sr_serializer_schema_id(s) == 0);
    /* Once someone registers it, the lookup finds the same id. */
    sr_serializer *registering = sr_serializer_new(c, "lookup-value", schema, SR_SCHEMA_AVRO);
    CHECK(sr_serialize(registering, "{\"a\":1}", 7, &payload, &length) == SR_OK);
    sr_free(payload);
    err = sr_serialize(s, "{\"a\":2}", 7, &payload, &length);
    CHECKF(err == SR_OK && sr_serializer_schema_id(s) == sr_serializer_schema_id(registering), "%s",
           sr_serializer_errstr(s));
    sr_free(payload);
    sr_serializer_free(registering);
    sr_serializer_free(s);
    sr_client_free(c);
}

static void test_round_trip_and_cache(void) {
    sr_client *c = connect_client();
    sr_serializer *s = sr_serializer_new(c, "roundtrip-value", ORDER_SCHEMA, SR_SCHEMA_AVRO);
    sr_deserializer *d = sr_deserializer_new(c);
    uint8_t *payload = NULL;
    size_t length;
    CHECK(sr_serialize(s, ORDER, strlen(ORDER), &payload, &length) == SR_OK);
    sr_datum *datum = NULL;
    int err = sr_deserialize(d, payload, length, &datum);
    CHECKF(err == SR_OK, "%s", sr_deserializer_errstr(d));
    size_t body_length = 0;
    const char *body = sr_datum_body(datum, &body_length);
    CHECKF(body && same_json(body, body_length, ORDER), "got %s", body ? body : "nothing");
    CHECK(sr_datum_schema_id(datum) == sr_serializer_schema_id(s) && sr_datum_schema_type(datum) == SR_SCHEMA_AVRO &&
          sr_datum_index_count(datum) == 0);
    sr_datum_free(datum);
    /* The schema is cached: the next payloads fetch nothing. */
    uint64_t sent = sr_client_stat(c, SR_STAT_FRAMES_SENT);
    for (int i = 0; i < 100; i++) {
        CHECK(sr_deserialize(d, payload, length, &datum) == SR_OK);
        sr_datum_free(datum);
    }
    CHECK(sr_client_stat(c, SR_STAT_FRAMES_SENT) == sent && sr_deserializer_cached(d) == 1);
    /* A bounded cache: three schemas through a cache of two. */
    sr_deserializer_set_cache_size(d, 2);
    for (int round = 0; round < 2; round++)
        for (int k = 0; k < 3; k++) {
            char subject[32], schema[160], value[32];
            snprintf(subject, sizeof subject, "cache-%d-value", k);
            snprintf(schema, sizeof schema, "{\"type\":\"record\",\"name\":\"C%d\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"}]}", k);
            snprintf(value, sizeof value, "{\"v\":%d}", k);
            sr_serializer *each = sr_serializer_new(c, subject, schema, SR_SCHEMA_AVRO);
            uint8_t *p = NULL;
            size_t n;
            CHECK(sr_serialize(each, value, strlen(value), &p, &n) == SR_OK);
            CHECK(sr_deserialize(d, p, n, &datum) == SR_OK && same_json(sr_datum_body(datum, NULL), strlen(sr_datum_body(datum, NULL)), value));
            sr_datum_free(datum);
            sr_free(p);
            sr_serializer_free(each);
            CHECK(sr_deserializer_cached(d) <= 2);
        }
    sr_free(payload);
    sr_deserializer_free(d);
    sr_serializer_free(s);
    sr_client_free(c);
}

static void test_consumer_errors(void) {
    sr_client *c = connect_client();
    sr_serializer *s = sr_serializer_new(c, "errors-value", ORDER_SCHEMA, SR_SCHEMA_AVRO);
    sr_deserializer *d = sr_deserializer_new(c);
    uint8_t *payload = NULL;
    size_t length;
    CHECK(sr_serialize(s, ORDER, strlen(ORDER), &payload, &length) == SR_OK);
    sr_datum *datum = NULL;
    /* Plain JSON where a framed payload belongs. */
    int err = sr_deserialize(d, (const uint8_t *)ORDER, strlen(ORDER), &datum);
    CHECKF(err == SR_ERR_WIRE_MAGIC && strstr(sr_deserializer_errstr(d), "wrong magic byte 0x7b"), "%s",
           sr_deserializer_errstr(d));
    /* A frame cut inside its header. */
    err = sr_deserialize(d, payload, 3, &datum);
    CHECKF(err == SR_ERR_WIRE_TRUNCATED && strstr(sr_deserializer_errstr(d), "truncated frame"), "%s",
           sr_deserializer_errstr(d));
    /* An id the registry does not know. */
    const uint8_t unknown[] = {0, 0, 0x0f, 0x42, 0x3f, 0x02};
    err = sr_deserialize(d, unknown, sizeof unknown, &datum);
    CHECKF(err == SR_ERR_UNKNOWN_SCHEMA && strstr(sr_deserializer_errstr(d), "unknown schema id 999999"), "%s: %s",
           sr_err_name(err), sr_deserializer_errstr(d));
    /* Avro bytes that do not fit the writer's schema: cut short, and a lying array count. */
    err = sr_deserialize(d, payload, length - 2, &datum);
    CHECKF(err == SR_ERR_AVRO_DATA && strstr(sr_deserializer_errstr(d), "Avro data at byte"), "%s",
           sr_deserializer_errstr(d));
    uint8_t lying[64];
    memcpy(lying, payload, 5);
    const uint8_t body[] = {0x54, 0x00, 0xfe, 0xff, 0xff, 0xff, 0x0f}; /* id, null note, 2^31-1 lines */
    memcpy(lying + 5, body, sizeof body);
    err = sr_deserialize(d, lying, 5 + sizeof body, &datum);
    CHECKF(err == SR_ERR_AVRO_DATA && strstr(sr_deserializer_errstr(d), "/lines: block count 2147483647 needs at least"),
           "%s", sr_deserializer_errstr(d));
    CHECK(datum == NULL);
    /* After all that, a good payload still reads. */
    CHECK(sr_deserialize(d, payload, length, &datum) == SR_OK);
    sr_datum_free(datum);
    sr_free(payload);
    /* A bad schema is refused before anything is sent. */
    sr_serializer *bad = sr_serializer_new(c, "bad-value", "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"x\",\"type\":\"Nope\"}]}",
                                           SR_SCHEMA_AVRO);
    CHECK(sr_serializer_err(bad) == SR_ERR_SCHEMA && strstr(sr_serializer_errstr(bad), "unknown type 'Nope'"));
    CHECK(sr_serialize(bad, "{}", 2, &payload, &length) == SR_ERR_SCHEMA && sr_serializer_schema_id(bad) == 0);
    sr_serializer_free(bad);
    /* An incompatible schema under a subject with a BACKWARD level: the registry's refusal. */
    sr_serializer *v2 = sr_serializer_new(c, "errors-value",
                                          "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                                          "{\"name\":\"id\",\"type\":\"string\"}]}", SR_SCHEMA_AVRO);
    err = sr_serialize(v2, "{\"id\":\"x\"}", 10, &payload, &length);
    CHECKF(err == SR_ERR_REGISTRY && strstr(sr_serializer_errstr(v2), "INCOMPATIBLE"), "%s: %s", sr_err_name(err),
           sr_serializer_errstr(v2));
    sr_serializer_free(v2);
    sr_deserializer_free(d);
    sr_serializer_free(s);
    sr_client_free(c);
}

/* The server (the Swift codec) validates payloads as Kafka carries them: the id inside the
 * frame names the schema. What C writes, Swift reads; bytes that do not fit are refused. */
static void test_server_reads_our_bytes(void) {
    sr_client *c = connect_client();
    sr_serializer *s = sr_serializer_new(c, "validate-value", ORDER_SCHEMA, SR_SCHEMA_AVRO);
    uint8_t *payload = NULL;
    size_t length;
    CHECK(sr_serialize(s, ORDER, strlen(ORDER), &payload, &length) == SR_OK);
    for (int corrupt = 0; corrupt < 2 && payload; corrupt++) {
        Srp__ValidatePayloadRequest request = SRP__VALIDATE_PAYLOAD_REQUEST__INIT;
        request.payload.data = payload;
        request.payload.len = corrupt ? length - 2 : length;
        sr_reply *r = sr_validate_payload(c, &request, 20000);
        const Srp__ValidatePayloadResponse *v = r ? SR_REPLY_AS(r, Srp__ValidatePayloadResponse, SR_METHOD_VALIDATE_PAYLOAD) : NULL;
        CHECKF(v && v->valid == !corrupt, "corrupt=%d: %s %s", corrupt, r ? sr_status_name(sr_reply_status(r)) : sr_client_errstr(c),
               r ? sr_reply_error_message(r) : "");
        sr_reply_free(r);
    }
    sr_free(payload);
    sr_serializer_free(s);
    sr_client_free(c);
}

static void test_json_schema_payloads(void) {
    sr_client *c = connect_client();
    const char *schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}";
    sr_serializer *s = sr_serializer_new(c, "people-value", schema, SR_SCHEMA_JSON);
    sr_deserializer *d = sr_deserializer_new(c);
    const char *person = "{\"name\":\"Ada\"}";
    uint8_t *payload = NULL;
    size_t length;
    int err = sr_serialize(s, person, strlen(person), &payload, &length);
    CHECKF(err == SR_OK && length == 5 + strlen(person) && memcmp(payload + 5, person, strlen(person)) == 0, "%s",
           sr_serializer_errstr(s));
    sr_datum *datum = NULL;
    err = sr_deserialize(d, payload, length, &datum);
    CHECKF(err == SR_OK && sr_datum_schema_type(datum) == SR_SCHEMA_JSON && strcmp(sr_datum_body(datum, NULL), person) == 0,
           "%s", sr_deserializer_errstr(d));
    sr_datum_free(datum);
    /* Not JSON at all: refused on both sides. */
    uint8_t *refused = NULL;
    size_t refused_length;
    err = sr_serialize(s, "{name:", 6, &refused, &refused_length);
    CHECK(err == SR_ERR_JSON && strstr(sr_serializer_errstr(s), "JSON at byte 1") && refused == NULL);
    if (payload) {
        memcpy(payload + 5, "{\"na", 4);
        err = sr_deserialize(d, payload, 9, &datum);
        CHECKF(err == SR_ERR_JSON, "%s", sr_deserializer_errstr(d));
    }
    sr_free(payload);
    sr_deserializer_free(d);
    sr_serializer_free(s);
    sr_client_free(c);
}

/* Schema references: a schema using a type another subject defines is registered with its
 * reference, and a deserializer fetches the referenced schema to decode it. */
static void test_schema_references(void) {
    sr_client *c = connect_client();
    const char *address = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"shop\",\"fields\":["
                          "{\"name\":\"city\",\"type\":\"string\"}]}";
    const char *customer = "{\"type\":\"record\",\"name\":\"Customer\",\"namespace\":\"shop\",\"fields\":["
                           "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"home\",\"type\":\"Address\"}]}";
    sr_serializer *base = sr_serializer_new(c, "shop-address", address, SR_SCHEMA_AVRO);
    uint8_t *payload = NULL;
    size_t length;
    CHECK(sr_serialize(base, "{\"city\":\"Oslo\"}", 15, &payload, &length) == SR_OK);
    sr_free(payload);
    /* Without the reference the schema cannot compile: said before anything is sent. */
    sr_serializer *s = sr_serializer_new(c, "customers-value", customer, SR_SCHEMA_AVRO);
    CHECKF(sr_serializer_err(s) == SR_ERR_SCHEMA && strstr(sr_serializer_errstr(s), "unknown type 'Address'"), "%s",
           sr_serializer_errstr(s));
    CHECK(sr_serializer_add_reference(s, "shop.Address", "shop-address", 1) == SR_OK && sr_serializer_err(s) == SR_OK);
    const char *value = "{\"name\":\"Ada\",\"home\":{\"city\":\"London\"}}";
    int err = sr_serialize(s, value, strlen(value), &payload, &length);
    CHECKF(err == SR_OK && sr_serializer_schema_id(s) > 0, "%s", sr_serializer_errstr(s));
    sr_deserializer *d = sr_deserializer_new(c);
    sr_datum *datum = NULL;
    err = sr_deserialize(d, payload, length, &datum);
    CHECKF(err == SR_OK && same_json(sr_datum_body(datum, NULL), strlen(sr_datum_body(datum, NULL)), value), "%s",
           sr_deserializer_errstr(d));
    sr_datum_free(datum);
    sr_free(payload);
    /* A reference to a subject that does not exist: the registry's answer, named. */
    sr_serializer *dangling = sr_serializer_new(c, "dangling-value", customer, SR_SCHEMA_AVRO);
    sr_serializer_add_reference(dangling, "shop.Address", "no-such-subject", 1);
    err = sr_serialize(dangling, value, strlen(value), &payload, &length);
    CHECKF(err == SR_ERR_REGISTRY && strstr(sr_serializer_errstr(dangling), "schema reference 'shop.Address' (subject "
                                                                             "'no-such-subject', version 1)"),
           "%s: %s", sr_err_name(err), sr_serializer_errstr(dangling));
    sr_serializer_free(dangling);
    sr_deserializer_free(d);
    sr_serializer_free(s);
    sr_serializer_free(base);
    sr_client_free(c);
}

/* Protobuf: our part is the frame (message indexes); the registry may not take Protobuf
 * schemas yet (42201), which must come back as a clear SR_ERR_REGISTRY. */
static void test_protobuf_framing(void) {
    sr_client *c = connect_client();
    sr_serializer *s = sr_serializer_new(c, "proto-value", "syntax = \"proto3\"; message A { int32 a = 1; } message B { A a = 1; }",
                                         SR_SCHEMA_PROTOBUF);
    const int32_t second[] = {1};
    CHECK(sr_serializer_set_message_indexes(s, second, 1) == SR_OK);
    const int32_t negative[] = {-1};
    CHECK(sr_serializer_set_message_indexes(s, negative, 1) == SR_ERR_ARGUMENT);
    uint8_t *payload = NULL;
    size_t length;
    int err = sr_serialize(s, "\x0a\x02\x08\x01", 4, &payload, &length);
    if (err == SR_OK) {
        CHECK(length == 5 + 2 + 4 && payload[5] == 0x02 && payload[6] == 0x02);
        sr_deserializer *d = sr_deserializer_new(c);
        sr_datum *datum = NULL;
        CHECKF(sr_deserialize(d, payload, length, &datum) == SR_OK && sr_datum_index_count(datum) == 1 &&
               sr_datum_index(datum, 0) == 1, "%s", sr_deserializer_errstr(d));
        sr_datum_free(datum);
        sr_deserializer_free(d);
        printf("    the registry takes Protobuf: framed and read back with indexes [1]\n");
    } else {
        CHECKF(err == SR_ERR_REGISTRY && strstr(sr_serializer_errstr(s), "registering the schema under 'proto-value'"),
               "%s: %s", sr_err_name(err), sr_serializer_errstr(s));
        printf("    the registry refuses Protobuf schemas: %s\n", sr_serializer_errstr(s));
    }
    sr_free(payload);
    sr_serializer_free(s);
    sr_client_free(c);
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
    RUN(test_register_on_first_use_then_never_again);
    RUN(test_lookup_only_when_auto_register_is_off);
    RUN(test_round_trip_and_cache);
    RUN(test_consumer_errors);
    RUN(test_server_reads_our_bytes);
    RUN(test_json_schema_payloads);
    RUN(test_schema_references);
    RUN(test_protobuf_framing);
    test_server_stop(&server, SIGTERM);
    return check_summary();
}
