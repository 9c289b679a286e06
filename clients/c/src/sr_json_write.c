/* JSON text out (compact) and the read accessors of a parsed document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

/* Bytes that need escaping inside a JSON string: controls, the quote, the backslash. */
static const uint8_t needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

void sr_json_write_string(sr_buf *out, const char *text, size_t length) {
    const uint8_t *s = (const uint8_t *)text;
    /* Room for exactly what is written: each escaped byte takes at most 6 (\u00XX), so count
     * them rather than reserving six times the length of a large string. */
    size_t escaped = 0;
    for (size_t i = 0; i < length; i++) escaped += needs_escape[s[i]];
    if (length > (SIZE_MAX - 2) / 6 || sr_buf_reserve(out, length + escaped * 5 + 2) != 0) {
        out->oom = 1;
        return;
    }
    uint8_t *p = out->data + out->length;
    *p++ = '"';
    size_t i = 0;
    while (i < length) {
        size_t run = i;
        while (run < length && !needs_escape[s[run]]) run++;
        memcpy(p, s + i, run - i);
        p += run - i;
        i = run;
        if (i == length) break;
        uint8_t c = s[i++];
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        default:
            *p++ = 'u', *p++ = '0', *p++ = '0';
            *p++ = "0123456789abcdef"[c >> 4];
            *p++ = "0123456789abcdef"[c & 15];
        }
    }
    *p++ = '"';
    out->length = (size_t)(p - out->data);
}

static void write_int(sr_buf *out, int64_t value) {
    char digits[24];
    size_t n = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (sr_buf_reserve(out, n + 1) != 0) return;
    if (value < 0) out->data[out->length++] = '-';
    while (n) out->data[out->length++] = (uint8_t)digits[--n];
}

void sr_json_write_double(sr_buf *out, double value, int single_precision) {
    if (isnan(value)) {
        sr_buf_append(out, "\"NaN\"", 5);
        return;
    }
    if (isinf(value)) {
        if (value > 0) sr_buf_append(out, "\"Infinity\"", 10);
        else sr_buf_append(out, "\"-Infinity\"", 11);
        return;
    }
    /* Fast path for the usual numbers (prices, ratios): the smallest k such that the integer
     * r nearest |value| * 10^k gives back |value| as r / 10^k. That division of two exact
     * doubles rounds as strtod does, so "r with k decimals" reads back to the value, and the
     * smallest k is the fewest digits, as the loop below would find, minus its cost. */
    double magnitude = value < 0 ? -value : value;
    if (magnitude >= 1e-4 && magnitude < 1e15) {
        static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
        for (int k = 0; k < 10; k++) {
            double scaled = magnitude * scale[k];
            if (scaled >= 1125899906842624.0) break; /* 2^50: the rounding below stays exact */
            int64_t r = (int64_t)(scaled + 0.5);
            if ((double)r / scale[k] != magnitude) continue;
            char digits[24], text[40];
            int n = 0, at = 0;
            for (int64_t rest = r; n == 0 || rest; rest /= 10) digits[n++] = (char)('0' + rest % 10);
            for (int i = 0; i < n / 2; i++) {
                char swap = digits[i];
                digits[i] = digits[n - 1 - i];
                digits[n - 1 - i] = swap;
            }
            if (value < 0) text[at++] = '-';
            if (n <= k) { /* 0.000ddd */
                text[at++] = '0', text[at++] = '.';
                for (int z = 0; z < k - n; z++) text[at++] = '0';
                memcpy(text + at, digits, (size_t)n), at += n;
            } else {
                memcpy(text + at, digits, (size_t)(n - k)), at += n - k;
                text[at++] = '.';
                if (k == 0) text[at++] = '0';
                else memcpy(text + at, digits + n - k, (size_t)k), at += k;
            }
            sr_buf_append(out, text, (size_t)at);
            return;
        }
    }
    /* The fewest significant digits that read back to the same value, as Python's repr
     * and fastavro's JSON do (floats compared as floats). */
    char text[40];
    int length = 0;
    for (int precision = single_precision ? 6 : 15; precision <= 17; precision++) {
        length = snprintf(text, sizeof text, "%.*g", precision, value);
        if (precision == 17) break; /* 17 significant digits always read back */
        double back = strtod(text, NULL);
        if (single_precision ? (float)back == (float)value : back == value) break;
    }
    if (length <= 0 || (size_t)length >= sizeof text) return;
    /* "1" would read back as an integer: keep it visibly a double, "1.0". */
    if (!strpbrk(text, ".eE") && (size_t)length + 2 < sizeof text) {
        text[length++] = '.';
        text[length++] = '0';
    }
    sr_buf_append(out, text, (size_t)length);
}

