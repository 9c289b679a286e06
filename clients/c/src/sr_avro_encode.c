/* Avro binary encoding of a value in Avro's JSON encoding (a parsed sr_json tree), as the
 * spec's "Binary Encoding" section says: zigzag varint ints and longs, little-endian IEEE
 * floats, length-prefixed bytes and strings, arrays and maps in one block (count, items, 0),
 * unions as branch index then value, records as their fields in order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

typedef struct encoder {
    sr_buf out;
    sr_avro_path path;
    char *errbuf;
    size_t errbuf_size;
    int err;
} encoder;

static const char *const json_type_names[] = {"null", "a boolean", "a number", "a string", "an array", "an object"};

static int clip(size_t length) { return length > 100 ? 100 : (int)length; }

static int fail(encoder *e, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int fail(encoder *e, const char *format, ...) {
    if (e->err) return e->err;
    char where[256], message[300];
    sr_path_format(&e->path, where, sizeof where);
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    e->err = sr_serde_fail(e->errbuf, e->errbuf_size, SR_ERR_AVRO_VALUE, "%s: %s", where, message);
    return e->err;
}

static int mismatch(encoder *e, const sr_avro_node *n, const struct sr_json_value *v) {
    return fail(e, "expected %.*s, found %s", clip(n->name_length), n->name, json_type_names[v->type]);
}

/* The code points of a JSON string as bytes: each must be U+0000..U+00FF (Avro's JSON
 * spelling of bytes and fixed). Returns the byte count, or SIZE_MAX if one is above U+00FF. */
static size_t latin1_length(const struct sr_json_value *v) {
    size_t count = 0;
    const uint8_t *s = (const uint8_t *)v->u.string;
    for (size_t i = 0; i < v->length; count++) {
        if (s[i] < 0x80) i++;
        else if ((s[i] == 0xC2 || s[i] == 0xC3) && i + 1 < v->length) i += 2;
        else return SIZE_MAX;
    }
    return count;
}

static void put_latin1(sr_buf *out, const struct sr_json_value *v, size_t count) {
    if (sr_buf_reserve(out, count) != 0) return;
    const uint8_t *s = (const uint8_t *)v->u.string;
    uint8_t *p = out->data + out->length;
    for (size_t i = 0; i < v->length;) {
        if (s[i] < 0x80) *p++ = s[i++];
        else *p++ = (uint8_t)(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3F)), i += 2;
    }
    out->length += count;
}

static void put_le(sr_buf *out, uint64_t bits, int bytes) {
    if (sr_buf_reserve(out, (size_t)bytes) != 0) return;
    for (int i = 0; i < bytes; i++) out->data[out->length++] = (uint8_t)(bits >> (8 * i));
}

/* A JSON number (or "NaN", "Infinity", "-Infinity") as a double; -1 if neither. */
static int as_double(const struct sr_json_value *v, double *d) {
    if (v->type == SR_JSON_NUMBER) {
        *d = v->number;
        return 0;
    }
    if (v->type != SR_JSON_STRING) return -1;
    if (v->length == 3 && memcmp(v->u.string, "NaN", 3) == 0) *d = NAN;
    else if (v->length == 8 && memcmp(v->u.string, "Infinity", 8) == 0) *d = INFINITY;
    else if (v->length == 9 && memcmp(v->u.string, "-Infinity", 9) == 0) *d = -INFINITY;
    else return -1;
    return 0;
}

/* An integral JSON number within [low, high]. */
static int as_integer(const struct sr_json_value *v, int64_t low, int64_t high, int64_t *out) {
    if (v->type != SR_JSON_NUMBER) return -1;
    if (v->is_int) {
        if (v->integer < low || v->integer > high) return -1;
        *out = v->integer;
        return 0;
    }
    /* 5.0 and 1e3 are integers too; beyond 2^63 doubles are not exact. */
    double d = v->number;
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return -1;
    int64_t i = (int64_t)d; /* in range, so defined; a fraction makes it differ (no libm) */
    if ((double)i != d) return -1;
    if (i < low || i > high) return -1;
    *out = i;
    return 0;
}

static int encode(encoder *e, const sr_avro_node *n, const struct sr_json_value *v, int as_default, int depth);

