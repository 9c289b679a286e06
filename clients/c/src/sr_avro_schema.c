/* Compiles an Avro schema (its JSON text) into the node graph the codec walks
 * (sr_serde_internal.h): names resolved once, here, so encoding and decoding never look a
 * name up. Named types are registered before their fields are compiled, so a record can
 * refer to itself; references otherwise must follow the definition, as the spec says.
 * Names, namespaces and the table of named types are in sr_avro_names.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_avro_compiler.h"

/* Appends "/segment" to the path; returns the length to restore. Long paths are cut. */
static size_t push(sr_avro_compiler *c, const char *segment, size_t index, int is_index) {
    size_t saved = c->path_length;
    char part[64];
    int n = is_index ? snprintf(part, sizeof part, "/%zu", index) : snprintf(part, sizeof part, "/%s", segment);
    if (n > 0 && c->path_length + (size_t)n < sizeof c->path) {
        memcpy(c->path + c->path_length, part, (size_t)n + 1);
        c->path_length += (size_t)n;
    }
    return saved;
}
static void pop(sr_avro_compiler *c, size_t saved) {
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

static sr_avro_node *new_node(sr_avro_compiler *c, int kind) {
    sr_avro_node *node = sr_arena_alloc(&c->schema->arena, sizeof *node);
    if (!node) {
        sr_avro_oom(c);
        return NULL;
    }
    memset(node, 0, sizeof *node);
    node->kind = (uint8_t)kind;
    node->null_branch = -1;
    if (kind <= SR_AV_STRING) {
        node->name = sr_avro_primitive_names[kind];
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

static sr_avro_node *compile(sr_avro_compiler *c, const struct sr_json_value *v, const char *ns, int depth);

static int compile_record(sr_avro_compiler *c, sr_avro_node *node, const struct sr_json_value *def, const char *ns,
                          int depth) {
    const struct sr_json_value *fields = member(def, "fields");
    if (!fields || fields->type != SR_JSON_ARRAY) return sr_avro_fail(c, "a record needs a \"fields\" array");
    node->count = fields->count;
    node->fields = sr_arena_alloc(&c->schema->arena, (fields->count ? fields->count : 1) * sizeof *node->fields);
    if (!node->fields) return sr_avro_oom(c);
    size_t saved = push(c, "fields", 0, 0);
    for (uint32_t i = 0; i < fields->count; i++) {
        const struct sr_json_value *field = &fields->u.items[i];
        size_t at = push(c, NULL, i, 1);
        const struct sr_json_value *name = member(field, "name");
        const struct sr_json_value *type = member(field, "type");
        if (field->type != SR_JSON_OBJECT || !name || name->type != SR_JSON_STRING || !type)
            return sr_avro_fail(c, "a field needs a \"name\" string and a \"type\"");
        if (!sr_avro_valid_name(name->u.string, name->length))
            return sr_avro_fail(c, "invalid field name '%.*s'", sr_avro_clip(name->length), name->u.string);
        for (uint32_t k = 0; k < i; k++)
            if (node->fields[k].name_length == name->length &&
                memcmp(node->fields[k].name, name->u.string, name->length) == 0)
                return sr_avro_fail(c, "two fields named '%.*s'", sr_avro_clip(name->length), name->u.string);
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

static int compile_enum(sr_avro_compiler *c, sr_avro_node *node, const struct sr_json_value *def) {
    const struct sr_json_value *symbols = member(def, "symbols");
    if (!symbols || symbols->type != SR_JSON_ARRAY) return sr_avro_fail(c, "an enum needs a \"symbols\" array");
    node->count = symbols->count;
    node->symbols = sr_arena_alloc(&c->schema->arena, (symbols->count ? symbols->count : 1) * sizeof *node->symbols);
    if (!node->symbols) return sr_avro_oom(c);
    for (uint32_t i = 0; i < symbols->count; i++) {
        const struct sr_json_value *s = &symbols->u.items[i];
        if (s->type != SR_JSON_STRING || !sr_avro_valid_name(s->u.string, s->length))
            return sr_avro_fail(c, "enum symbols must be names");
        for (uint32_t k = 0; k < i; k++)
            if (node->symbols[k]->length == s->length &&
                memcmp(node->symbols[k]->u.string, s->u.string, s->length) == 0)
                return sr_avro_fail(c, "symbol '%.*s' appears twice", sr_avro_clip(s->length), s->u.string);
        node->symbols[i] = s;
    }
    return 0;
}

static sr_avro_node *compile_union(sr_avro_compiler *c, const struct sr_json_value *v, const char *ns, int depth) {
    sr_avro_node *node = new_node(c, SR_AV_UNION);
    if (!node) return NULL;
    node->count = v->count;
    node->branches = sr_arena_alloc(&c->schema->arena, (v->count ? v->count : 1) * sizeof *node->branches);
    if (!node->branches) {
        sr_avro_oom(c);
        return NULL;
    }
    for (uint32_t i = 0; i < v->count; i++) {
        size_t at = push(c, NULL, i, 1);
        sr_avro_node *branch = compile(c, &v->u.items[i], ns, depth + 1);
        if (!branch) return NULL;
        if (branch->kind == SR_AV_UNION) {
            sr_avro_fail(c, "a union cannot hold a union");
            return NULL;
        }
        /* Branches are told apart by type name (the full name for named types). */
        for (uint32_t k = 0; k < i; k++)
            if (node->branches[k]->name_length == branch->name_length &&
                memcmp(node->branches[k]->name, branch->name, branch->name_length) == 0) {
                sr_avro_fail(c, "the union has two branches of type '%.*s'", sr_avro_clip(branch->name_length),
                             branch->name);
                return NULL;
            }
        if (branch->kind == SR_AV_NULL) node->null_branch = (int)i;
        node->branches[i] = branch;
        pop(c, at);
    }
    return node;
}

static sr_avro_node *compile_object(sr_avro_compiler *c, const struct sr_json_value *v, const char *ns, int depth) {
    const struct sr_json_value *type = member(v, "type");
    if (!type) {
        sr_avro_fail(c, "a schema object needs a \"type\"");
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
    int primitive = sr_avro_primitive_kind(t, t_length);
    if (primitive >= 0) return new_node(c, primitive); /* logicalType: the underlying type */
    sr_avro_node *node = NULL;
    const char *inner_ns = ns;
    if (is_string(type, "record") || is_string(type, "error")) {
        if (!(node = new_node(c, SR_AV_RECORD)) || sr_avro_name_node(c, node, v, ns, &inner_ns) != 0 ||
            compile_record(c, node, v, inner_ns, depth) != 0)
            return NULL;
    } else if (is_string(type, "enum")) {
        if (!(node = new_node(c, SR_AV_ENUM)) || sr_avro_name_node(c, node, v, ns, &inner_ns) != 0 ||
            compile_enum(c, node, v) != 0)
            return NULL;
    } else if (is_string(type, "fixed")) {
        const struct sr_json_value *size = member(v, "size");
        if (!size || size->type != SR_JSON_NUMBER || !size->is_int || size->integer < 0 || size->integer > INT32_MAX) {
            sr_avro_fail(c, "a fixed needs a \"size\" (a non-negative integer)");
            return NULL;
        }
        if (!(node = new_node(c, SR_AV_FIXED)) || sr_avro_name_node(c, node, v, ns, &inner_ns) != 0) return NULL;
        node->size = (size_t)size->integer;
    } else if (is_string(type, "array") || is_string(type, "map")) {
        int array = is_string(type, "array");
        const struct sr_json_value *inner = member(v, array ? "items" : "values");
        if (!inner) {
            sr_avro_fail(c, "%s", array ? "an array needs \"items\"" : "a map needs \"values\"");
            return NULL;
        }
        if (!(node = new_node(c, array ? SR_AV_ARRAY : SR_AV_MAP))) return NULL;
        size_t at = push(c, array ? "items" : "values", 0, 0);
        if (!(node->child = compile(c, inner, ns, depth + 1))) return NULL;
        pop(c, at);
    } else {
        /* {"type": "com.example.Name"}: a reference. */
        node = sr_avro_resolve(c, t, t_length, ns);
        if (!node && !c->err) sr_avro_fail(c, "unknown type '%.*s'", sr_avro_clip(t_length), t);
    }
    return node;
}

static sr_avro_node *compile(sr_avro_compiler *c, const struct sr_json_value *v, const char *ns, int depth) {
    if (c->err) return NULL;
    if (depth > SR_JSON_MAX_DEPTH) {
        sr_avro_fail(c, "nested too deeply");
        return NULL;
    }
    switch (v->type) {
    case SR_JSON_STRING: {
        int primitive = sr_avro_primitive_kind(v->u.string, v->length);
        if (primitive >= 0) return new_node(c, primitive);
        sr_avro_node *named = sr_avro_resolve(c, v->u.string, v->length, ns);
        if (!named && !c->err)
            sr_avro_fail(c, "unknown type '%.*s' (named types must be defined before use)", sr_avro_clip(v->length),
                         v->u.string);
        return named;
    }
    case SR_JSON_ARRAY: return compile_union(c, v, ns, depth);
    case SR_JSON_OBJECT: return compile_object(c, v, ns, depth);
    default: sr_avro_fail(c, "a schema is a string, an object or an array (a union)"); return NULL;
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

static void finish_min_sizes(sr_avro_compiler *c, sr_avro_node *root) {
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
    sr_avro_compiler c;
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
