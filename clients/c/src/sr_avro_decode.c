/* Avro binary to a value in Avro's JSON encoding (an sr_json tree, or text through it).
 * Input is untrusted: every read is checked against the bytes left, lengths and block counts
 * are checked before anything is allocated (a count of items that take at least k bytes
 * each cannot exceed bytes-left / k), items of types that take no bytes (null, empty
 * records) are limited to a budget proportional to the input, and nesting to 128 levels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

typedef struct decoder {
    const uint8_t *s;
    size_t n, pos;
    sr_arena *arena;
    size_t zero_budget; /* items of zero-byte types still allowed */
    sr_avro_path path;
    char *errbuf;
    size_t errbuf_size;
    int err;
} decoder;

static int fail(decoder *d, size_t at, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(decoder *d, size_t at, const char *format, ...) {
    if (d->err) return d->err;
    char where[256], message[256];
    sr_path_format(&d->path, where, sizeof where);
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    d->err = sr_serde_fail(d->errbuf, d->errbuf_size, SR_ERR_AVRO_DATA, "Avro data at byte %zu, %s: %s", at, where,
                           message);
    return d->err;
}

static int oom(decoder *d) {
    if (!d->err) d->err = sr_serde_fail(d->errbuf, d->errbuf_size, SR_ERR_OOM, "out of memory decoding");
    return d->err;
}

static int read_long(decoder *d, int64_t *out) {
    size_t at = d->pos;
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (d->pos >= d->n) return fail(d, at, "truncated: the input ends inside a varint");
        uint8_t byte = d->s[d->pos++];
        /* The tenth byte holds bit 63 only. */
        if (shift == 63 && byte > 1) return fail(d, at, "varint longer than 64 bits");
        result |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *out = (int64_t)(result >> 1) ^ -(int64_t)(result & 1);
            return 0;
        }
    }
    return fail(d, at, "varint longer than 64 bits");
}

/* A length (of bytes or a string): non-negative and within the input. */
static int read_length(decoder *d, size_t *length, const char *what) {
    size_t at = d->pos;
    int64_t v;
    if (read_long(d, &v) != 0) return d->err;
    if (v < 0) return fail(d, at, "negative %s length %lld", what, (long long)v);
    if ((uint64_t)v > d->n - d->pos)
        return fail(d, at, "%s length %lld exceeds the %zu bytes left", what, (long long)v, d->n - d->pos);
    *length = (size_t)v;
    return 0;
}

/* A block's item count (0 ends the list). A negative count is followed by the block's size
 * in bytes, which must fit in what is left. Counts are checked against the bytes left. */
static int read_block(decoder *d, const sr_avro_node *item, size_t extra_min, size_t *count, int64_t *block_size) {
    size_t at = d->pos;
    int64_t v;
    *block_size = -1;
    if (read_long(d, &v) != 0) return d->err;
    if (v < 0) {
        if (v == INT64_MIN) return fail(d, at, "block count out of range");
        v = -v;
        int64_t size;
        size_t size_at = d->pos;
        if (read_long(d, &size) != 0) return d->err;
        if (size < 0 || (uint64_t)size > d->n - d->pos)
            return fail(d, size_at, "block size %lld does not fit the %zu bytes left", (long long)size, d->n - d->pos);
        *block_size = size;
    }
    size_t min = item->min_size + extra_min;
    size_t left = d->n - d->pos;
    if (min > 0) {
        if ((uint64_t)v > left / min)
            return fail(d, at, "block count %lld needs at least %llu bytes, %zu left", (long long)v,
                        (unsigned long long)((uint64_t)v > UINT64_MAX / min ? UINT64_MAX : (uint64_t)v * min), left);
    } else {
        if ((uint64_t)v > d->zero_budget)
            return fail(d, at, "block count %lld of items that take no bytes is more than this input allows",
                        (long long)v);
        d->zero_budget -= (size_t)v;
    }
    *count = (size_t)v;
    return 0;
}