static const struct sr_json_value *find_member(const struct sr_json_value *object, uint32_t hint, const char *name,
                                               size_t length) {
    /* Fields usually come in schema order: try the same position first. */
    if (hint < object->count && object->u.members[hint].key_length == length &&
        memcmp(object->u.members[hint].key, name, length) == 0)
        return &object->u.members[hint].value;
    for (uint32_t i = 0; i < object->count; i++)
        if (object->u.members[i].key_length == length && memcmp(object->u.members[i].key, name, length) == 0)
            return &object->u.members[i].value;
    return NULL;
}

static int encode_record(encoder *e, const sr_avro_node *n, const struct sr_json_value *v, int as_default, int depth) {
    if (v->type != SR_JSON_OBJECT)
        return fail(e, "expected an object for record %.*s, found %s", clip(n->name_length), n->name,
                    json_type_names[v->type]);
    for (size_t i = 0; i < n->count; i++) {
        const sr_avro_field *f = &n->fields[i];
        const struct sr_json_value *member = find_member(v, (uint32_t)i, f->name, f->name_length);
        sr_path_push_name(&e->path, f->name, f->name_length);
        int field_default = as_default;
        if (!member) {
            if (!f->default_value)
                return fail(e, "missing field '%.*s' (it has no default)", clip(f->name_length), f->name);
            /* A default is spelled with a union's first branch, unwrapped. */
            member = f->default_value;
            field_default = 1;
        }
        if (encode(e, f->type, member, field_default, depth + 1) != 0) return e->err;
        sr_path_pop(&e->path);
    }
    return 0;
}

static int encode_union(encoder *e, const sr_avro_node *n, const struct sr_json_value *v, int as_default, int depth) {
    if (as_default) {
        if (n->count == 0) return fail(e, "a default for an empty union");
        sr_buf_zigzag(&e->out, 0);
        return encode(e, n->branches[0], v, 1, depth + 1);
    }
    if (v->type == SR_JSON_NULL) {
        if (n->null_branch < 0) return fail(e, "null is not a branch of this union");
        sr_buf_zigzag(&e->out, n->null_branch);
        return 0;
    }
    if (v->type != SR_JSON_OBJECT || v->count != 1)
        return fail(e, "expected null or {\"branch\": value} for a union, found %s", json_type_names[v->type]);
    const sr_json_member *m = &v->u.members[0];
    for (size_t i = 0; i < n->count; i++) {
        const sr_avro_node *b = n->branches[i];
        if (b->name_length == m->key_length && memcmp(b->name, m->key, m->key_length) == 0) {
            sr_buf_zigzag(&e->out, (int64_t)i);
            return encode(e, b, &m->value, 0, depth + 1);
        }
    }
    return fail(e, "'%.*s' is not a branch of this union", clip(m->key_length), m->key);
}

