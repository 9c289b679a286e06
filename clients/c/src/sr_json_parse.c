/* The JSON parser (RFC 8259) behind sr_json_parse and the Avro codec: recursive descent with
 * a depth limit, strict UTF-8, every read bounds-checked, errors with byte offset, line and
 * column. Children are collected on scratch stacks shared by all levels and copied into the
 * document's arena when their container closes, so a container's items are one array. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

typedef struct parser {
    const uint8_t *s;
    size_t n, pos;
    sr_arena *arena;
    struct sr_json_value *items; /* scratch stack of array items */
    size_t items_length, items_capacity;
    sr_json_member *members; /* scratch stack of object members */
    size_t members_length, members_capacity;
    sr_buf text; /* scratch for strings with escapes */
    char *errbuf;
    size_t errbuf_size;
    int err;
} parser;

static int fail(parser *p, size_t at, const char *what) {
    if (p->err) return p->err; /* keep the first, deepest message */
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at && i < p->n; i++) {
        if (p->s[i] == '\n') line++, column = 1;
        else column++;
    }
    p->err = sr_serde_fail(p->errbuf, p->errbuf_size, SR_ERR_JSON, "JSON at byte %zu (line %zu, column %zu): %s", at,
                           line, column, what);
    return p->err;
}

static int oom(parser *p) {
    if (!p->err) p->err = sr_serde_fail(p->errbuf, p->errbuf_size, SR_ERR_OOM, "out of memory parsing JSON");
    return p->err;
}

static void skip_space(parser *p) {
    while (p->pos < p->n) {
        uint8_t c = p->s[p->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
        p->pos++;
    }
}

static int hex4(const uint8_t *s, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(sr_buf *b, uint32_t cp) {
    uint8_t out[4];
    size_t n;
    if (cp < 0x80) out[0] = (uint8_t)cp, n = 1;
    else if (cp < 0x800) out[0] = (uint8_t)(0xC0 | (cp >> 6)), out[1] = (uint8_t)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        out[0] = (uint8_t)(0xE0 | (cp >> 12)), out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)),
        out[2] = (uint8_t)(0x80 | (cp & 0x3F)), n = 3;
    else
        out[0] = (uint8_t)(0xF0 | (cp >> 18)), out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F)),
        out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (uint8_t)(0x80 | (cp & 0x3F)), n = 4;
    sr_buf_append(b, out, n);
}

/* At the opening quote. Sets *out / *length to an arena copy (NUL-terminated). */
static int parse_string(parser *p, const char **out, size_t *length) {
    size_t start = ++p->pos;
    /* Fast path: no escapes; UTF-8 checked as we go. */
    while (p->pos < p->n) {
        uint8_t c = p->s[p->pos];
        if (c == '"') {
            size_t len = p->pos - start;
            char *copy = sr_arena_strndup(p->arena, (const char *)p->s + start, len);
            if (!copy) return oom(p);
            p->pos++;
            *out = copy;
            *length = len;
            return 0;
        }
        if (c == '\\') break;
        if (c < 0x20) return fail(p, p->pos, "control character in a string (escape it)");
        if (c >= 0x80) {
            size_t bad;
            /* Validate just this sequence (at most 4 bytes). */
            size_t seq = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (seq > p->n - p->pos) seq = p->n - p->pos;
            if (!sr_utf8_valid(p->s + p->pos, seq, &bad)) return fail(p, p->pos, "invalid UTF-8 in a string");
            p->pos += seq;
            continue;
        }
        p->pos++;
    }
    if (p->pos >= p->n) return fail(p, start - 1, "unterminated string");
    /* Slow path: escapes. */
    p->text.length = 0;
    sr_buf_append(&p->text, p->s + start, p->pos - start);
    while (p->pos < p->n) {
        uint8_t c = p->s[p->pos];
        if (c == '"') break;
        if (c < 0x20) return fail(p, p->pos, "control character in a string (escape it)");
        if (c != '\\') {
            if (c >= 0x80) {
                size_t bad, seq = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                if (seq > p->n - p->pos) seq = p->n - p->pos;
                if (!sr_utf8_valid(p->s + p->pos, seq, &bad)) return fail(p, p->pos, "invalid UTF-8 in a string");
                sr_buf_append(&p->text, p->s + p->pos, seq);
                p->pos += seq;
            } else {
                sr_buf_byte(&p->text, c);
                p->pos++;
            }
            continue;
        }
        if (p->pos + 1 >= p->n) return fail(p, p->pos, "unterminated string");
        uint8_t e = p->s[p->pos + 1];
        size_t at = p->pos;
        p->pos += 2;
        switch (e) {
        case '"': sr_buf_byte(&p->text, '"'); break;
        case '\\': sr_buf_byte(&p->text, '\\'); break;
        case '/': sr_buf_byte(&p->text, '/'); break;
        case 'b': sr_buf_byte(&p->text, '\b'); break;
        case 'f': sr_buf_byte(&p->text, '\f'); break;
        case 'n': sr_buf_byte(&p->text, '\n'); break;
        case 'r': sr_buf_byte(&p->text, '\r'); break;
        case 't': sr_buf_byte(&p->text, '\t'); break;
        case 'u': {
            uint32_t cp, low;
            if (p->n - p->pos < 4 || hex4(p->s + p->pos, &cp) != 0) return fail(p, at, "bad \\u escape");
            p->pos += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p, at, "lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* A high surrogate must be followed by an escaped low one. */
                if (p->n - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
                    hex4(p->s + p->pos + 2, &low) != 0 || low < 0xDC00 || low > 0xDFFF)
                    return fail(p, at, "lone high surrogate in \\u escape");
                p->pos += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            put_utf8(&p->text, cp);
            break;
        }
        default: return fail(p, at, "unknown escape in a string");
        }
    }
    if (p->pos >= p->n) return fail(p, start - 1, "unterminated string");
    if (p->text.oom) return oom(p);
    p->pos++;
    char *copy = sr_arena_strndup(p->arena, (const char *)p->text.data, p->text.length);
    if (!copy) return oom(p);
    *out = copy;
    *length = p->text.length;
    return 0;
}