/* Bytes as a string of code points U+0000..U+00FF, in UTF-8. */
static int latin1_string(decoder *d, const uint8_t *raw, size_t length, struct sr_json_value *out) {
    size_t high = 0;
    for (size_t i = 0; i < length; i++) high += raw[i] >> 7;
    char *text = sr_arena_alloc(d->arena, length + high + 1);
    if (!text) return oom(d);
    char *p = text;
    for (size_t i = 0; i < length; i++) {
        if (raw[i] < 0x80) *p++ = (char)raw[i];
        else *p++ = (char)(0xC0 | (raw[i] >> 6)), *p++ = (char)(0x80 | (raw[i] & 0x3F));
    }
    *p = '\0';
    out->type = SR_JSON_STRING;
    out->u.string = text;
    out->length = length + high;
    return 0;
}

static int utf8_string(decoder *d, size_t at, size_t length, const char **text, const char *what) {
    size_t bad;
    if (!sr_utf8_valid(d->s + d->pos, length, &bad)) return fail(d, d->pos + bad, "%s is not valid UTF-8", what);
    char *copy = sr_arena_strndup(d->arena, (const char *)d->s + d->pos, length);
    if (!copy) return oom(d);
    d->pos += length;
    *text = copy;
    (void)at;
    return 0;
}

static int decode(decoder *d, const sr_avro_node *n, struct sr_json_value *out, int depth);

/* A block announced with its size in bytes must have taken exactly that many. */
static int check_block_size(decoder *d, int64_t block_size, size_t start) {
    if (block_size >= 0 && (uint64_t)block_size != d->pos - start)
        return fail(d, start, "block size %lld does not match its %zu bytes of items", (long long)block_size,
                    d->pos - start);
    return 0;
}

/* Grows an arena array of items to hold `needed` (doubling, so many small blocks cost
 * linear time; the old array is left in the arena). */
static void *grow(decoder *d, void *items, size_t *capacity, size_t used, size_t needed, size_t item_size) {
    if (needed <= *capacity) return items;
    size_t capacity2 = *capacity * 2 > needed ? *capacity * 2 : needed;
    if (capacity2 > SIZE_MAX / item_size) return NULL;
    void *grown = sr_arena_alloc(d->arena, capacity2 * item_size);
    if (!grown) return NULL;
    if (used) memcpy(grown, items, used * item_size);
    *capacity = capacity2;
    return grown;
}

static int decode_array(decoder *d, const sr_avro_node *n, struct sr_json_value *out, int depth) {
    struct sr_json_value *items = NULL;
    size_t used = 0, capacity = 0, count;
    out->type = SR_JSON_ARRAY;
    for (;;) {
        int64_t block_size;
        if (read_block(d, n->child, 0, &count, &block_size) != 0) return d->err;
        size_t start = d->pos;
        if (count == 0) break;
        if (used + count > UINT32_MAX) return fail(d, d->pos, "array longer than 2^32 items");
        items = grow(d, items, &capacity, used, used + count, sizeof *items);
        if (!items) return oom(d);
        for (size_t i = 0; i < count; i++, used++) {
            sr_path_push_index(&d->path, used);
            if (decode(d, n->child, &items[used], depth + 1) != 0) return d->err;
            sr_path_pop(&d->path);
        }
        if (check_block_size(d, block_size, start) != 0) return d->err;
    }
    out->u.items = items;
    out->count = (uint32_t)used;
    return 0;
}

