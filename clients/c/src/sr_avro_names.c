/* The Avro schema compiler's names (sr_avro_compiler.h): its error reporting, primitive type
 * names, the spec's rules for names and namespaces, and the table of named types that
 * references resolve against. The types themselves are compiled in sr_avro_schema.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_avro_compiler.h"

const char *const sr_avro_primitive_names[8] = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"};

int sr_avro_fail(sr_avro_compiler *c, const char *format, ...) {
    if (c->err) return c->err;
    char message[256];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    c->err = sr_serde_fail(c->errbuf, c->errbuf_size, SR_ERR_SCHEMA, "Avro schema at %s: %s",
                           c->path_length ? c->path : "/", message);
    return c->err;
}

int sr_avro_oom(sr_avro_compiler *c) {
    if (!c->err) c->err = sr_serde_fail(c->errbuf, c->errbuf_size, SR_ERR_OOM, "out of memory compiling a schema");
    return c->err;
}

int sr_avro_primitive_kind(const char *name, size_t length) {
    for (int i = 0; i < 8; i++)
        if (strlen(sr_avro_primitive_names[i]) == length && memcmp(sr_avro_primitive_names[i], name, length) == 0)
            return i;
    return -1;
}

/* [A-Za-z_][A-Za-z0-9_]*, the spec's name (one component of a full name). */
int sr_avro_valid_name(const char *s, size_t length) {
    if (length == 0) return 0;
    for (size_t i = 0; i < length; i++) {
        char ch = s[i];
        int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
        if (!alpha && !(i > 0 && ch >= '0' && ch <= '9')) return 0;
    }
    return 1;
}

int sr_avro_valid_full_name(const char *s, size_t length) {
    size_t start = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i == length || s[i] == '.') {
            if (!sr_avro_valid_name(s + start, i - start)) return 0;
            start = i + 1;
        }
    }
    return 1;
}

sr_avro_node *sr_avro_find_named(sr_avro_compiler *c, const char *name, size_t length) {
    for (size_t i = 0; i < c->named_count; i++)
        if (c->named[i]->name_length == length && memcmp(c->named[i]->name, name, length) == 0) return c->named[i];
    return NULL;
}

/* Resolves a type name used as a reference: a dotted name as it is, a bare one in the
 * enclosing namespace first, then in the null namespace. */
sr_avro_node *sr_avro_resolve(sr_avro_compiler *c, const char *name, size_t length, const char *ns) {
    if (!memchr(name, '.', length) && ns && *ns) {
        size_t ns_length = strlen(ns);
        char *full = malloc(ns_length + 1 + length + 1);
        if (!full) {
            sr_avro_oom(c);
            return NULL;
        }
        memcpy(full, ns, ns_length);
        full[ns_length] = '.';
        memcpy(full + ns_length + 1, name, length);
        sr_avro_node *found = sr_avro_find_named(c, full, ns_length + 1 + length);
        free(full);
        if (found) return found;
    }
    return sr_avro_find_named(c, name, length);
}

/* Gives a named node its full name and namespace (for what it encloses), and registers it. */
int sr_avro_name_node(sr_avro_compiler *c, sr_avro_node *node, const struct sr_json_value *def, const char *ns,
                     const char **inner_ns) {
    const struct sr_json_value *name = sr_json_get(def, "name");
    if (!name || name->type != SR_JSON_STRING) return sr_avro_fail(c, "a named type needs a \"name\" string");
    const struct sr_json_value *space = sr_json_get(def, "namespace");
    if (space && space->type != SR_JSON_STRING && space->type != SR_JSON_NULL)
        return sr_avro_fail(c, "\"namespace\" must be a string");
    const char *full;
    size_t full_length;
    if (memchr(name->u.string, '.', name->length)) {
        full = name->u.string;
        full_length = name->length;
    } else {
        const char *space_text = space && space->type == SR_JSON_STRING ? space->u.string : (space ? "" : ns);
        size_t space_length = space_text ? strlen(space_text) : 0;
        if (space_length && !sr_avro_valid_full_name(space_text, space_length))
            return sr_avro_fail(c, "invalid namespace '%.*s'", sr_avro_clip(space_length), space_text);
        char *joined = sr_arena_alloc(&c->schema->arena, space_length + 1 + name->length + 1);
        if (!joined) return sr_avro_oom(c);
        size_t n = 0;
        if (space_length) {
            memcpy(joined, space_text, space_length);
            joined[space_length] = '.';
            n = space_length + 1;
        }
        memcpy(joined + n, name->u.string, name->length);
        joined[n + name->length] = '\0';
        full = joined;
        full_length = n + name->length;
    }
    if (!sr_avro_valid_full_name(full, full_length))
        return sr_avro_fail(c, "invalid name '%.*s'", sr_avro_clip(full_length), full);
    if (sr_avro_primitive_kind(full, full_length) >= 0)
        return sr_avro_fail(c, "'%.*s' is a primitive type's name", sr_avro_clip(full_length), full);
    if (sr_avro_find_named(c, full, full_length))
        return sr_avro_fail(c, "'%.*s' is defined twice", sr_avro_clip(full_length), full);
    node->name = full;
    node->name_length = full_length;
    /* The namespace of what this type encloses: its full name without the last part. */
    const char *dot = NULL;
    for (size_t i = 0; i < full_length; i++)
        if (full[i] == '.') dot = full + i;
    if (dot) {
        char *inner = sr_arena_strndup(&c->schema->arena, full, (size_t)(dot - full));
        if (!inner) return sr_avro_oom(c);
        *inner_ns = inner;
    } else {
        *inner_ns = "";
    }
    if (c->named_count == c->named_capacity) {
        size_t capacity = c->named_capacity ? c->named_capacity * 2 : 16;
        sr_avro_node **grown = realloc(c->named, capacity * sizeof *grown);
        if (!grown) return sr_avro_oom(c);
        c->named = grown;
        c->named_capacity = capacity;
    }
    c->named[c->named_count++] = node;
    return 0;
}