static int encode(encoder *e, const sr_avro_node *n, const struct sr_json_value *v, int as_default, int depth) {
    if (depth > SR_AVRO_MAX_DEPTH) return fail(e, "nested deeper than 128 levels");
    int64_t integer;
    double d;
    size_t count;
    switch (n->kind) {
    case SR_AV_NULL:
        if (v->type != SR_JSON_NULL) return mismatch(e, n, v);
        return 0;
    case SR_AV_BOOLEAN:
        if (v->type != SR_JSON_BOOL) return mismatch(e, n, v);
        sr_buf_byte(&e->out, v->boolean ? 1 : 0);
        return 0;
    case SR_AV_INT:
        if (as_integer(v, INT32_MIN, INT32_MAX, &integer) != 0)
            return v->type == SR_JSON_NUMBER ? fail(e, "number is not an int (32-bit integer)") : mismatch(e, n, v);
        sr_buf_zigzag(&e->out, integer);
        return 0;
    case SR_AV_LONG:
        if (as_integer(v, INT64_MIN, INT64_MAX, &integer) != 0)
            return v->type == SR_JSON_NUMBER ? fail(e, "number is not a long (64-bit integer)") : mismatch(e, n, v);
        sr_buf_zigzag(&e->out, integer);
        return 0;
    case SR_AV_FLOAT: {
        if (as_double(v, &d) != 0) return mismatch(e, n, v);
        float f = (float)d;
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put_le(&e->out, bits, 4);
        return 0;
    }
    case SR_AV_DOUBLE: {
        if (as_double(v, &d) != 0) return mismatch(e, n, v);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        put_le(&e->out, bits, 8);
        return 0;
    }
    case SR_AV_BYTES:
        if (v->type != SR_JSON_STRING) return mismatch(e, n, v);
        if ((count = latin1_length(v)) == SIZE_MAX)
            return fail(e, "bytes are a string of code points U+0000..U+00FF");
        sr_buf_zigzag(&e->out, (int64_t)count);
        put_latin1(&e->out, v, count);
        return 0;
    case SR_AV_STRING:
        if (v->type != SR_JSON_STRING) return mismatch(e, n, v);
        sr_buf_zigzag(&e->out, (int64_t)v->length);
        sr_buf_append(&e->out, v->u.string, v->length);
        return 0;
    case SR_AV_FIXED:
        if (v->type != SR_JSON_STRING) return mismatch(e, n, v);
        if ((count = latin1_length(v)) != n->size) {
            return fail(e, "fixed %.*s takes exactly %zu bytes (code points U+0000..U+00FF)", clip(n->name_length),
                        n->name, n->size);
        }
        put_latin1(&e->out, v, count);
        return 0;
    case SR_AV_ENUM:
        if (v->type != SR_JSON_STRING) return mismatch(e, n, v);
        for (size_t i = 0; i < n->count; i++)
            if (n->symbols[i]->length == v->length && memcmp(n->symbols[i]->u.string, v->u.string, v->length) == 0) {
                sr_buf_zigzag(&e->out, (int64_t)i);
                return 0;
            }
        return fail(e, "'%.*s' is not a symbol of enum %s", clip(v->length), v->u.string, n->name);
    case SR_AV_ARRAY:
        if (v->type != SR_JSON_ARRAY) return mismatch(e, n, v);
        if (v->count) sr_buf_zigzag(&e->out, v->count);
        for (uint32_t i = 0; i < v->count; i++) {
            sr_path_push_index(&e->path, i);
            if (encode(e, n->child, &v->u.items[i], as_default, depth + 1) != 0) return e->err;
            sr_path_pop(&e->path);
        }
        sr_buf_byte(&e->out, 0);
        return 0;
    case SR_AV_MAP:
        if (v->type != SR_JSON_OBJECT) return mismatch(e, n, v);
        if (v->count) sr_buf_zigzag(&e->out, v->count);
        for (uint32_t i = 0; i < v->count; i++) {
            const sr_json_member *m = &v->u.members[i];
            sr_buf_zigzag(&e->out, (int64_t)m->key_length);
            sr_buf_append(&e->out, m->key, m->key_length);
            sr_path_push_name(&e->path, m->key, m->key_length);
            if (encode(e, n->child, &m->value, as_default, depth + 1) != 0) return e->err;
            sr_path_pop(&e->path);
        }
        sr_buf_byte(&e->out, 0);
        return 0;
    case SR_AV_UNION: return encode_union(e, n, v, as_default, depth);
    case SR_AV_RECORD: return encode_record(e, n, v, as_default, depth);
    }
    return fail(e, "unknown node");
}

int sr_avro_encode_value(const sr_avro_schema *schema, const sr_json_value *value, uint8_t **out,
                         size_t *out_length, char *errbuf, size_t errbuf_size) {
    if (!schema || !value || !out || !out_length)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL schema, value or output");
    *out = NULL;
    *out_length = 0;
    encoder *e = malloc(sizeof *e);
    if (!e) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_OOM, "out of memory");
    memset(&e->out, 0, sizeof e->out);
    e->path.depth = 0;
    e->errbuf = errbuf;
    e->errbuf_size = errbuf_size;
    e->err = 0;
    int err = encode(e, schema->root, value, 0, 0);
    if (!err && e->out.oom) err = sr_serde_fail(errbuf, errbuf_size, SR_ERR_OOM, "out of memory encoding");
    if (err) {
        sr_buf_release(&e->out);
    } else {
        *out = e->out.data ? e->out.data : malloc(1); /* an empty datum (null) is still a buffer */
        *out_length = e->out.length;
        if (!*out) err = sr_serde_fail(errbuf, errbuf_size, SR_ERR_OOM, "out of memory");
    }
    free(e);
    return err;
}

int sr_avro_encode_json(const sr_avro_schema *schema, const char *json, size_t json_length, uint8_t **out,
                        size_t *out_length, char *errbuf, size_t errbuf_size) {
    if (!schema || !out || !out_length)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL schema or output");
    *out = NULL;
    *out_length = 0;
    sr_json *doc;
    int err = sr_json_parse(json, json_length, &doc, errbuf, errbuf_size);
    if (err != SR_OK) return err;
    err = sr_avro_encode_value(schema, &doc->root, out, out_length, errbuf, errbuf_size);
    sr_json_free(doc);
    return err;
}