void sr_json_write_value(sr_buf *out, const struct sr_json_value *v) {
    switch (v->type) {
    case SR_JSON_NULL: sr_buf_append(out, "null", 4); break;
    case SR_JSON_BOOL:
        if (v->boolean) sr_buf_append(out, "true", 4);
        else sr_buf_append(out, "false", 5);
        break;
    case SR_JSON_NUMBER:
        if (v->is_int) write_int(out, v->integer);
        else sr_json_write_double(out, v->number, 0);
        break;
    case SR_JSON_STRING: sr_json_write_string(out, v->u.string, v->length); break;
    case SR_JSON_ARRAY:
        sr_buf_byte(out, '[');
        for (uint32_t i = 0; i < v->count; i++) {
            if (i) sr_buf_byte(out, ',');
            sr_json_write_value(out, &v->u.items[i]);
        }
        sr_buf_byte(out, ']');
        break;
    case SR_JSON_OBJECT:
        sr_buf_byte(out, '{');
        for (uint32_t i = 0; i < v->count; i++) {
            if (i) sr_buf_byte(out, ',');
            sr_json_write_string(out, v->u.members[i].key, v->u.members[i].key_length);
            sr_buf_byte(out, ':');
            sr_json_write_value(out, &v->u.members[i].value);
        }
        sr_buf_byte(out, '}');
        break;
    }
}

int sr_json_write(const sr_json *document, char **text, size_t *length) {
    if (!document || !text) return SR_ERR_ARGUMENT;
    *text = NULL;
    if (length) *length = 0;
    sr_buf out = {0};
    sr_json_write_value(&out, &document->root);
    sr_buf_byte(&out, '\0');
    if (out.oom) {
        sr_buf_release(&out);
        return SR_ERR_OOM;
    }
    *text = (char *)out.data;
    if (length) *length = out.length - 1;
    return SR_OK;
}

const sr_json_value *sr_json_root(const sr_json *document) { return document ? &document->root : NULL; }
int sr_json_type(const sr_json_value *v) { return v ? v->type : SR_JSON_NULL; }
int sr_json_bool(const sr_json_value *v) { return v && v->type == SR_JSON_BOOL && v->boolean; }
double sr_json_number(const sr_json_value *v) { return v && v->type == SR_JSON_NUMBER ? v->number : 0.0; }

int sr_json_integer(const sr_json_value *v, int64_t *integer) {
    if (!v || v->type != SR_JSON_NUMBER || !v->is_int) return 0;
    if (integer) *integer = v->integer;
    return 1;
}

const char *sr_json_string(const sr_json_value *v, size_t *length) {
    if (!v || v->type != SR_JSON_STRING) {
        if (length) *length = 0;
        return NULL;
    }
    if (length) *length = v->length;
    return v->u.string;
}

size_t sr_json_size(const sr_json_value *v) {
    return v && (v->type == SR_JSON_ARRAY || v->type == SR_JSON_OBJECT) ? v->count : 0;
}

const sr_json_value *sr_json_item(const sr_json_value *v, size_t index) {
    return v && v->type == SR_JSON_ARRAY && index < v->count ? &v->u.items[index] : NULL;
}

const char *sr_json_member_key(const sr_json_value *v, size_t index) {
    return v && v->type == SR_JSON_OBJECT && index < v->count ? v->u.members[index].key : NULL;
}

const sr_json_value *sr_json_member_value(const sr_json_value *v, size_t index) {
    return v && v->type == SR_JSON_OBJECT && index < v->count ? &v->u.members[index].value : NULL;
}

const sr_json_value *sr_json_get(const sr_json_value *v, const char *key) {
    if (!v || v->type != SR_JSON_OBJECT || !key) return NULL;
    size_t length = strlen(key);
    for (uint32_t i = 0; i < v->count; i++)
        if (v->u.members[i].key_length == length && memcmp(v->u.members[i].key, key, length) == 0)
            return &v->u.members[i].value;
    return NULL;
}