static int decode_map(decoder *d, const sr_avro_node *n, struct sr_json_value *out, int depth) {
    sr_json_member *members = NULL;
    size_t used = 0, capacity = 0, count;
    out->type = SR_JSON_OBJECT;
    for (;;) {
        /* Each entry takes at least its key's length byte. */
        int64_t block_size;
        if (read_block(d, n->child, 1, &count, &block_size) != 0) return d->err;
        size_t start = d->pos;
        if (count == 0) break;
        if (used + count > UINT32_MAX) return fail(d, d->pos, "map larger than 2^32 entries");
        members = grow(d, members, &capacity, used, used + count, sizeof *members);
        if (!members) return oom(d);
        for (size_t i = 0; i < count; i++, used++) {
            sr_json_member *m = &members[used];
            size_t at = d->pos, length;
            if (read_length(d, &length, "map key") != 0 || utf8_string(d, at, length, &m->key, "a map key") != 0)
                return d->err;
            m->key_length = length;
            sr_path_push_name(&d->path, m->key, length);
            if (decode(d, n->child, &m->value, depth + 1) != 0) return d->err;
            sr_path_pop(&d->path);
        }
        if (check_block_size(d, block_size, start) != 0) return d->err;
    }
    out->u.members = members;
    out->count = (uint32_t)used;
    return 0;
}

static int decode(decoder *d, const sr_avro_node *n, struct sr_json_value *out, int depth) {
    memset(out, 0, sizeof *out);
    if (depth > SR_AVRO_MAX_DEPTH) return fail(d, d->pos, "nested deeper than 128 levels");
    size_t at = d->pos, length;
    int64_t v;
    switch (n->kind) {
    case SR_AV_NULL: out->type = SR_JSON_NULL; return 0;
    case SR_AV_BOOLEAN:
        if (d->pos >= d->n) return fail(d, at, "truncated: expected a boolean");
        if (d->s[d->pos] > 1) return fail(d, at, "a boolean is 0 or 1, found %u", d->s[d->pos]);
        out->type = SR_JSON_BOOL;
        out->boolean = d->s[d->pos++];
        return 0;
    case SR_AV_INT:
    case SR_AV_LONG:
        if (read_long(d, &v) != 0) return d->err;
        if (n->kind == SR_AV_INT && (v < INT32_MIN || v > INT32_MAX))
            return fail(d, at, "%lld is out of an int's range", (long long)v);
        out->type = SR_JSON_NUMBER;
        out->is_int = 1;
        out->integer = v;
        out->number = (double)v;
        return 0;
    case SR_AV_FLOAT: {
        if (d->n - d->pos < 4) return fail(d, at, "truncated: a float takes 4 bytes, %zu left", d->n - d->pos);
        uint32_t bits = (uint32_t)d->s[d->pos] | (uint32_t)d->s[d->pos + 1] << 8 | (uint32_t)d->s[d->pos + 2] << 16 |
                        (uint32_t)d->s[d->pos + 3] << 24;
        float f;
        memcpy(&f, &bits, 4);
        d->pos += 4;
        out->type = SR_JSON_NUMBER;
        out->number = f;
        return 0;
    }
    case SR_AV_DOUBLE: {
        if (d->n - d->pos < 8) return fail(d, at, "truncated: a double takes 8 bytes, %zu left", d->n - d->pos);
        uint64_t bits = 0;
        for (int i = 7; i >= 0; i--) bits = bits << 8 | d->s[d->pos + (size_t)i];
        memcpy(&out->number, &bits, 8);
        d->pos += 8;
        out->type = SR_JSON_NUMBER;
        return 0;
    }
    case SR_AV_BYTES:
        if (read_length(d, &length, "bytes") != 0) return d->err;
        d->pos += length;
        return latin1_string(d, d->s + d->pos - length, length, out);
    case SR_AV_STRING:
        if (read_length(d, &length, "string") != 0) return d->err;
        out->type = SR_JSON_STRING;
        out->length = length;
        return utf8_string(d, at, length, &out->u.string, "a string");
    case SR_AV_FIXED:
        if (d->n - d->pos < n->size)
            return fail(d, at, "truncated: fixed %s takes %zu bytes, %zu left", n->name, n->size, d->n - d->pos);
        d->pos += n->size;
        return latin1_string(d, d->s + d->pos - n->size, n->size, out);
    case SR_AV_ENUM:
        if (read_long(d, &v) != 0) return d->err;
        if (v < 0 || (uint64_t)v >= n->count)
            return fail(d, at, "enum index %lld out of range (enum %s has %zu symbols)", (long long)v, n->name,
                        n->count);
        out->type = SR_JSON_STRING;
        out->u.string = n->symbols[v]->u.string;
        out->length = n->symbols[v]->length;
        return 0;
    case SR_AV_ARRAY: return decode_array(d, n, out, depth);
    case SR_AV_MAP: return decode_map(d, n, out, depth);
    case SR_AV_UNION: {
        if (read_long(d, &v) != 0) return d->err;
        if (v < 0 || (uint64_t)v >= n->count)
            return fail(d, at, "union index %lld out of range (%zu branches)", (long long)v, n->count);
        const sr_avro_node *branch = n->branches[v];
        if (branch->kind == SR_AV_NULL) {
            out->type = SR_JSON_NULL;
            return 0;
        }
        /* {"branch name": value}: the name is the schema's (see sr_avro_decode_value). */
        sr_json_member *m = sr_arena_alloc(d->arena, sizeof *m);
        if (!m) return oom(d);
        m->key = branch->name;
        m->key_length = branch->name_length;
        out->type = SR_JSON_OBJECT;
        out->count = 1;
        out->u.members = m;
        return decode(d, branch, &m->value, depth + 1);
    }
    case SR_AV_RECORD: {
        sr_json_member *members = sr_arena_alloc(d->arena, (n->count ? n->count : 1) * sizeof *members);
        if (!members) return oom(d);
        out->type = SR_JSON_OBJECT;
        out->count = (uint32_t)n->count;
        out->u.members = members;
        for (size_t i = 0; i < n->count; i++) {
            members[i].key = n->fields[i].name;
            members[i].key_length = n->fields[i].name_length;
            sr_path_push_name(&d->path, n->fields[i].name, n->fields[i].name_length);
            if (decode(d, n->fields[i].type, &members[i].value, depth + 1) != 0) return d->err;
            sr_path_pop(&d->path);
        }
        return 0;
    }
    }
    return fail(d, at, "unknown node");
}

