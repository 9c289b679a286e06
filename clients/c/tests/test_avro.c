/* Unit tests of the wire format, the JSON parser and the Avro codec (run under ASan+UBSan):
 * fastavro's bytes (the vectors shared with the Swift tests, and our own), the Avro spec's
 * examples, Avro's JSON encoding, and hostile input: wrong magic bytes, truncated frames,
 * lying lengths, huge block counts, deep nesting, invalid UTF-8, bytes that do not fit the
 * schema, every truncation and random bytes. Run from clients/c (tests/run.sh does). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "srclient.h"

#define SHARED_VECTORS "../../Tests/SchemaFormatsTests/Fixtures/avro-binary/vectors.json"
#define OWN_VECTORS "tests/avro-vectors.json"

static char errbuf[512];

static char *read_file(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(f);
    if (text) text[size] = '\0', *length = (size_t)size;
    return text;
}

static size_t unhex(const char *hex, uint8_t *out) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        sscanf(hex + 2 * i, "%2x", &byte);
        out[i] = (uint8_t)byte;
    }
    return n;
}

/* Structural JSON equality: members in order, numbers by value. */
static int json_equal(const sr_json_value *a, const sr_json_value *b) {
    if (sr_json_type(a) != sr_json_type(b)) return 0;
    size_t la, lb;
    switch (sr_json_type(a)) {
    case SR_JSON_NULL: return 1;
    case SR_JSON_BOOL: return sr_json_bool(a) == sr_json_bool(b);
    case SR_JSON_NUMBER: {
        int64_t ia, ib;
        if (sr_json_integer(a, &ia) && sr_json_integer(b, &ib)) return ia == ib;
        return sr_json_number(a) == sr_json_number(b);
    }
    case SR_JSON_STRING: {
        const char *sa = sr_json_string(a, &la), *sb = sr_json_string(b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case SR_JSON_ARRAY:
        if (sr_json_size(a) != sr_json_size(b)) return 0;
        for (size_t i = 0; i < sr_json_size(a); i++)
            if (!json_equal(sr_json_item(a, i), sr_json_item(b, i))) return 0;
        return 1;
    case SR_JSON_OBJECT:
        if (sr_json_size(a) != sr_json_size(b)) return 0;
        for (size_t i = 0; i < sr_json_size(a); i++)
            if (strcmp(sr_json_member_key(a, i), sr_json_member_key(b, i)) != 0 ||
                !json_equal(sr_json_member_value(a, i), sr_json_member_value(b, i)))
                return 0;
        return 1;
    }
    return 0;
}

static sr_avro_schema *schema_of(const char *text) {
    sr_avro_schema *s = NULL;
    int err = sr_avro_schema_parse(text, strlen(text), &s, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK, "%s: %s", text, errbuf);
    return s;
}

/* Encodes json with the schema and compares with hex; decodes hex back to equal JSON. */
static void roundtrip(const char *schema_text, const char *json, const char *hex) {
    sr_avro_schema *s = schema_of(schema_text);
    if (!s) return;
    uint8_t expected[4096], *out = NULL;
    size_t expected_length = unhex(hex, expected), length = 0;
    int err = sr_avro_encode_json(s, json, strlen(json), &out, &length, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK, "encode %s: %s", json, errbuf);
    CHECKF(err != SR_OK || (length == expected_length && memcmp(out, expected, length) == 0), "encode %s as %s", json, hex);
    sr_free(out);
    char *text = NULL;
    err = sr_avro_decode_json(s, expected, expected_length, &text, &length, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK, "decode %s: %s", hex, errbuf);
    if (err == SR_OK) {
        sr_json *a, *b;
        CHECK(sr_json_parse(text, length, &a, errbuf, sizeof errbuf) == SR_OK);
        CHECK(sr_json_parse(json, strlen(json), &b, errbuf, sizeof errbuf) == SR_OK);
        CHECKF(json_equal(sr_json_root(a), sr_json_root(b)), "decoded %s, expected %s", text, json);
        sr_json_free(a);
        sr_json_free(b);
    }
    sr_free(text);
    sr_avro_schema_free(s);
}

/* Every vector of a file: fastavro's bytes from the datum, and the datum from the bytes. */
static int vector_file(const char *path) {
    size_t length;
    char *text = read_file(path, &length);
    CHECKF(text != NULL, "cannot read %s", path);
    if (!text) return 0;
    sr_json *doc;
    int err = sr_json_parse(text, length, &doc, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK, "%s: %s", path, errbuf);
    int count = 0;
    const sr_json_value *vectors = sr_json_get(sr_json_root(doc), "vectors");
    for (size_t i = 0; err == SR_OK && i < sr_json_size(vectors); i++) {
        const sr_json_value *v = sr_json_item(vectors, i);
        const char *schema_text = sr_json_string(sr_json_get(v, "schema"), NULL);
        const char *hex = sr_json_string(sr_json_get(v, "hex"), NULL);
        sr_avro_schema *s = schema_of(schema_text);
        if (!s) continue;
        uint8_t expected[4096], *out = NULL;
        size_t expected_length = unhex(hex, expected), out_length;
        const sr_json_value *datum = sr_json_get(v, "datum");
        int e = sr_avro_encode_value(s, datum, &out, &out_length, errbuf, sizeof errbuf);
        CHECKF(e == SR_OK && out_length == expected_length && memcmp(out, expected, out_length) == 0,
               "%s vector %zu (%s): encode: %s", path, i, schema_text, e ? errbuf : "bytes differ");
        sr_free(out);
        sr_json *decoded = NULL;
        e = sr_avro_decode_value(s, expected, expected_length, &decoded, errbuf, sizeof errbuf);
        CHECKF(e == SR_OK && json_equal(sr_json_root(decoded), datum), "%s vector %zu: decode: %s", path, i,
               e ? errbuf : "value differs");
        /* And through text both ways. */
        char *json = NULL;
        size_t json_length;
        e = sr_avro_decode_json(s, expected, expected_length, &json, &json_length, errbuf, sizeof errbuf);
        CHECKF(e == SR_OK, "decode_json: %s", errbuf);
        if (e == SR_OK) {
            e = sr_avro_encode_json(s, json, json_length, &out, &out_length, errbuf, sizeof errbuf);
            CHECKF(e == SR_OK && out_length == expected_length && memcmp(out, expected, out_length) == 0,
                   "re-encoding %s: %s", json, e ? errbuf : "bytes differ");
            sr_free(out);
        }
        sr_free(json);
        sr_json_free(decoded);
        sr_avro_schema_free(s);
        count++;
    }
    sr_json_free(doc);
    free(text);
    return count;
}

static void test_fastavro_vectors_shared_with_swift(void) {
    CHECKF(vector_file(SHARED_VECTORS) >= 12, "expected the 12 vectors of %s", SHARED_VECTORS);
}

static void test_fastavro_vectors_of_our_own(void) { CHECK(vector_file(OWN_VECTORS) >= 27); }

static void test_spec_examples(void) {
    /* Zigzag: the spec's table, and the extremes. */
    roundtrip("\"long\"", "0", "00");
    roundtrip("\"long\"", "-1", "01");
    roundtrip("\"long\"", "1", "02");
    roundtrip("\"long\"", "-2", "03");
    roundtrip("\"long\"", "2", "04");
    roundtrip("\"long\"", "-64", "7f");
    roundtrip("\"long\"", "64", "8001");
    roundtrip("\"long\"", "9223372036854775807", "feffffffffffffffff01");
    roundtrip("\"long\"", "-9223372036854775808", "ffffffffffffffffff01");
    roundtrip("\"int\"", "-2147483648", "ffffffff0f");
    /* "foo" is 06 66 6f 6f. */
    roundtrip("\"string\"", "\"foo\"", "06666f6f");
    roundtrip("\"boolean\"", "true", "01");
    roundtrip("\"null\"", "null", "");
    roundtrip("\"float\"", "1.5", "0000c03f");
    roundtrip("\"double\"", "1.5", "000000000000f83f");
    /* The spec's record {"a": 27, "b": "foo"}: 36 06 66 6f 6f. */
    roundtrip("{\"type\":\"record\",\"name\":\"test\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"},"
              "{\"name\":\"b\",\"type\":\"string\"}]}",
              "{\"a\":27,\"b\":\"foo\"}", "3606666f6f");
    /* The spec's array [3, 27]: 04 06 36 00. */
    roundtrip("{\"type\":\"array\",\"items\":\"long\"}", "[3,27]", "04063600");
    /* The spec's union ["null","string"]: null is 00, "a" is 02 02 61. */
    roundtrip("[\"null\",\"string\"]", "null", "00");
    roundtrip("[\"null\",\"string\"]", "{\"string\":\"a\"}", "020261");
    roundtrip("{\"type\":\"map\",\"values\":\"long\"}", "{\"a\":1}", "02026102" "00");
    roundtrip("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}", "\"C\"", "04");
    roundtrip("{\"type\":\"fixed\",\"name\":\"md5\",\"size\":3}", "\"\\u0000\\u00ffa\"", "00ff61");
    /* Bytes as code points 0-255; logical types are their underlying types. */
    roundtrip("\"bytes\"", "\"\\u00e9\\u0000\"", "04e900");
    roundtrip("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}", "\"\\u0001\"", "0201");
    roundtrip("{\"type\":\"int\",\"logicalType\":\"date\"}", "19700", "e8b302");
    roundtrip("{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}", "1", "02");
    roundtrip("{\"type\":\"string\",\"logicalType\":\"uuid\"}", "\"u\"", "0275");
}

static void decode_ok(const char *schema_text, const char *hex, const char *expected_json) {
    sr_avro_schema *s = schema_of(schema_text);
    if (!s) return;
    uint8_t bytes[1024];
    size_t n = unhex(hex, bytes), length;
    char *json = NULL;
    int err = sr_avro_decode_json(s, bytes, n, &json, &length, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK && strcmp(json, expected_json) == 0, "%s: %s", hex, err ? errbuf : json);
    sr_free(json);
    sr_avro_schema_free(s);
}

static void decode_fails(const char *schema_text, const uint8_t *bytes, size_t n, const char *expected_message) {
    sr_avro_schema *s = schema_of(schema_text);
    if (!s) return;
    char *json = NULL;
    size_t length;
    errbuf[0] = '\0';
    int err = sr_avro_decode_json(s, bytes, n, &json, &length, errbuf, sizeof errbuf);
    CHECKF(err == SR_ERR_AVRO_DATA && strstr(errbuf, expected_message), "expected \"%s\", got %s: %s", expected_message,
           sr_err_name(err), errbuf);
    CHECK(json == NULL);
    sr_free(json);
    sr_avro_schema_free(s);
}

static void decode_fails_hex(const char *schema_text, const char *hex, const char *expected_message) {
    uint8_t bytes[1024];
    decode_fails(schema_text, bytes, unhex(hex, bytes), expected_message);
}

static void test_blocks_as_writers_may_write_them(void) {
    /* Several blocks, and negative counts with byte sizes (the spec allows both). */
    decode_ok("{\"type\":\"array\",\"items\":\"long\"}", "04020404060800", "[1,2,3,4]");
    decode_ok("{\"type\":\"array\",\"items\":\"long\"}", "0304020401020600", "[1,2,3]");
    decode_ok("{\"type\":\"map\",\"values\":\"int\"}", "030c026102026202" "00", "{\"a\":1,\"b\":1}");
    decode_ok("{\"type\":\"array\",\"items\":\"null\"}", "0a00", "[null,null,null,null,null]");
    /* Varints may be padded with continuation bytes (non-minimal), as the spec does not forbid. */
    decode_ok("\"long\"", "8200", "1");
}

static void test_hostile_bytes(void) {
    const char *record = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"},"
                         "{\"name\":\"xs\",\"type\":{\"type\":\"array\",\"items\":\"long\"}}]}";
    decode_fails_hex("\"string\"", "06666f", "string length 3 exceeds the 2 bytes left");
    decode_fails_hex("\"string\"", "feffffffffffffffff01", "exceeds");
    decode_fails_hex("\"string\"", "01", "negative string length");
    decode_fails_hex("\"bytes\"", "80808080808080808001", "exceeds");
    decode_fails_hex(record, "0261feffffffffffffff7f", "/xs: block count");
    decode_fails_hex("{\"type\":\"array\",\"items\":\"null\"}", "feffffffffffffff7f", "items that take no bytes");
    decode_fails_hex("{\"type\":\"array\",\"items\":\"long\"}", "ffffffffffffffffff0100", "block count out of range");
    decode_fails_hex("{\"type\":\"array\",\"items\":\"long\"}", "0364020400", "block size 50 does not fit");
    decode_fails_hex("{\"type\":\"array\",\"items\":\"long\"}", "0302020400", "block size 1 does not match its 2 bytes");
    decode_fails_hex("\"long\"", "ffffffffffffffffffff01", "varint longer than 64 bits");
    decode_fails_hex("\"long\"", "ffffffffffffffffff02", "varint longer than 64 bits");
    decode_fails_hex("\"long\"", "80", "truncated");
    decode_fails_hex("\"int\"", "8080808010", "out of an int's range");
    decode_fails_hex("\"boolean\"", "02", "a boolean is 0 or 1");
    decode_fails_hex("\"double\"", "00000000", "a double takes 8 bytes");
    decode_fails_hex("[\"null\",\"int\"]", "04", "union index 2 out of range");
    decode_fails_hex("[\"null\",\"int\"]", "01", "union index -1 out of range");
    decode_fails_hex("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "02", "enum index 1 out of range");
    decode_fails_hex("\"string\"", "04c328", "not valid UTF-8");
    decode_fails_hex("\"string\"", "06eda080", "not valid UTF-8"); /* a surrogate */
    decode_fails_hex("\"string\"", "04c0af", "not valid UTF-8");   /* overlong */
    decode_fails_hex("{\"type\":\"map\",\"values\":\"int\"}", "0202ff0000", "a map key is not valid UTF-8");
    decode_fails_hex("\"int\"", "0202", "1 bytes left after the value");
    decode_fails_hex("{\"type\":\"fixed\",\"name\":\"F\",\"size\":16}", "0102", "fixed F takes 16 bytes");
    /* Deep nesting through a recursive type: refused at 128 levels, not a stack overflow. */
    uint8_t deep[4000];
    memset(deep, 0x02, sizeof deep); /* union branch 1 ("List") again and again */
    decode_fails("{\"type\":\"record\",\"name\":\"List\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"List\"]}]}",
                 deep, sizeof deep, "nested deeper than 128 levels");
}

/* Every truncation of a valid encoding fails cleanly, and random bytes never crash. */
static void test_truncations_and_random_bytes(void) {
    size_t length;
    char *text = read_file(OWN_VECTORS, &length);
    sr_json *doc;
    if (!text || sr_json_parse(text, length, &doc, errbuf, sizeof errbuf) != SR_OK) {
        CHECK(0);
        free(text);
        return;
    }
    const sr_json_value *vectors = sr_json_get(sr_json_root(doc), "vectors");
    const sr_json_value *last = sr_json_item(vectors, sr_json_size(vectors) - 1); /* the big record */
    sr_avro_schema *s = schema_of(sr_json_string(sr_json_get(last, "schema"), NULL));
    uint8_t bytes[4096];
    size_t n = unhex(sr_json_string(sr_json_get(last, "hex"), NULL), bytes);
    int clean = 1;
    for (size_t cut = 0; s && cut < n; cut++) {
        sr_json *value = NULL;
        int err = sr_avro_decode_value(s, bytes, cut, &value, errbuf, sizeof errbuf);
        if (err != SR_ERR_AVRO_DATA || value) clean = 0;
        sr_json_free(value);
    }
    CHECKF(clean, "every truncation of a %zu-byte record is SR_ERR_AVRO_DATA", n);
    /* Random bytes and random mutations of the record: only OK or AVRO_DATA. */
    unsigned seed = 12345;
    int ok = 0, refused = 0, other = 0;
    for (int round = 0; s && round < 20000; round++) {
        uint8_t buffer[4096];
        size_t len;
        if (round % 2) {
            len = (size_t)(rand_r(&seed) % 64);
            for (size_t i = 0; i < len; i++) buffer[i] = (uint8_t)rand_r(&seed);
        } else {
            len = n;
            memcpy(buffer, bytes, n);
            for (int k = 0; k < 3; k++) buffer[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
        }
        char *json = NULL;
        size_t json_length;
        int err = sr_avro_decode_json(s, buffer, len, &json, &json_length, errbuf, sizeof errbuf);
        if (err == SR_OK) ok++;
        else if (err == SR_ERR_AVRO_DATA) refused++;
        else other++;
        sr_free(json);
    }
    printf("    random input: %d decoded, %d refused, %d other\n", ok, refused, other);
    CHECK(other == 0 && refused > 0);
    sr_avro_schema_free(s);
    sr_json_free(doc);
    free(text);
}

static void encode_fails(const char *schema_text, const char *json, int expected_err, const char *expected_message) {
    sr_avro_schema *s = schema_of(schema_text);
    if (!s) return;
    uint8_t *out = NULL;
    size_t length;
    errbuf[0] = '\0';
    int err = sr_avro_encode_json(s, json, strlen(json), &out, &length, errbuf, sizeof errbuf);
    CHECKF(err == expected_err && strstr(errbuf, expected_message), "%s: expected %s \"%s\", got %s: %s", json,
           sr_err_name(expected_err), expected_message, sr_err_name(err), errbuf);
    CHECK(out == NULL);
    sr_avro_schema_free(s);
}

static void test_values_that_do_not_fit(void) {
    const char *order = "{\"type\":\"record\",\"name\":\"Order\",\"fields\":[{\"name\":\"items\",\"type\":{\"type\":\"array\","
                        "\"items\":{\"type\":\"record\",\"name\":\"Item\",\"fields\":[{\"name\":\"qty\",\"type\":\"int\"}]}}}]}";
    encode_fails(order, "{\"items\":[{\"qty\":1},{\"qty\":\"2\"}]}", SR_ERR_AVRO_VALUE, "/items/1/qty: expected int, found a string");
    encode_fails(order, "{\"items\":[{}]}", SR_ERR_AVRO_VALUE, "/items/0/qty: missing field 'qty'");
    encode_fails(order, "{\"items\":[{\"qty\":2147483648}]}", SR_ERR_AVRO_VALUE, "not an int");
    encode_fails(order, "{\"items\":[{\"qty\":1.5}]}", SR_ERR_AVRO_VALUE, "not an int");
    encode_fails(order, "{\"items\":[{\"qty\":1}", SR_ERR_JSON, "unterminated");
    encode_fails("\"long\"", "9223372036854775808", SR_ERR_AVRO_VALUE, "not a long");
    encode_fails("[\"null\",\"string\"]", "\"bare\"", SR_ERR_AVRO_VALUE, "expected null or {\"branch\": value}");
    encode_fails("[\"null\",\"string\"]", "{\"int\":1}", SR_ERR_AVRO_VALUE, "'int' is not a branch");
    encode_fails("[\"int\",\"string\"]", "null", SR_ERR_AVRO_VALUE, "null is not a branch");
    encode_fails("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\"B\"", SR_ERR_AVRO_VALUE, "'B' is not a symbol of enum E");
    encode_fails("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"abc\"", SR_ERR_AVRO_VALUE, "takes exactly 2 bytes");
    encode_fails("\"bytes\"", "\"\\u0100\"", SR_ERR_AVRO_VALUE, "code points U+0000..U+00FF");
    encode_fails("{\"type\":\"map\",\"values\":\"int\"}", "{\"k\":true}", SR_ERR_AVRO_VALUE, "/k: expected int, found a boolean");
    /* Fields missing from the object take their defaults (a union's is its first branch). */
    roundtrip("{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":3},"
              "{\"name\":\"u\",\"type\":[\"string\",\"null\"],\"default\":\"x\"},{\"name\":\"n\",\"type\":[\"null\",\"int\"],\"default\":null}]}",
              "{\"a\":3,\"u\":{\"string\":\"x\"},\"n\":null}", "06" "000278" "00");
    sr_avro_schema *s = schema_of("{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":3},"
                                  "{\"name\":\"u\",\"type\":[\"string\",\"null\"],\"default\":\"x\"}]}");
    uint8_t *out = NULL;
    size_t length;
    CHECK(s && sr_avro_encode_json(s, "{\"extra\":1}", 11, &out, &length, errbuf, sizeof errbuf) == SR_OK && length == 4 &&
          memcmp(out, "\x06\x00\x02x", 4) == 0);
    sr_free(out);
    sr_avro_schema_free(s);
    /* NaN and infinities travel as strings. */
    roundtrip("\"double\"", "\"NaN\"", "000000000000f87f");
    roundtrip("\"float\"", "\"-Infinity\"", "000080ff");
}

static void schema_fails(const char *text, int expected_err, const char *expected_message) {
    sr_avro_schema *s = NULL;
    errbuf[0] = '\0';
    int err = sr_avro_schema_parse(text, strlen(text), &s, errbuf, sizeof errbuf);
    CHECKF(err == expected_err && strstr(errbuf, expected_message), "%s: expected \"%s\", got %s: %s", text,
           expected_message, sr_err_name(err), errbuf);
    CHECK(s == NULL);
}

static void test_schemas(void) {
    schema_fails("\"Foo\"", SR_ERR_SCHEMA, "unknown type 'Foo'");
    schema_fails("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}", SR_ERR_SCHEMA,
                 "/fields/0/type: unknown type 'Nope'");
    schema_fails("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"enum\",\"name\":\"R\","
                 "\"symbols\":[]}}]}", SR_ERR_SCHEMA, "'R' is defined twice");
    schema_fails("[\"int\",[\"null\"]]", SR_ERR_SCHEMA, "a union cannot hold a union");
    schema_fails("[\"int\",\"int\"]", SR_ERR_SCHEMA, "two branches of type 'int'");
    schema_fails("{\"type\":\"record\",\"name\":\"R\"}", SR_ERR_SCHEMA, "needs a \"fields\" array");
    schema_fails("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":\"int\"}]}",
                 SR_ERR_SCHEMA, "two fields named 'a'");
    schema_fails("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}", SR_ERR_SCHEMA, "'A' appears twice");
    schema_fails("{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}", SR_ERR_SCHEMA, "\"size\"");
    schema_fails("{\"type\":\"record\",\"name\":\"9R\",\"fields\":[]}", SR_ERR_SCHEMA, "invalid name");
    schema_fails("{\"type\":\"array\"}", SR_ERR_SCHEMA, "needs \"items\"");
    schema_fails("{\"type\":", SR_ERR_JSON, "JSON at byte 8");
    schema_fails("42", SR_ERR_SCHEMA, "a schema is a string, an object or an array");
    /* Namespaces: a short name resolves in the enclosing namespace; union keys are full names;
     * a dotted name sets its own namespace; "" is the null namespace. */
    const char *ns = "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"a.b\",\"fields\":["
                     "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}},"
                     "{\"name\":\"f\",\"type\":[\"null\",\"E\"]},"
                     "{\"name\":\"g\",\"type\":{\"type\":\"fixed\",\"name\":\"c.F\",\"size\":1}},"
                     "{\"name\":\"h\",\"type\":[\"null\",\"c.F\",\"a.b.E\"]},"
                     "{\"name\":\"i\",\"type\":{\"type\":\"record\",\"name\":\"G\",\"namespace\":\"\",\"fields\":[]}},"
                     "{\"name\":\"j\",\"type\":[\"null\",\"G\"]}]}";
    roundtrip(ns, "{\"e\":\"X\",\"f\":{\"a.b.E\":\"X\"},\"g\":\"z\",\"h\":{\"c.F\":\"y\"},\"i\":{},\"j\":{\"G\":{}}}",
              "00" "0200" "7a" "0279" "" "02");
}

/* Confluent schema references: named types defined by other schemas' texts, in order. */
static void test_schema_references(void) {
    const char *address = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"shop\",\"fields\":["
                          "{\"name\":\"city\",\"type\":\"string\"}]}";
    const char *person = "{\"type\":\"record\",\"name\":\"shop.Person\",\"fields\":[{\"name\":\"home\",\"type\":\"shop.Address\"}]}";
    const char *order = "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                        "{\"name\":\"buyer\",\"type\":\"Person\"},{\"name\":\"ship_to\",\"type\":[\"null\",\"Address\"]}]}";
    const char *both[] = {address, person};
    sr_avro_schema *s = NULL;
    int err = sr_avro_schema_parse_with_references(order, strlen(order), both, 2, &s, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK, "%s", errbuf);
    if (s) {
        const char *value = "{\"buyer\":{\"home\":{\"city\":\"Oslo\"}},\"ship_to\":{\"shop.Address\":{\"city\":\"Rome\"}}}";
        uint8_t *out = NULL;
        size_t length = 0;
        CHECK(sr_avro_encode_json(s, value, strlen(value), &out, &length, errbuf, sizeof errbuf) == SR_OK && length == 11 &&
              memcmp(out, "\x08Oslo\x02\x08Rome", 11) == 0);
        sr_free(out);
        sr_avro_schema_free(s);
    }
    /* Out of order, the person's reference to the address is unknown; missing, the order's. */
    const char *reversed[] = {person, address};
    err = sr_avro_schema_parse_with_references(order, strlen(order), reversed, 2, &s, errbuf, sizeof errbuf);
    CHECKF(err == SR_ERR_SCHEMA && strstr(errbuf, "schema reference 0: Avro schema at /fields/0/type: unknown type 'shop.Address'"),
           "%s", errbuf);
    err = sr_avro_schema_parse_with_references(order, strlen(order), both, 1, &s, errbuf, sizeof errbuf);
    CHECKF(err == SR_ERR_SCHEMA && strstr(errbuf, "unknown type 'Person'"), "%s", errbuf);
    const char *broken[] = {"{\"type\":"};
    err = sr_avro_schema_parse_with_references(order, strlen(order), broken, 1, &s, errbuf, sizeof errbuf);
    CHECKF(err == SR_ERR_JSON && strstr(errbuf, "schema reference 0: JSON at byte"), "%s", errbuf);
    /* A type defined twice across the texts is an error, as within one. */
    const char *twice[] = {address, address};
    err = sr_avro_schema_parse_with_references(order, strlen(order), twice, 2, &s, errbuf, sizeof errbuf);
    CHECKF(err == SR_ERR_SCHEMA && strstr(errbuf, "defined twice"), "%s", errbuf);
}

static void json_fails(const char *text, const char *expected_message) {
    sr_json *doc = NULL;
    errbuf[0] = '\0';
    int err = sr_json_parse(text, strlen(text), &doc, errbuf, sizeof errbuf);
    CHECKF(err == SR_ERR_JSON && strstr(errbuf, expected_message), "%s: expected \"%s\", got %s: %s", text,
           expected_message, sr_err_name(err), errbuf);
    CHECK(doc == NULL);
}

static void json_same(const char *text, const char *expected) {
    sr_json *doc = NULL;
    char *out = NULL;
    size_t length;
    int err = sr_json_parse(text, strlen(text), &doc, errbuf, sizeof errbuf);
    CHECKF(err == SR_OK, "%s: %s", text, errbuf);
    if (err == SR_OK) CHECK(sr_json_write(doc, &out, &length) == SR_OK);
    CHECKF(out && strcmp(out, expected) == 0, "%s wrote %s, expected %s", text, out ? out : "nothing", expected);
    sr_free(out);
    sr_json_free(doc);
}

static void test_json_parser(void) {
    json_same(" { \"a\" : [ 1 , -0 , 2.5e3 , true , false , null , \"x\" ] } ", "{\"a\":[1,0,2500.0,true,false,null,\"x\"]}");
    json_same("\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\\b\\f\\r\\t\\u0001\"", "\"\xc3\xa9\xf0\x9f\x98\x80\\n\\\"\\\\/\\b\\f\\r\\t\\u0001\"");
    json_same("-9223372036854775808", "-9223372036854775808");
    json_same("9223372036854775808", "9.223372036854776e+18");
    json_same("0.1", "0.1");
    json_same("[]", "[]");
    json_same("{}", "{}");
    json_fails("", "unexpected end of input");
    json_fails("[1,]", "unexpected character");
    json_fails("{\"a\":1,}", "expected a string key");
    json_fails("01", "leading zero");
    json_fails("1.", "digits after '.'");
    json_fails("-", "bad number");
    json_fails("1e", "exponent");
    json_fails("tru", "unexpected token");
    json_fails("\"a\nb\"", "control character");
    json_fails("\"\\x\"", "unknown escape");
    json_fails("\"\\ud800\"", "lone high surrogate");
    json_fails("\"\\udc00\"", "lone low surrogate");
    json_fails("\"\xff\"", "invalid UTF-8");
    json_fails("\"\xc3\"", "invalid UTF-8");
    json_fails("\"\xe0\x80\xaf\"", "invalid UTF-8");
    json_fails("\"abc", "unterminated string");
    json_fails("[1] [2]", "text after the value");
    json_fails("{\"a\"}", "expected ':'");
    json_fails("[1,\n 2,\n x]", "line 3, column 2");
    /* Deep nesting is refused, not a stack overflow. */
    char deep[100001];
    memset(deep, '[', 100000);
    deep[100000] = '\0';
    json_fails(deep, "nested deeper than 128 levels");
    char ok[260];
    memset(ok, '[', 128);
    memset(ok + 128, ']', 128);
    ok[256] = '\0';
    sr_json *doc = NULL;
    CHECK(sr_json_parse(ok, 256, &doc, errbuf, sizeof errbuf) == SR_OK);
    sr_json_free(doc);
    /* Text with a NUL inside its length is not silently cut. */
    CHECK(sr_json_parse("1\0", 2, &doc, errbuf, sizeof errbuf) == SR_ERR_JSON);
    /* The accessors. */
    const char *sample = "{\"n\":-5,\"s\":\"a\\u0000b\",\"d\":0.5,\"t\":true,\"a\":[1]}";
    CHECK(sr_json_parse(sample, strlen(sample), &doc, errbuf, sizeof errbuf) == SR_OK);
    const sr_json_value *root = sr_json_root(doc);
    int64_t i = 0;
    size_t length = 0;
    CHECK(sr_json_integer(sr_json_get(root, "n"), &i) && i == -5);
    CHECK(memcmp(sr_json_string(sr_json_get(root, "s"), &length), "a\0b", 3) == 0 && length == 3);
    CHECK(sr_json_number(sr_json_get(root, "d")) == 0.5 && !sr_json_integer(sr_json_get(root, "d"), &i));
    CHECK(sr_json_bool(sr_json_get(root, "t")) && sr_json_type(sr_json_get(root, "t")) == SR_JSON_BOOL);
    CHECK(sr_json_size(sr_json_get(root, "a")) == 1 && sr_json_item(sr_json_get(root, "a"), 1) == NULL);
    CHECK(sr_json_get(root, "missing") == NULL && sr_json_size(root) == 5 && strcmp(sr_json_member_key(root, 4), "a") == 0);
    sr_json_free(doc);
}

static void test_wire_format(void) {
    uint8_t *payload = NULL;
    size_t length = 0, offset = 0, count = 0;
    uint32_t id = 0;
    CHECK(sr_wire_frame(0x01020304, (const uint8_t *)"ab", 2, &payload, &length) == SR_OK && length == 7 &&
          memcmp(payload, "\x00\x01\x02\x03\x04" "ab", 7) == 0);
    CHECK(sr_wire_unframe(payload, length, &id, &offset, errbuf, sizeof errbuf) == SR_OK && id == 0x01020304 && offset == 5);
    sr_free(payload);
    /* [0] is the single byte 0; [1, 2] is count 2 (04), then 02 04. */
    int32_t indexes[SR_WIRE_MAX_INDEXES];
    const int32_t zero[] = {0}, path[] = {1, 2};
    CHECK(sr_wire_frame_protobuf(7, zero, 1, (const uint8_t *)"x", 1, &payload, &length) == SR_OK && length == 7 &&
          memcmp(payload, "\x00\x00\x00\x00\x07\x00x", 7) == 0);
    CHECK(sr_wire_unframe_protobuf(payload, length, &id, indexes, SR_WIRE_MAX_INDEXES, &count, &offset, errbuf,
                                   sizeof errbuf) == SR_OK && count == 1 && indexes[0] == 0 && offset == 6);
    sr_free(payload);
    CHECK(sr_wire_frame_protobuf(7, NULL, 0, NULL, 0, &payload, &length) == SR_OK && length == 6 && payload[5] == 0);
    sr_free(payload);
    CHECK(sr_wire_frame_protobuf(7, path, 2, (const uint8_t *)"x", 1, &payload, &length) == SR_OK && length == 9 &&
          memcmp(payload + 5, "\x04\x02\x04x", 4) == 0);
    CHECK(sr_wire_unframe_protobuf(payload, length, &id, indexes, SR_WIRE_MAX_INDEXES, &count, &offset, errbuf,
                                   sizeof errbuf) == SR_OK && count == 2 && indexes[0] == 1 && indexes[1] == 2 && offset == 8);
    /* Every truncation of the header or of the index list is SR_ERR_WIRE_TRUNCATED. */
    for (size_t cut = 0; cut < 8; cut++) {
        errbuf[0] = '\0';
        int err = sr_wire_unframe_protobuf(payload, cut, &id, indexes, SR_WIRE_MAX_INDEXES, &count, &offset, errbuf, sizeof errbuf);
        CHECKF(err == SR_ERR_WIRE_TRUNCATED && (strstr(errbuf, "truncated") || (cut == 0 && strstr(errbuf, "empty"))),
               "cut %zu: %s %s", cut, sr_err_name(err), errbuf);
    }
    sr_free(payload);
    const int32_t negative[] = {-1};
    CHECK(sr_wire_frame_protobuf(7, negative, 1, NULL, 0, &payload, &length) == SR_ERR_ARGUMENT && payload == NULL);
    /* Wrong magic byte: named, with a hint for plain JSON. */
    CHECK(sr_wire_unframe((const uint8_t *)"{\"a\":1}", 7, &id, &offset, errbuf, sizeof errbuf) == SR_ERR_WIRE_MAGIC &&
          strstr(errbuf, "wrong magic byte 0x7b") && strstr(errbuf, "plain JSON"));
    CHECK(sr_wire_unframe((const uint8_t *)"\x01\x00\x00\x00\x01", 5, &id, &offset, errbuf, sizeof errbuf) == SR_ERR_WIRE_MAGIC);
    CHECK(sr_wire_unframe((const uint8_t *)"\x00\x00\x00", 3, &id, &offset, errbuf, sizeof errbuf) == SR_ERR_WIRE_TRUNCATED &&
          strstr(errbuf, "3 bytes"));
    /* Bad index lists: a negative count, more than the limit or the bytes left, a negative
     * index, a varint longer than 32 bits. */
    struct { const char *bytes; size_t length; int err; const char *message; } bad[] = {
        {"\x00\x00\x00\x00\x01\x01", 6, SR_ERR_WIRE_INDEXES, "negative message-index count -1"},
        {"\x00\x00\x00\x00\x01\x80\x04", 7, SR_ERR_WIRE_INDEXES, "count 256 exceeds the limit"},
        {"\x00\x00\x00\x00\x01\x14\x02", 7, SR_ERR_WIRE_TRUNCATED, "10 message indexes announced, 1 bytes left"},
        {"\x00\x00\x00\x00\x01\x02\x01", 7, SR_ERR_WIRE_INDEXES, "negative message index -1"},
        {"\x00\x00\x00\x00\x01\x02\xff\xff\xff\xff\xff\x01", 12, SR_ERR_WIRE_INDEXES, "longer than 32 bits"},
        {"\x00\x00\x00\x00\x01\x04\x02\x80", 8, SR_ERR_WIRE_TRUNCATED, "message index 1 is cut off"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        errbuf[0] = '\0';
        int err = sr_wire_unframe_protobuf((const uint8_t *)bad[k].bytes, bad[k].length, &id, indexes, SR_WIRE_MAX_INDEXES,
                                           &count, &offset, errbuf, sizeof errbuf);
        CHECKF(err == bad[k].err && strstr(errbuf, bad[k].message), "case %zu: %s %s", k, sr_err_name(err), errbuf);
    }
    /* A caller's smaller limit. */
    CHECK(sr_wire_unframe_protobuf((const uint8_t *)"\x00\x00\x00\x00\x01\x04\x02\x04", 8, &id, indexes, 1, &count, &offset,
                                   errbuf, sizeof errbuf) == SR_ERR_WIRE_INDEXES);
    CHECK(strcmp(sr_err_name(SR_ERR_WIRE_MAGIC), "SR_ERR_WIRE_MAGIC") == 0 && strcmp(sr_err_name(SR_ERR_REGISTRY), "SR_ERR_REGISTRY") == 0);
}

/* Mutated JSON texts and schemas: only success or the documented error, never a crash. */
static void test_mutated_json_and_schemas(void) {
    size_t length;
    char *text = read_file(OWN_VECTORS, &length);
    if (!text) {
        CHECK(0);
        return;
    }
    unsigned seed = 99;
    int other = 0, parsed = 0;
    char *copy = malloc(length);
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, text, length);
        for (int k = 0; k < 4; k++) copy[rand_r(&seed) % length] = (char)rand_r(&seed);
        size_t cut = round % 3 ? length : (size_t)rand_r(&seed) % length;
        sr_json *doc = NULL;
        int err = sr_json_parse(copy, cut, &doc, errbuf, sizeof errbuf);
        if (err == SR_OK) parsed++;
        else if (err != SR_ERR_JSON) other++;
        sr_json_free(doc);
    }
    const char *schema = "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n.s\",\"fields\":[{\"name\":\"a\","
                         "\"type\":[\"null\",{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\",\"Y\"]}]},"
                         "{\"name\":\"b\",\"type\":{\"type\":\"map\",\"values\":\"R\"}},{\"name\":\"c\",\"type\":"
                         "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3},\"default\":\"abc\"},{\"name\":\"d\",\"type\":\"E\"}]}";
    size_t schema_length = strlen(schema);
    char mutated[512];
    int compiled = 0, encoded = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(mutated, schema, schema_length);
        int changes = 1 + rand_r(&seed) % 3;
        for (int k = 0; k < changes; k++) mutated[rand_r(&seed) % schema_length] = " \"{}[],:abcnrtyE.0"[rand_r(&seed) % 19];
        sr_avro_schema *s = NULL;
        int err = sr_avro_schema_parse(mutated, schema_length, &s, errbuf, sizeof errbuf);
        if (err == SR_OK) {
            compiled++;
            /* Whatever compiled encodes and decodes without crashing too. */
            uint8_t *out = NULL;
            size_t out_length;
            char *json = NULL;
            const char *value = "{\"a\":null,\"b\":{},\"d\":\"X\"}";
            if (sr_avro_encode_json(s, value, strlen(value), &out, &out_length, errbuf, sizeof errbuf) == SR_OK) {
                encoded++;
                sr_avro_decode_json(s, out, out_length, &json, &out_length, errbuf, sizeof errbuf);
            }
            sr_free(out);
            sr_free(json);
        } else if (err != SR_ERR_JSON && err != SR_ERR_SCHEMA) {
            other++;
        }
        sr_avro_schema_free(s);
    }
    printf("    mutated input: %d JSON texts parsed, %d schemas compiled (%d took the value), %d other errors\n", parsed,
           compiled, encoded, other);
    CHECK(other == 0 && compiled > 0 && encoded > 0);
    free(copy);
    free(text);
}