/* Exact powers of ten as doubles (10^22 is the last one a double holds exactly). */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int parse_number(parser *p, struct sr_json_value *v) {
    size_t start = p->pos;
    const uint8_t *s = p->s;
    int negative = 0, fraction = 0;
    if (s[p->pos] == '-') negative = 1, p->pos++;
    if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9') return fail(p, start, "bad number");
    if (s[p->pos] == '0' && p->pos + 1 < p->n && s[p->pos + 1] >= '0' && s[p->pos + 1] <= '9')
        return fail(p, start, "leading zero in a number");
    /* Accumulate as a negative magnitude, so INT64_MIN fits. */
    int64_t acc = 0;
    int overflow = 0;
    /* Beside it, the decimal mantissa and exponent for the fast path of fractions. */
    uint64_t mantissa = 0;
    int digits = 0, exp10 = 0, inexact = 0;
    while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9') {
        int digit = s[p->pos] - '0';
        if (acc < (INT64_MIN + digit) / 10) overflow = 1;
        else acc = acc * 10 - digit;
        if (digits < 19) mantissa = mantissa * 10 + (uint64_t)digit, digits += mantissa != 0;
        else exp10++, inexact |= digit != 0;
        p->pos++;
    }
    if (p->pos < p->n && s[p->pos] == '.') {
        fraction = 1;
        p->pos++;
        if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9')
            return fail(p, start, "bad number (digits after '.')");
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9') {
            if (digits < 19) mantissa = mantissa * 10 + (uint64_t)(s[p->pos] - '0'), digits += mantissa != 0, exp10--;
            else inexact |= s[p->pos] != '0';
            p->pos++;
        }
    }
    if (p->pos < p->n && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        fraction = 1;
        p->pos++;
        int exp_negative = 0, e = 0;
        if (p->pos < p->n && (s[p->pos] == '+' || s[p->pos] == '-')) exp_negative = s[p->pos++] == '-';
        if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9') return fail(p, start, "bad number (exponent)");
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9') {
            if (e < 10000) e = e * 10 + (s[p->pos] - '0');
            p->pos++;
        }
        exp10 += exp_negative ? -e : e;
    }
    v->type = SR_JSON_NUMBER;
    if (!fraction && !overflow && (negative || acc != INT64_MIN)) {
        v->is_int = 1;
        v->integer = negative ? acc : -acc;
        v->number = (double)v->integer;
        return 0;
    }
    /* Clinger's fast path: a mantissa a double holds exactly and an exact power of ten make one
     * correctly rounded multiplication or division, the same double strtod gives. */
    if (!inexact && mantissa <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        double m = (double)mantissa;
        v->number = exp10 < 0 ? m / exact_pow10[-exp10] : m * exact_pow10[exp10];
        if (negative) v->number = -v->number;
        return 0;
    }
    /* strtod needs a NUL-terminated copy (the input is length-delimited). */
    size_t len = p->pos - start;
    char local[64];
    char *copy = len < sizeof local ? local : malloc(len + 1);
    if (!copy) return oom(p);
    memcpy(copy, s + start, len);
    copy[len] = '\0';
    v->number = strtod(copy, NULL);
    if (copy != local) free(copy);
    return 0;
}

static int parse_value(parser *p, struct sr_json_value *v, int depth);

static int parse_array(parser *p, struct sr_json_value *v, int depth) {
    size_t base = p->items_length;
    p->pos++; /* [ */
    skip_space(p);
    v->type = SR_JSON_ARRAY;
    if (p->pos < p->n && p->s[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        struct sr_json_value item;
        if (parse_value(p, &item, depth + 1) != 0) return p->err;
        if (p->items_length == p->items_capacity) {
            size_t capacity = p->items_capacity ? p->items_capacity * 2 : 64;
            struct sr_json_value *grown = realloc(p->items, capacity * sizeof *grown);
            if (!grown) return oom(p);
            p->items = grown;
            p->items_capacity = capacity;
        }
        p->items[p->items_length++] = item;
        skip_space(p);
        if (p->pos >= p->n) return fail(p, p->pos, "unterminated array");
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->s[p->pos] == ']') break;
        return fail(p, p->pos, "expected ',' or ']' in an array");
    }
    p->pos++;
    size_t count = p->items_length - base;
    if (count > UINT32_MAX) return fail(p, p->pos, "array too long");
    v->u.items = sr_arena_alloc(p->arena, count * sizeof *v->u.items);
    if (!v->u.items) return oom(p);
    memcpy(v->u.items, p->items + base, count * sizeof *v->u.items);
    v->count = (uint32_t)count;
    p->items_length = base;
    return 0;
}

