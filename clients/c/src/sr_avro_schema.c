/* Compiles an Avro schema (its JSON text) into the node graph the codec walks
 * (sr_serde_internal.h): names resolved once, here, so encoding and decoding never look a
 * name up. Named types are registered before their fields are compiled, so a record can
 * refer to itself; references otherwise must follow the definition, as the spec says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

typedef struct compiler {
    sr_avro_schema *schema;
    sr_avro_node **named;
    size_t named_count, named_capacity;
    char path[512]; /* where in the schema we are, a JSON pointer, for messages */
    size_t path_length;
    char *errbuf;
    size_t errbuf_size;
    int err;
} compiler;

static const char *const primitive_names[] = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"};

/* Names quoted in messages are cut to 100 bytes. */
static int clip(size_t length) { return length > 100 ? 100 : (int)length; }

static int fail(compiler *c, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int fail(compiler *c, const char *format, ...) {
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

static int oom(compiler *c) {
    if (!c->err) c->err = sr_serde_fail(c->errbuf, c->errbuf_size, SR_ERR_OOM, "out of memory compiling a schema");
    return c->err;
}

/* Appends "/segment" to the path; returns the length to restore. Long paths are cut. */
static size_t push(compiler *c, const char *segment, size_t index, int is_index) {
    size_t saved = c->path_length;
    char part[64];
    int n = is_index ? snprintf(part, sizeof part, "/%zu", index) : snprintf(part, sizeof part, "/%s", segment);
    if (n > 0 && c->path_length + (size_t)n < sizeof c->path) {
        memcpy(c->path + c->path_length, part, (size_t)n + 1);
        c->path_length += (size_t)n;
    }
    return saved;
}
static void pop(compiler *c, size_t saved) {
    c->path_length = saved;
    c->path[saved] = '\0';
}

static const struct sr_json_value *member(const struct sr_json_value *object, const char *key) {
    return sr_json_get(object, key);
}

static int is_string(const struct sr_json_value *v, const char *text) {
    size_t length = strlen(text);
    return v && v->type == SR_JSON_STRING && v->length == length && memcmp(v->u.string, text, length) == 0;
}

static int primitive_kind(const char *name, size_t length) {
    for (int i = 0; i < 8; i++)
        if (strlen(primitive_names[i]) == length && memcmp(primitive_names[i], name, length) == 0) return i;
    return -1;
}

static sr_avro_node *new_node(compiler *c, int kind) {
    sr_avro_node *node = sr_arena_alloc(&c->schema->arena, sizeof *node);
    if (!node) {
        oom(c);
        return NULL;
    }
    memset(node, 0, sizeof *node);
    node->kind = (uint8_t)kind;
    node->null_branch = -1;
    if (kind <= SR_AV_STRING) {
        node->name = primitive_names[kind];
        node->name_length = strlen(node->name);
    } else if (kind == SR_AV_ARRAY) {
        node->name = "array", node->name_length = 5;
    } else if (kind == SR_AV_MAP) {
        node->name = "map", node->name_length = 3;
    } else if (kind == SR_AV_UNION) {
        node->name = "union", node->name_length = 5;
    }
    return node;
}

/* [A-Za-z_][A-Za-z0-9_]*, the spec's name (one component of a full name). */
static int valid_name(const char *s, size_t length) {
    if (length == 0) return 0;
    for (size_t i = 0; i < length; i++) {
        char ch = s[i];
        int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
        if (!alpha && !(i > 0 && ch >= '0' && ch <= '9')) return 0;
    }
    return 1;
}

static int valid_full_name(const char *s, size_t length) {
    size_t start = 0;
    for (size_t i = 0; i <= length; i++) {
        if (i == length || s[i] == '.') {
            if (!valid_name(s + start, i - start)) return 0;
            start = i + 1;
        }
    }
    return 1;
}

static sr_avro_node *find_named(compiler *c, const char *name, size_t length) {
    for (size_t i = 0; i < c->named_count; i++)
        if (c->named[i]->name_length == length && memcmp(c->named[i]->name, name, length) == 0) return c->named[i];
    return NULL;
}

/* Resolves a type name used as a reference: a dotted name as it is, a bare one in the
 * enclosing namespace first, then in the null namespace. */
static sr_avro_node *resolve(compiler *c, const char *name, size_t length, const char *ns) {
    if (!memchr(name, '.', length) && ns && *ns) {
        size_t ns_length = strlen(ns);
        char *full = malloc(ns_length + 1 + length + 1);
        if (!full) {
            oom(c);
            return NULL;
        }
        memcpy(full, ns, ns_length);
        full[ns_length] = '.';
        memcpy(full + ns_length + 1, name, length);
        sr_avro_node *found = find_named(c, full, ns_length + 1 + length);
        free(full);
        if (found) return found;
    }
    return find_named(c, name, length);
}

static sr_avro_node *compile(compiler *c, const struct sr_json_value *v, const char *ns, int depth);

/* Gives a named node its full name and namespace (for what it encloses), and registers it. */
static int name_node(compiler *c, sr_avro_node *node, const struct sr_json_value *def, const char *ns,
                     const char **inner_ns) {
    const struct sr_json_value *name = member(def, "name");
    if (!name || name->type != SR_JSON_STRING) return fail(c, "a named type needs a \"name\" string");
    const struct sr_json_value *space = member(def, "namespace");
    if (space && space->type != SR_JSON_STRING && space->type != SR_JSON_NULL)
        return fail(c, "\"namespace\" must be a string");
    const char *full;
    size_t full_length;
    if (memchr(name->u.string, '.', name->length)) {
        full = name->u.string;
        full_length = name->length;
    } else {
        const char *space_text = space && space->type == SR_JSON_STRING ? space->u.string : (space ? "" : ns);
        size_t space_length = space_text ? strlen(space_text) : 0;
        if (space_length && !valid_full_name(space_text, space_length))
            return fail(c, "invalid namespace '%.*s'", clip(space_length), space_text);
        char *joined = sr_arena_alloc(&c->schema->arena, space_length + 1 + name->length + 1);
        if (!joined) return oom(c);
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
    if (!valid_full_name(full, full_length)) return fail(c, "invalid name '%.*s'", clip(full_length), full);
    if (primitive_kind(full, full_length) >= 0)
        return fail(c, "'%.*s' is a primitive type's name", clip(full_length), full);
    if (find_named(c, full, full_length)) return fail(c, "'%.*s' is defined twice", clip(full_length), full);
    node->name = full;
    node->name_length = full_length;
    /* The namespace of what this type encloses: its full name without the last part. */
    const char *dot = NULL;
    for (size_t i = 0; i < full_length; i++)
        if (full[i] == '.') dot = full + i;
    if (dot) {
        char *inner = sr_arena_strndup(&c->schema->arena, full, (size_t)(dot - full));
        if (!inner) return oom(c);
        *inner_ns = inner;
    } else {
        *inner_ns = "";
    }
    if (c->named_count == c->named_capacity) {
        size_t capacity = c->named_capacity ? c->named_capacity * 2 : 16;
        sr_avro_node **grown = realloc(c->named, capacity * sizeof *grown);
        if (!grown) return oom(c);
        c->named = grown;
        c->named_capacity = capacity;
    }
    c->named[c->named_count++] = node;
    return 0;
}

static int compile_record(compiler *c, sr_avro_node *node, const struct sr_json_value *def, const char *ns,
                          int depth) {
    const struct sr_json_value *fields = member(def, "fields");
    if (!fields || fields->type != SR_JSON_ARRAY) return fail(c, "a record needs a \"fields\" array");
    node->count = fields->count;
    node->fields = sr_arena_alloc(&c->schema->arena, (fields->count ? fields->count : 1) * sizeof *node->fields);
    if (!node->fields) return oom(c);
    size_t saved = push(c, "fields", 0, 0);
    for (uint32_t i = 0; i < fields->count; i++) {
        const struct sr_json_value *field = &fields->u.items[i];
        size_t at = push(c, NULL, i, 1);
        const struct sr_json_value *name = member(field, "name");
        const struct sr_json_value *type = member(field, "type");
        if (field->type != SR_JSON_OBJECT || !name || name->type != SR_JSON_STRING || !type)
            return fail(c, "a field needs a \"name\" string and a \"type\"");
        if (!valid_name(name->u.string, name->length))
            return fail(c, "invalid field name '%.*s'", clip(name->length), name->u.string);
        for (uint32_t k = 0; k < i; k++)
            if (node->fields[k].name_length == name->length &&
                memcmp(node->fields[k].name, name->u.string, name->length) == 0)
                return fail(c, "two fields named '%.*s'", clip(name->length), name->u.string);
        node->fields[i].name = name->u.string;
        node->fields[i].name_length = name->length;
        node->fields[i].default_value = member(field, "default");
        size_t at_type = push(c, "type", 0, 0);
        node->fields[i].type = compile(c, type, ns, depth + 1);
        if (!node->fields[i].type) return c->err;
        pop(c, at_type);
        pop(c, at);
    }
    pop(c, saved);
    return 0;
}

static int compile_enum(compiler *c, sr_avro_node *node, const struct sr_json_value *def) {
    const struct sr_json_value *symbols = member(def, "symbols");
    if (!symbols || symbols->type != SR_JSON_ARRAY) return fail(c, "an enum needs a \"symbols\" array");
    node->count = symbols->count;
    node->symbols = sr_arena_alloc(&c->schema->arena, (symbols->count ? symbols->count : 1) * sizeof *node->symbols);
    if (!node->symbols) return oom(c);
    for (uint32_t i = 0; i < symbols->count; i++) {
        const struct sr_json_value *s = &symbols->u.items[i];
        if (s->type != SR_JSON_STRING || !valid_name(s->u.string, s->length))
            return fail(c, "enum symbols must be names");
        for (uint32_t k = 0; k < i; k++)
            if (node->symbols[k]->length == s->length &&
                memcmp(node->symbols[k]->u.string, s->u.string, s->length) == 0)
                return fail(c, "symbol '%.*s' appears twice", clip(s->length), s->u.string);
        node->symbols[i] = s;
    }
    return 0;
}

static sr_avro_node *compile_union(compiler *c, const struct sr_json_value *v, const char *ns, int depth) {
    sr_avro_node *node = new_node(c, SR_AV_UNION);
    if (!node) return NULL;
    node->count = v->count;
    node->branches = sr_arena_alloc(&c->schema->arena, (v->count ? v->count : 1) * sizeof *node->branches);
    if (!node->branches) {
        oom(c);
        return NULL;
    }
    for (uint32_t i = 0; i < v->count; i++) {
        size_t at = push(c, NULL, i, 1);
        sr_avro_node *branch = compile(c, &v->u.items[i], ns, depth + 1);
        if (!branch) return NULL;
        if (branch->kind == SR_AV_UNION) {
            fail(c, "a union cannot hold a union");
            return NULL;
        }
        /* Branches are told apart by type name (the full name for named types). */
        for (uint32_t k = 0; k < i; k++)
            if (node->branches[k]->name_length == branch->name_length &&
                memcmp(node->branches[k]->name, branch->name, branch->name_length) == 0) {
                fail(c, "the union has two branches of type '%.*s'", clip(branch->name_length), branch->name);
                return NULL;
            }
        if (branch->kind == SR_AV_NULL) node->null_branch = (int)i;
        node->branches[i] = branch;
        pop(c, at);
    }
    return node;
}

static sr_avro_node *compile_object(compiler *c, const struct sr_json_value *v, const char *ns, int depth) {
    const struct sr_json_value *type = member(v, "type");
    if (!type) {
        fail(c, "a schema object needs a \"type\"");
        return NULL;
    }
    if (type->type != SR_JSON_STRING) {
        /* {"type": {...}} or {"type": [...]}: the type is itself a schema. */
        size_t at = push(c, "type", 0, 0);
        sr_avro_node *inner = compile(c, type, ns, depth + 1);
        if (inner) pop(c, at);
        return inner;
    }
    const char *t = type->u.string;
    size_t t_length = type->length;
    int primitive = primitive_kind(t, t_length);
    if (primitive >= 0) return new_node(c, primitive); /* logicalType: the underlying type */
    sr_avro_node *node = NULL;
    const char *inner_ns = ns;
    if (is_string(type, "record") || is_string(type, "error")) {
        if (!(node = new_node(c, SR_AV_RECORD)) || name_node(c, node, v, ns, &inner_ns) != 0 ||
            compile_record(c, node, v, inner_ns, depth) != 0)
            return NULL;
    } else if (is_string(type, "enum")) {
        if (!(node = new_node(c, SR_AV_ENUM)) || name_node(c, node, v, ns, &inner_ns) != 0 ||
            compile_enum(c, node, v) != 0)
            return NULL;
    } else if (is_string(type, "fixed")) {
        const struct sr_json_value *size = member(v, "size");
        if (!size || size->type != SR_JSON_NUMBER || !size->is_int || size->integer < 0 || size->integer > INT32_MAX) {
            fail(c, "a fixed needs a \"size\" (a non-negative integer)");
            return NULL;
        }
        if (!(node = new_node(c, SR_AV_FIXED)) || name_node(c, node, v, ns, &inner_ns) != 0) return NULL;
        node->size = (size_t)size->integer;
    } else if (is_string(type, "array") || is_string(type, "map")) {
        int array = is_string(type, "array");
        const struct sr_json_value *inner = member(v, array ? "items" : "values");
        if (!inner) {
            fail(c, "%s", array ? "an array needs \"items\"" : "a map needs \"values\"");
            return NULL;
        }
        if (!(node = new_node(c, array ? SR_AV_ARRAY : SR_AV_MAP))) return NULL;
        size_t at = push(c, array ? "items" : "values", 0, 0);
        if (!(node->child = compile(c, inner, ns, depth + 1))) return NULL;
        pop(c, at);
    } else {
        /* {"type": "com.example.Name"}: a reference. */
        node = resolve(c, t, t_length, ns);
        if (!node && !c->err) fail(c, "unknown type '%.*s'", clip(t_length), t);
    }
    return node;
}

static sr_avro_node *compile(compiler *c, const struct sr_json_value *v, const char *ns, int depth) {
    if (c->err) return NULL;
    if (depth > SR_JSON_MAX_DEPTH) {
        fail(c, "nested too deeply");
        return NULL;
    }
    switch (v->type) {
    case SR_JSON_STRING: {
        int primitive = primitive_kind(v->u.string, v->length);
        if (primitive >= 0) return new_node(c, primitive);
        sr_avro_node *named = resolve(c, v->u.string, v->length, ns);
        if (!named && !c->err)
            fail(c, "unknown type '%.*s' (named types must be defined before use)", clip(v->length), v->u.string);
        return named;
    }
    case SR_JSON_ARRAY: return compile_union(c, v, ns, depth);
    case SR_JSON_OBJECT: return compile_object(c, v, ns, depth);
    default: fail(c, "a schema is a string, an object or an array (a union)"); return NULL;
    }
}

/* The fewest bytes a value takes, a lower bound (a type met again while being computed, a
 * recursive one, counts 0; deep chains stop at 0 too). The decoder refuses counts that
 * would need more bytes than are left, before looping. */
static size_t min_size(sr_avro_node *node, int depth) {
    if (node->min_state == 2) return node->min_size;
    if (node->min_state == 1 || depth > 64) return 0;
    node->min_state = 1;
    size_t size = 0;
    switch (node->kind) {
    case SR_AV_NULL: size = 0; break;
    case SR_AV_FLOAT: size = 4; break;
    case SR_AV_DOUBLE: size = 8; break;
    case SR_AV_FIXED: size = node->size; break;
    case SR_AV_RECORD:
        for (size_t i = 0; i < node->count; i++) {
            size_t field = min_size(node->fields[i].type, depth + 1);
            size = size + field < size ? SIZE_MAX : size + field;
        }
        break;
    case SR_AV_UNION: {
        size_t smallest = SIZE_MAX;
        for (size_t i = 0; i < node->count; i++) {
            size_t branch = min_size(node->branches[i], depth + 1);
            if (branch < smallest) smallest = branch;
        }
        size = node->count ? 1 + (smallest == SIZE_MAX ? 0 : smallest) : 1;
        break;
    }
    default: size = 1; /* boolean, int, long, bytes, string, enum, array, map */
    }
    node->min_size = size;
    node->min_state = 2;
    return size;
}

static void finish_min_sizes(compiler *c, sr_avro_node *root) {
    min_size(root, 0);
    for (size_t i = 0; i < c->named_count; i++) min_size(c->named[i], 0);
}

int sr_avro_schema_parse(const char *text, size_t length, sr_avro_schema **schema, char *errbuf,
                         size_t errbuf_size) {
    return sr_avro_schema_parse_with_references(text, length, NULL, 0, schema, errbuf, errbuf_size);
}

/* Compiles each reference's text with the same table of named types, then the schema: a
 * reference only contributes the named types it defines (its root is not kept). */
int sr_avro_schema_parse_with_references(const char *text, size_t length, const char *const *references,
                                         size_t reference_count, sr_avro_schema **schema, char *errbuf,
                                         size_t errbuf_size) {
    if (!schema) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "no place for the schema");
    *schema = NULL;
    if (reference_count && !references) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL references");
    sr_avro_schema *s = calloc(1, sizeof *s);
    if (!s || (reference_count && !(s->references = calloc(reference_count, sizeof *s->references)))) {
        free(s);
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_OOM, "out of memory compiling a schema");
    }
    s->reference_count = reference_count;
    sr_arena_init(&s->arena);
    compiler c;
    memset(&c, 0, sizeof c);
    c.schema = s;
    char message[400];
    c.errbuf = message;
    c.errbuf_size = sizeof message;
    int err = SR_OK;
    for (size_t i = 0; i < reference_count && err == SR_OK; i++) {
        const char *reference = references[i] ? references[i] : "";
        err = sr_json_parse(reference, strlen(reference), &s->references[i], message, sizeof message);
        if (err == SR_OK && !compile(&c, &s->references[i]->root, "", 1)) err = c.err ? c.err : SR_ERR_SCHEMA;
        if (err != SR_OK) sr_serde_fail(errbuf, errbuf_size, err, "schema reference %zu: %s", i, message);
    }
    if (err == SR_OK) {
        c.errbuf = errbuf;
        c.errbuf_size = errbuf_size;
        err = sr_json_parse(text, length, &s->json, errbuf, errbuf_size);
        if (err == SR_OK && !(s->root = compile(&c, &s->json->root, "", 1))) err = c.err ? c.err : SR_ERR_SCHEMA;
    }
    if (err == SR_OK) finish_min_sizes(&c, s->root);
    free(c.named);
    if (err != SR_OK) {
        sr_avro_schema_free(s);
        return err;
    }
    *schema = s;
    return SR_OK;
}

void sr_avro_schema_free(sr_avro_schema *schema) {
    if (!schema) return;
    sr_json_free(schema->json);
    for (size_t i = 0; i < schema->reference_count; i++) sr_json_free(schema->references[i]);
    free(schema->references);
    sr_arena_free(&schema->arena);
    free(schema);
}
