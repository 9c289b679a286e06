/* Internal: what the JSON parser, the Avro schema compiler, the Avro codec, the wire format
 * and the serializers share: an arena (one free for a whole tree, no per-node malloc), a
 * growable byte buffer, the JSON value layout, the compiled Avro schema, and the error
 * helper that writes "what, where" into a caller's errbuf. Not installed. */
#ifndef SR_SERDE_INTERNAL_H
#define SR_SERDE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "srclient.h"
#include "srclient_serde.h"

/* ------------------------------------------------------------------ arena */

/* Chunks of growing size; allocations are 8-byte aligned and live until sr_arena_free.
 * Parsed documents and compiled schemas are trees of many small nodes that die together,
 * so one arena per tree makes allocation a pointer bump and freeing one loop. */
typedef struct sr_arena_chunk sr_arena_chunk;
typedef struct sr_arena {
    sr_arena_chunk *head;
    size_t used, capacity; /* in head */
    size_t next_size;
} sr_arena;

void sr_arena_init(sr_arena *arena);
void sr_arena_free(sr_arena *arena);
/* NULL when out of memory (or size overflows). */
void *sr_arena_alloc(sr_arena *arena, size_t size);
/* A NUL-terminated copy of length bytes. */
char *sr_arena_strndup(sr_arena *arena, const char *text, size_t length);

/* ------------------------------------------------------------------ byte buffer */

typedef struct sr_buf {
    uint8_t *data;
    size_t length, capacity;
    int oom; /* sticky: once an append failed, every later one is a no-op */
} sr_buf;

/* Makes room for `more` bytes; 0 on success, -1 (and oom set) otherwise. */
int sr_buf_grow(sr_buf *buf, size_t more);
static inline int sr_buf_reserve(sr_buf *buf, size_t more) {
    return buf->capacity - buf->length >= more ? 0 : sr_buf_grow(buf, more);
}
static inline void sr_buf_append(sr_buf *buf, const void *bytes, size_t length) {
    if (length == 0 || sr_buf_reserve(buf, length) != 0) return;
    memcpy(buf->data + buf->length, bytes, length);
    buf->length += length;
}
static inline void sr_buf_byte(sr_buf *buf, uint8_t byte) {
    if (sr_buf_reserve(buf, 1) == 0) buf->data[buf->length++] = byte;
}
/* Avro's long: zigzag, then base-128 varint, low group first (at most 10 bytes). */
static inline void sr_buf_zigzag(sr_buf *buf, int64_t value) {
    if (sr_buf_reserve(buf, 10) != 0) return;
    uint64_t encoded = ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
    uint8_t *p = buf->data + buf->length;
    while (encoded >= 0x80) {
        *p++ = (uint8_t)(encoded | 0x80);
        encoded >>= 7;
    }
    *p++ = (uint8_t)encoded;
    buf->length = (size_t)(p - buf->data);
}
void sr_buf_release(sr_buf *buf);

