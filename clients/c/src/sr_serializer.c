/* The serializer: a subject and a schema, resolved to an id through the client on first use
 * (RegisterSchema, or LookupSchema with auto-register off), then each value encoded (Avro)
 * or checked (JSON) or taken as it is (Protobuf) and framed with that id. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

struct sr_serializer {
    sr_client *client; /* borrowed */
    char *subject, *schema;
    int schema_type, auto_register, timeout_ms;
    int32_t indexes[SR_WIRE_MAX_INDEXES];
    size_t index_count;
    uint32_t id; /* 0 until resolved */
    sr_reference *references; /* names and subjects strdup'ed */
    size_t reference_count;
    sr_avro_schema *avro; /* NULL until compiled: at creation, or on first use with references */
    int err;
    char errstr[512];
};

static int set_err(sr_serializer *s, int err, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int set_err(sr_serializer *s, int err, const char *format, ...) {
    char message[sizeof s->errstr];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    memcpy(s->errstr, message, sizeof message);
    s->err = err;
    return err;
}

static int ok(sr_serializer *s) {
    s->err = SR_OK;
    s->errstr[0] = '\0';
    return SR_OK;
}

sr_serializer *sr_serializer_new(sr_client *client, const char *subject, const char *schema, int schema_type) {
    sr_serializer *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->client = client;
    s->schema_type = schema_type;
    s->auto_register = 1;
    s->timeout_ms = SR_TIMEOUT_DEFAULT;
    s->index_count = 1; /* [0] */
    if (!client || !subject || !schema || schema_type < SR_SCHEMA_AVRO || schema_type > SR_SCHEMA_PROTOBUF) {
        set_err(s, SR_ERR_ARGUMENT, "a serializer needs a client, a subject, a schema and a schema type (0-2)");
        return s;
    }
    s->subject = strdup(subject);
    s->schema = strdup(schema);
    if (!s->subject || !s->schema) {
        sr_serializer_free(s);
        return NULL;
    }
    if (schema_type == SR_SCHEMA_AVRO) {
        /* Compiled now, so a bad schema shows before anything is registered. */
        char message[400];
        int err = sr_avro_schema_parse(schema, strlen(schema), &s->avro, message, sizeof message);
        if (err == SR_ERR_OOM) {
            sr_serializer_free(s);
            return NULL;
        }
        if (err != SR_OK) set_err(s, err, "%s", message);
    }
    return s;
}

void sr_serializer_free(sr_serializer *s) {
    if (!s) return;
    free(s->subject);
    free(s->schema);
    for (size_t i = 0; i < s->reference_count; i++) {
        free((char *)s->references[i].name);
        free((char *)s->references[i].subject);
    }
    free(s->references);
    sr_avro_schema_free(s->avro);
    free(s);
}

int sr_serializer_err(const sr_serializer *s) { return s ? s->err : SR_ERR_ARGUMENT; }
const char *sr_serializer_errstr(const sr_serializer *s) { return s ? s->errstr : "no serializer"; }
uint32_t sr_serializer_schema_id(const sr_serializer *s) { return s ? s->id : 0; }

int sr_serializer_set_auto_register(sr_serializer *s, int on) {
    if (!s) return SR_ERR_ARGUMENT;
    s->auto_register = on != 0;
    return SR_OK;
}

int sr_serializer_set_timeout_ms(sr_serializer *s, int timeout_ms) {
    if (!s || timeout_ms < SR_TIMEOUT_DEFAULT) return SR_ERR_ARGUMENT;
    s->timeout_ms = timeout_ms;
    return SR_OK;
}

int sr_serializer_set_message_indexes(sr_serializer *s, const int32_t *indexes, size_t count) {
    if (!s || count > SR_WIRE_MAX_INDEXES || (count && !indexes)) return SR_ERR_ARGUMENT;
    for (size_t i = 0; i < count; i++)
        if (indexes[i] < 0) return SR_ERR_ARGUMENT;
    if (count) memcpy(s->indexes, indexes, count * sizeof *indexes);
    else s->indexes[0] = 0, count = 1;
    s->index_count = count;
    return SR_OK;
}

int sr_serializer_add_reference(sr_serializer *s, const char *name, const char *subject, int32_t version) {
    if (!s || !name || !subject || s->id) return SR_ERR_ARGUMENT;
    sr_reference *grown = realloc(s->references, (s->reference_count + 1) * sizeof *grown);
    if (!grown) return SR_ERR_OOM;
    s->references = grown;
    sr_reference *r = &s->references[s->reference_count];
    r->name = strdup(name);
    r->subject = strdup(subject);
    r->version = version;
    if (!r->name || !r->subject) {
        free((char *)r->name);
        free((char *)r->subject);
        return SR_ERR_OOM;
    }
    s->reference_count++;
    /* The schema uses types defined elsewhere: compile it on first use, with their texts (a
     * compilation without them may have failed on exactly those names). */
    sr_avro_schema_free(s->avro);
    s->avro = NULL;
    if (s->err == SR_ERR_SCHEMA) ok(s);
    return SR_OK;
}

/* Fetches the referenced schemas and compiles the Avro schema with them. */
static int compile_with_references(sr_serializer *s) {
    char message[400];
    sr_reference_texts texts = {0};
    int err = sr_fetch_reference_texts(s->client, s->timeout_ms, s->references, s->reference_count, &texts, message,
                                       sizeof message);
    if (err != SR_OK) return set_err(s, err, "%s", message);
    err = sr_avro_schema_parse_with_references(s->schema, strlen(s->schema), (const char *const *)texts.texts,
                                               texts.count, &s->avro, message, sizeof message);
    sr_reference_texts_free(&texts);
    return err == SR_OK ? SR_OK : set_err(s, err, "%s", message);
}

/* The registry's answer to a failed resolution, as the serializer's error. */
static int registry_error(sr_serializer *s, sr_reply *r, const char *doing) {
    if (!r)
        return set_err(s, sr_client_err(s->client) ? sr_client_err(s->client) : SR_ERR_IO, "%s schema under '%s': %s",
                       doing, s->subject, sr_client_errstr(s->client));
    unsigned status = sr_reply_status(r);
    set_err(s, SR_ERR_REGISTRY, "%s schema under '%s': %s (%u): %s", doing, s->subject, sr_status_name(status), status,
            sr_reply_error_message(r));
    sr_reply_free(r);
    return s->err;
}

/* Registers (or looks up) the schema once; the id is kept for the serializer's life. */
static int resolve(sr_serializer *s) {
    if (s->id) return SR_OK;
    sr_reply *r;
    uint32_t id = 0;
    /* The request's references: views of ours (nothing to free but the arrays). */
    Srp__SchemaReference *refs = calloc(s->reference_count ? s->reference_count : 1, sizeof *refs);
    Srp__SchemaReference **ref_pointers = calloc(s->reference_count ? s->reference_count : 1, sizeof *ref_pointers);
    if (!refs || !ref_pointers) {
        free(refs);
        free(ref_pointers);
        return set_err(s, SR_ERR_OOM, "out of memory");
    }
    for (size_t i = 0; i < s->reference_count; i++) {
        Srp__SchemaReference init = SRP__SCHEMA_REFERENCE__INIT;
        refs[i] = init;
        refs[i].name = (char *)s->references[i].name;
        refs[i].subject = (char *)s->references[i].subject;
        refs[i].version = s->references[i].version;
        ref_pointers[i] = &refs[i];
    }
    if (s->auto_register) {
        Srp__RegisterSchemaRequest request = SRP__REGISTER_SCHEMA_REQUEST__INIT;
        request.subject = s->subject;
        request.schema = s->schema;
        request.schema_type = (Srp__SchemaType)s->schema_type;
        request.n_references = s->reference_count;
        request.references = ref_pointers;
        r = sr_register_schema(s->client, &request, s->timeout_ms);
        const Srp__RegisterSchemaResponse *found =
            r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
        if (!found) {
            free(refs);
            free(ref_pointers);
            return registry_error(s, r, "registering the");
        }
        id = found->id;
    } else {
        Srp__LookupSchemaRequest request = SRP__LOOKUP_SCHEMA_REQUEST__INIT;
        request.subject = s->subject;
        request.schema = s->schema;
        request.schema_type = (Srp__SchemaType)s->schema_type;
        request.n_references = s->reference_count;
        request.references = ref_pointers;
        r = sr_lookup_schema(s->client, &request, s->timeout_ms);
        const Srp__LookupSchemaResponse *found =
            r ? SR_REPLY_AS(r, Srp__LookupSchemaResponse, SR_METHOD_LOOKUP_SCHEMA) : NULL;
        if (!found || !found->schema) {
            free(refs);
            free(ref_pointers);
            return registry_error(s, r, "looking up the");
        }
        id = found->schema->id;
    }
    free(refs);
    free(ref_pointers);
    sr_reply_free(r);
    if (id == 0) return set_err(s, SR_ERR_REGISTRY, "the registry gave schema id 0 for subject '%s'", s->subject);
    s->id = id;
    return SR_OK;
}

static int frame_body(sr_serializer *s, const uint8_t *body, size_t length, uint8_t **payload, size_t *payload_length) {
    int err = s->schema_type == SR_SCHEMA_PROTOBUF
                  ? sr_wire_frame_protobuf(s->id, s->indexes, s->index_count, body, length, payload, payload_length)
                  : sr_wire_frame(s->id, body, length, payload, payload_length);
    return err == SR_OK ? ok(s) : set_err(s, err, "framing the payload: %s", sr_err_name(err));
}

/* Checks shared by both entry points: a usable serializer and somewhere to put the payload. */
static int begin(sr_serializer *s, uint8_t **payload, size_t *payload_length) {
    if (!s) return SR_ERR_ARGUMENT;
    if (!payload || !payload_length) return set_err(s, SR_ERR_ARGUMENT, "no place for the payload");
    *payload = NULL;
    *payload_length = 0;
    if (!s->subject) return set_err(s, SR_ERR_ARGUMENT, "this serializer was created with bad arguments");
    if (s->schema_type == SR_SCHEMA_AVRO && !s->avro) {
        if (!s->reference_count) return s->err ? s->err : set_err(s, SR_ERR_SCHEMA, "the Avro schema did not compile");
        int err = compile_with_references(s);
        if (err != SR_OK) return err;
    }
    return resolve(s);
}

int sr_serialize(sr_serializer *s, const char *data, size_t length, uint8_t **payload, size_t *payload_length) {
    int err = begin(s, payload, payload_length);
    if (err != SR_OK) return err;
    if (!data && length) return set_err(s, SR_ERR_ARGUMENT, "NULL data");
    char message[400];
    if (s->schema_type == SR_SCHEMA_AVRO) {
        uint8_t *body;
        size_t body_length;
        err = sr_avro_encode_json(s->avro, data, length, &body, &body_length, message, sizeof message);
        if (err != SR_OK) return set_err(s, err, "%s", message);
        err = frame_body(s, body, body_length, payload, payload_length);
        sr_free(body);
        return err;
    }
    if (s->schema_type == SR_SCHEMA_JSON) {
        sr_json *doc;
        err = sr_json_parse(data, length, &doc, message, sizeof message);
        if (err != SR_OK) return set_err(s, err, "%s", message);
        sr_json_free(doc);
    }
    return frame_body(s, (const uint8_t *)data, length, payload, payload_length);
}

int sr_serialize_value(sr_serializer *s, const sr_json_value *value, uint8_t **payload, size_t *payload_length) {
    int err = begin(s, payload, payload_length);
    if (err != SR_OK) return err;
    if (s->schema_type != SR_SCHEMA_AVRO)
        return set_err(s, SR_ERR_ARGUMENT, "sr_serialize_value is for AVRO serializers");
    char message[400];
    uint8_t *body;
    size_t body_length;
    err = sr_avro_encode_value(s->avro, value, &body, &body_length, message, sizeof message);
    if (err != SR_OK) return set_err(s, err, "%s", message);
    err = frame_body(s, body, body_length, payload, payload_length);
    sr_free(body);
    return err;
}