/* Large values: a 1 MiB string and 256 KiB of bytes above 0x7f go both ways. */
static void test_large_values(void) {
    size_t n = 1 << 20;
    char *json = malloc(n + 3);
    json[0] = '"';
    memset(json + 1, 'x', n);
    json[n + 1] = '"';
    json[n + 2] = '\0';
    sr_avro_schema *s = schema_of("\"string\"");
    uint8_t *out = NULL;
    size_t length = 0;
    CHECK(s && sr_avro_encode_json(s, json, n + 2, &out, &length, errbuf, sizeof errbuf) == SR_OK && length == n + 4);
    char *back = NULL;
    size_t back_length = 0;
    CHECK(out && sr_avro_decode_json(s, out, length, &back, &back_length, errbuf, sizeof errbuf) == SR_OK &&
          back_length == n + 2 && memcmp(back, json, n + 2) == 0);
    sr_free(out);
    sr_free(back);
    sr_avro_schema_free(s);
    free(json);
    /* Bytes: each 0xff is the code point U+00FF, two bytes of UTF-8, and back. */
    size_t m = 1 << 18;
    uint8_t *raw = malloc(m + 8);
    raw[0] = 0x80, raw[1] = 0x80, raw[2] = 0x20; /* zigzag varint of 2^18 */
    memset(raw + 3, 0xff, m);
    s = schema_of("\"bytes\"");
    CHECK(s && sr_avro_decode_json(s, raw, m + 3, &back, &back_length, errbuf, sizeof errbuf) == SR_OK &&
          back_length == 2 * m + 2);
    CHECK(back && sr_avro_encode_json(s, back, back_length, &out, &length, errbuf, sizeof errbuf) == SR_OK &&
          length == m + 3 && memcmp(out, raw, length) == 0);
    sr_free(out);
    sr_free(back);
    sr_avro_schema_free(s);
    free(raw);
}

int main(void) {
    RUN(test_wire_format);
    RUN(test_json_parser);
    RUN(test_schemas);
    RUN(test_schema_references);
    RUN(test_spec_examples);
    RUN(test_blocks_as_writers_may_write_them);
    RUN(test_fastavro_vectors_shared_with_swift);
    RUN(test_fastavro_vectors_of_our_own);
    RUN(test_values_that_do_not_fit);
    RUN(test_hostile_bytes);
    RUN(test_truncations_and_random_bytes);
    RUN(test_mutated_json_and_schemas);
    RUN(test_large_values);
    return check_summary();
}