/* Writes "message" into errbuf (if any) and returns err: the one way the codecs report. */
int sr_serde_fail(char *errbuf, size_t errbuf_size, int err, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ------------------------------------------------------------------ JSON values */

/* Limits of the parser: nesting (arrays and objects) and text size. Deeper or larger input
 * is refused with SR_ERR_JSON before it can exhaust the stack or memory. */
#define SR_JSON_MAX_DEPTH 128
#define SR_JSON_MAX_LENGTH ((size_t)1 << 30)

typedef struct sr_json_member sr_json_member;
struct sr_json_value {
    uint8_t type;   /* enum sr_json_type */
    uint8_t is_int; /* a number written without fraction or exponent that fits int64 */
    uint8_t boolean;
    uint32_t count;   /* array items, object members */
    size_t length;    /* string bytes (UTF-8, NUL-terminated after them) */
    int64_t integer;  /* when is_int */
    double number;    /* every number */
    union {
        const char *string;
        struct sr_json_value *items;
        sr_json_member *members;
    } u;
};
struct sr_json_member {
    const char *key;
    size_t key_length;
    struct sr_json_value value;
};
struct sr_json {
    sr_arena arena;
    struct sr_json_value root;
};

/* An empty document (root null) whose arena the Avro decoder fills. */
struct sr_json *sr_json_new_empty(void);
/* Appends the value as JSON text (compact, UTF-8; bytes >= 0x80 of strings as they are). */
void sr_json_write_value(sr_buf *out, const struct sr_json_value *value);
/* Appends a JSON string literal of length bytes (escaping quotes, backslashes, controls). */
void sr_json_write_string(sr_buf *out, const char *text, size_t length);
/* The double as the shortest text that reads back to it ("NaN", "Infinity" as strings). */
void sr_json_write_double(sr_buf *out, double value, int single_precision);
/* Well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF)? */
int sr_utf8_valid(const uint8_t *text, size_t length, size_t *bad_offset);

/* ------------------------------------------------------------------ compiled Avro schemas */

enum sr_avro_kind {
    SR_AV_NULL, SR_AV_BOOLEAN, SR_AV_INT, SR_AV_LONG, SR_AV_FLOAT, SR_AV_DOUBLE, SR_AV_BYTES, SR_AV_STRING,
    SR_AV_RECORD, SR_AV_ENUM, SR_AV_ARRAY, SR_AV_MAP, SR_AV_UNION, SR_AV_FIXED
};

typedef struct sr_avro_node sr_avro_node;
typedef struct sr_avro_field {
    const char *name;
    size_t name_length;
    sr_avro_node *type;
    const struct sr_json_value *default_value; /* NULL: none (points into the schema's JSON) */
} sr_avro_field;

struct sr_avro_node {
    uint8_t kind;     /* enum sr_avro_kind */
    uint8_t min_state; /* min_size computation: 0 not yet, 1 in progress, 2 done */
    int null_branch;  /* unions: the index of the "null" branch, or -1 */
    const char *name; /* the full name of named types, the type name of the others: the key of a
                         union branch in Avro's JSON encoding */
    size_t name_length;
    size_t count;     /* fields, symbols, branches */
    size_t size;      /* fixed */
    size_t min_size;  /* the fewest bytes a value of this type takes (bounds counts on decode) */
    sr_avro_node *child; /* array items, map values */
    sr_avro_field *fields;
    sr_avro_node **branches;
    const struct sr_json_value **symbols; /* enum symbols: JSON strings of the schema */
};

struct sr_avro_schema {
    struct sr_json *json; /* the schema text, parsed: names and defaults point into it */
    struct sr_json **references; /* the texts of schema references, parsed (likewise) */
    size_t reference_count;
    sr_arena arena;       /* nodes */
    sr_avro_node *root;
};

/* Decoder limits: nesting of values, and items of zero-byte types (null, empty records)
 * that a count may claim without input to back it. */
#define SR_AVRO_MAX_DEPTH 128

/* Where the codec is in a value, for messages: a stack of field names, map keys and array
 * indexes, formatted as a JSON pointer ("/orders/3/price") only when something fails. */
typedef struct sr_avro_path {
    struct {
        const char *name; /* NULL: an index */
        size_t length, index;
    } at[SR_AVRO_MAX_DEPTH + 2];
    int depth;
} sr_avro_path;

static inline void sr_path_push_name(sr_avro_path *p, const char *name, size_t length) {
    if (p->depth < SR_AVRO_MAX_DEPTH + 2) p->at[p->depth].name = name, p->at[p->depth].length = length;
    p->depth++;
}
static inline void sr_path_push_index(sr_avro_path *p, size_t index) {
    if (p->depth < SR_AVRO_MAX_DEPTH + 2) p->at[p->depth].name = NULL, p->at[p->depth].index = index;
    p->depth++;
}
static inline void sr_path_pop(sr_avro_path *p) { p->depth--; }
/* The path as text ("/" for the root), cut to fit. */
void sr_path_format(const sr_avro_path *p, char *out, size_t size);

/* ------------------------------------------------------------------ schema references */

/* One (name, subject, version) of a schema's references. */
typedef struct sr_reference {
    const char *name, *subject;
    int32_t version;
} sr_reference;

/* Texts of referenced schemas, dependencies first (sr_serde_refs.c). */
typedef struct sr_reference_texts {
    char **texts;
    size_t count, capacity;
} sr_reference_texts;

/* Fetches the schemas of `references` and of their references, through the client, into
 * *out (zeroed first by the caller); SR_ERR_REGISTRY, SR_ERR_SCHEMA (too deep, too many) or
 * a client error with a message in errbuf. */
int sr_fetch_reference_texts(sr_client *client, int timeout_ms, const sr_reference *references, size_t count,
                             sr_reference_texts *out, char *errbuf, size_t errbuf_size);
void sr_reference_texts_free(sr_reference_texts *texts);

#endif
