/* Internal to the Avro schema compiler, shared by sr_avro_schema.c (the types: records,
 * enums, unions, arrays, maps, fixed; the entry points) and sr_avro_names.c (error
 * reporting, names and namespaces, the table of named types). Not installed. */
#ifndef SR_AVRO_COMPILER_H
#define SR_AVRO_COMPILER_H

#include "sr_serde_internal.h"

typedef struct sr_avro_compiler {
    sr_avro_schema *schema;
    sr_avro_node **named;
    size_t named_count, named_capacity;
    char path[512]; /* where in the schema we are, a JSON pointer, for messages */
    size_t path_length;
    char *errbuf;
    size_t errbuf_size;
    int err;
} sr_avro_compiler;

/* "null", "boolean", ..., "string", indexed by enum sr_avro_kind. */
extern const char *const sr_avro_primitive_names[8];

/* Names quoted in messages are cut to 100 bytes. */
static inline int sr_avro_clip(size_t length) { return length > 100 ? 100 : (int)length; }

/* The first failure wins: "Avro schema at <path>: <message>" in the compiler's errbuf,
 * SR_ERR_SCHEMA (or SR_ERR_OOM) kept in c->err and returned. */
int sr_avro_fail(sr_avro_compiler *c, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int sr_avro_oom(sr_avro_compiler *c);

/* The kind of a primitive type's name, or -1. */
int sr_avro_primitive_kind(const char *name, size_t length);
/* [A-Za-z_][A-Za-z0-9_]*, and dotted sequences of those. */
int sr_avro_valid_name(const char *s, size_t length);
int sr_avro_valid_full_name(const char *s, size_t length);

sr_avro_node *sr_avro_find_named(sr_avro_compiler *c, const char *name, size_t length);
/* A type name used as a reference: a dotted name as it is, a bare one in the enclosing
 * namespace ns first, then in the null namespace. NULL when unknown (c->err set on OOM). */
sr_avro_node *sr_avro_resolve(sr_avro_compiler *c, const char *name, size_t length, const char *ns);
/* Gives a named node (record, enum, fixed) its full name from def's "name" and "namespace"
 * (or the enclosing ns), sets *inner_ns to the namespace of what it encloses, and registers it. */
int sr_avro_name_node(sr_avro_compiler *c, sr_avro_node *node, const struct sr_json_value *def, const char *ns,
                      const char **inner_ns);

#endif