static int parse_object(parser *p, struct sr_json_value *v, int depth) {
    size_t base = p->members_length;
    p->pos++; /* { */
    skip_space(p);
    v->type = SR_JSON_OBJECT;
    if (p->pos < p->n && p->s[p->pos] == '}') {
        p->pos++;
        return 0;
    }
    for (;;) {
        sr_json_member member;
        memset(&member, 0, sizeof member);
        skip_space(p);
        if (p->pos >= p->n || p->s[p->pos] != '"') return fail(p, p->pos, "expected a string key in an object");
        if (parse_string(p, &member.key, &member.key_length) != 0) return p->err;
        skip_space(p);
        if (p->pos >= p->n || p->s[p->pos] != ':') return fail(p, p->pos, "expected ':' after an object key");
        p->pos++;
        if (parse_value(p, &member.value, depth + 1) != 0) return p->err;
        if (p->members_length == p->members_capacity) {
            size_t capacity = p->members_capacity ? p->members_capacity * 2 : 32;
            sr_json_member *grown = realloc(p->members, capacity * sizeof *grown);
            if (!grown) return oom(p);
            p->members = grown;
            p->members_capacity = capacity;
        }
        p->members[p->members_length++] = member;
        skip_space(p);
        if (p->pos >= p->n) return fail(p, p->pos, "unterminated object");
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->s[p->pos] == '}') break;
        return fail(p, p->pos, "expected ',' or '}' in an object");
    }
    p->pos++;
    size_t count = p->members_length - base;
    if (count > UINT32_MAX) return fail(p, p->pos, "object too large");
    v->u.members = sr_arena_alloc(p->arena, count * sizeof *v->u.members);
    if (!v->u.members) return oom(p);
    memcpy(v->u.members, p->members + base, count * sizeof *v->u.members);
    v->count = (uint32_t)count;
    p->members_length = base;
    return 0;
}

static int literal(parser *p, const char *word, size_t length) {
    if (p->n - p->pos < length || memcmp(p->s + p->pos, word, length) != 0) return fail(p, p->pos, "unexpected token");
    p->pos += length;
    return 0;
}

static int parse_value(parser *p, struct sr_json_value *v, int depth) {
    memset(v, 0, sizeof *v);
    if (depth > SR_JSON_MAX_DEPTH) return fail(p, p->pos, "nested deeper than 128 levels");
    skip_space(p);
    if (p->pos >= p->n) return fail(p, p->pos, "unexpected end of input, expected a value");
    switch (p->s[p->pos]) {
    case '{': return parse_object(p, v, depth);
    case '[': return parse_array(p, v, depth);
    case '"':
        v->type = SR_JSON_STRING;
        return parse_string(p, &v->u.string, &v->length);
    case 't': v->type = SR_JSON_BOOL, v->boolean = 1; return literal(p, "true", 4);
    case 'f': v->type = SR_JSON_BOOL; return literal(p, "false", 5);
    case 'n': v->type = SR_JSON_NULL; return literal(p, "null", 4);
    default:
        if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) return parse_number(p, v);
        return fail(p, p->pos, "unexpected character, expected a value");
    }
}

int sr_json_parse(const char *text, size_t length, sr_json **document, char *errbuf, size_t errbuf_size) {
    if (!document) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "no place for the document");
    *document = NULL;
    if (!text && length) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL text");
    if (length > SR_JSON_MAX_LENGTH) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_JSON, "JSON text over 1 GiB");
    sr_json *doc = calloc(1, sizeof *doc);
    if (!doc) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_OOM, "out of memory parsing JSON");
    sr_arena_init(&doc->arena);
    parser p;
    memset(&p, 0, sizeof p);
    p.s = (const uint8_t *)text;
    p.n = length;
    p.arena = &doc->arena;
    p.errbuf = errbuf;
    p.errbuf_size = errbuf_size;
    if (parse_value(&p, &doc->root, 1) == 0) {
        skip_space(&p);
        if (p.pos < p.n) fail(&p, p.pos, "text after the value");
    }
    free(p.items);
    free(p.members);
    sr_buf_release(&p.text);
    if (p.err) {
        sr_json_free(doc);
        return p.err;
    }
    *document = doc;
    return SR_OK;
}

sr_json *sr_json_new_empty(void) {
    sr_json *doc = calloc(1, sizeof *doc);
    if (doc) sr_arena_init(&doc->arena);
    return doc;
}

void sr_json_free(sr_json *document) {
    if (!document) return;
    sr_arena_free(&document->arena);
    free(document);
}