int sr_avro_decode_value(const sr_avro_schema *schema, const uint8_t *data, size_t length, sr_json **value,
                         char *errbuf, size_t errbuf_size) {
    if (!schema || !value || (!data && length))
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL schema, data or output");
    *value = NULL;
    sr_json *doc = sr_json_new_empty();
    decoder *d = malloc(sizeof *d);
    if (!doc || !d) {
        free(d);
        sr_json_free(doc);
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_OOM, "out of memory decoding");
    }
    d->s = data;
    d->n = length;
    d->pos = 0;
    d->arena = &doc->arena;
    /* Nulls and empty records cost no input: allow a few per input byte, no more. */
    d->zero_budget = length > (SIZE_MAX - 1024) / 8 ? SIZE_MAX : 1024 + 8 * length;
    d->path.depth = 0;
    d->errbuf = errbuf;
    d->errbuf_size = errbuf_size;
    d->err = 0;
    if (decode(d, schema->root, &doc->root, 0) == 0 && d->pos != d->n)
        fail(d, d->pos, "%zu bytes left after the value", d->n - d->pos);
    int err = d->err;
    free(d);
    if (err) {
        sr_json_free(doc);
        return err;
    }
    *value = doc;
    return SR_OK;
}

int sr_avro_decode_json(const sr_avro_schema *schema, const uint8_t *data, size_t length, char **json,
                        size_t *json_length, char *errbuf, size_t errbuf_size) {
    if (!json) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL output");
    *json = NULL;
    if (json_length) *json_length = 0;
    sr_json *doc;
    int err = sr_avro_decode_value(schema, data, length, &doc, errbuf, errbuf_size);
    if (err != SR_OK) return err;
    err = sr_json_write(doc, json, json_length);
    sr_json_free(doc);
    if (err != SR_OK) return sr_serde_fail(errbuf, errbuf_size, err, "out of memory writing JSON");
    return SR_OK;
}
