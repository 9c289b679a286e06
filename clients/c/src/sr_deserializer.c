/* The deserializer: the frame's id selects the writer's schema, fetched with GetSchemaById
 * on first sight and kept in a bounded cache (first in, first out: a consumer sees few
 * schemas, and a bound keeps hostile ids from growing memory); Avro bodies are decoded with
 * that schema into Avro's JSON encoding. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

typedef struct cache_entry {
    uint32_t id;
    int schema_type;
    sr_avro_schema *avro; /* AVRO only */
} cache_entry;

struct sr_deserializer {
    sr_client *client; /* borrowed */
    int timeout_ms;
    cache_entry *entries;
    size_t count, allocated, capacity, next_evicted, last_hit;
    int err;
    char errstr[512];
};

struct sr_datum {
    uint32_t schema_id;
    int schema_type;
    char *body; /* NUL-terminated after body_length bytes */
    size_t body_length;
    size_t index_count;
    int32_t indexes[SR_WIRE_MAX_INDEXES];
};

#define SR_DEFAULT_CACHE 1000

static int set_err(sr_deserializer *d, int err, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int set_err(sr_deserializer *d, int err, const char *format, ...) {
    char message[sizeof d->errstr];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    memcpy(d->errstr, message, sizeof message);
    d->err = err;
    return err;
}

sr_deserializer *sr_deserializer_new(sr_client *client) {
    sr_deserializer *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->client = client;
    d->timeout_ms = SR_TIMEOUT_DEFAULT;
    d->capacity = SR_DEFAULT_CACHE;
    if (!client) set_err(d, SR_ERR_ARGUMENT, "a deserializer needs a client");
    return d;
}

static void clear_cache(sr_deserializer *d) {
    for (size_t i = 0; i < d->count; i++) sr_avro_schema_free(d->entries[i].avro);
    d->count = d->next_evicted = d->last_hit = 0;
}

void sr_deserializer_free(sr_deserializer *d) {
    if (!d) return;
    clear_cache(d);
    free(d->entries);
    free(d);
}

int sr_deserializer_err(const sr_deserializer *d) { return d ? d->err : SR_ERR_ARGUMENT; }
const char *sr_deserializer_errstr(const sr_deserializer *d) { return d ? d->errstr : "no deserializer"; }
size_t sr_deserializer_cached(const sr_deserializer *d) { return d ? d->count : 0; }

/* A smaller bound than what is cached empties the cache (simple, and rare). */
int sr_deserializer_set_cache_size(sr_deserializer *d, size_t schemas) {
    if (!d || schemas == 0) return SR_ERR_ARGUMENT;
    if (schemas < d->count) clear_cache(d);
    d->capacity = schemas;
    return SR_OK;
}

int sr_deserializer_set_timeout_ms(sr_deserializer *d, int timeout_ms) {
    if (!d || timeout_ms < SR_TIMEOUT_DEFAULT) return SR_ERR_ARGUMENT;
    d->timeout_ms = timeout_ms;
    return SR_OK;
}

static cache_entry *cached(sr_deserializer *d, uint32_t id) {
    if (d->last_hit < d->count && d->entries[d->last_hit].id == id) return &d->entries[d->last_hit];
    for (size_t i = 0; i < d->count; i++)
        if (d->entries[i].id == id) {
            d->last_hit = i;
            return &d->entries[i];
        }
    return NULL;
}

/* Fetches schema `id` and caches it (compiled, for Avro). */
static int fetch(sr_deserializer *d, uint32_t id, cache_entry **entry) {
    Srp__GetSchemaByIdRequest request = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    request.id = id;
    sr_reply *r = sr_get_schema_by_id(d->client, &request, d->timeout_ms);
    if (!r)
        return set_err(d, sr_client_err(d->client) ? sr_client_err(d->client) : SR_ERR_IO,
                       "fetching schema %u: %s", id, sr_client_errstr(d->client));
    unsigned status = sr_reply_status(r);
    const Srp__GetSchemaByIdResponse *found = SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID);
    if (!found || !found->schema) {
        if (status == SR_STATUS_SCHEMA_NOT_FOUND)
            set_err(d, SR_ERR_UNKNOWN_SCHEMA, "unknown schema id %u: the registry has no such schema (%s)", id,
                    sr_reply_error_message(r));
        else
            set_err(d, SR_ERR_REGISTRY, "fetching schema %u: %s (%u): %s", id, sr_status_name(status), status,
                    sr_reply_error_message(r));
        sr_reply_free(r);
        return d->err;
    }
    cache_entry fresh = {id, (int)found->schema->schema_type, NULL};
    if (fresh.schema_type == SR_SCHEMA_AVRO) {
        char message[400];
        const char *text = found->schema->schema ? found->schema->schema : "";
        /* Types defined in referenced schemas: their texts first. */
        size_t n = found->schema->n_references;
        sr_reference *refs = calloc(n ? n : 1, sizeof *refs);
        sr_reference_texts texts = {0};
        int err = refs ? SR_OK : sr_serde_fail(message, sizeof message, SR_ERR_OOM, "out of memory");
        for (size_t i = 0; i < n && refs; i++) {
            const Srp__SchemaReference *ref = found->schema->references[i];
            refs[i].name = ref->name ? ref->name : "";
            refs[i].subject = ref->subject ? ref->subject : "";
            refs[i].version = ref->version;
        }
        if (err == SR_OK && n)
            err = sr_fetch_reference_texts(d->client, d->timeout_ms, refs, n, &texts, message, sizeof message);
        if (err == SR_OK)
            err = sr_avro_schema_parse_with_references(text, strlen(text), (const char *const *)texts.texts,
                                                       texts.count, &fresh.avro, message, sizeof message);
        sr_reference_texts_free(&texts);
        free(refs);
        if (err != SR_OK) {
            sr_reply_free(r);
            return set_err(d, err, "schema %u: %s", id, message);
        }
    }
    sr_reply_free(r);
    if (d->count < d->capacity) {
        if (d->count == d->allocated) {
            size_t allocated = d->allocated ? d->allocated * 2 : 16;
            if (allocated > d->capacity) allocated = d->capacity;
            cache_entry *grown = realloc(d->entries, allocated * sizeof *grown);
            if (!grown) {
                sr_avro_schema_free(fresh.avro);
                return set_err(d, SR_ERR_OOM, "out of memory caching schema %u", id);
            }
            d->entries = grown;
            d->allocated = allocated;
        }
        d->last_hit = d->count++;
    } else {
        /* Full: the oldest entry goes. */
        d->last_hit = d->next_evicted;
        sr_avro_schema_free(d->entries[d->last_hit].avro);
        d->next_evicted = (d->next_evicted + 1) % d->count;
    }
    d->entries[d->last_hit] = fresh;
    *entry = &d->entries[d->last_hit];
    return SR_OK;
}

int sr_deserialize(sr_deserializer *d, const uint8_t *payload, size_t length, sr_datum **datum) {
    if (!d) return SR_ERR_ARGUMENT;
    if (!datum) return set_err(d, SR_ERR_ARGUMENT, "no place for the datum");
    *datum = NULL;
    if (!d->client) return set_err(d, SR_ERR_ARGUMENT, "a deserializer needs a client");
    char message[400];
    uint32_t id;
    size_t offset;
    int err = sr_wire_unframe(payload, length, &id, &offset, message, sizeof message);
    if (err != SR_OK) return set_err(d, err, "%s", message);
    cache_entry *entry = cached(d, id);
    if (!entry && (err = fetch(d, id, &entry)) != SR_OK) return err;
    sr_datum *out = calloc(1, sizeof *out);
    if (!out) return set_err(d, SR_ERR_OOM, "out of memory");
    out->schema_id = id;
    out->schema_type = entry->schema_type;
    if (entry->schema_type == SR_SCHEMA_AVRO) {
        err = sr_avro_decode_json(entry->avro, payload + offset, length - offset, &out->body, &out->body_length,
                                  message, sizeof message);
        if (err != SR_OK) {
            sr_datum_free(out);
            return set_err(d, err, "schema %u: %s", id, message);
        }
    } else {
        if (entry->schema_type == SR_SCHEMA_PROTOBUF) {
            err = sr_wire_unframe_protobuf(payload, length, &id, out->indexes, SR_WIRE_MAX_INDEXES, &out->index_count,
                                           &offset, message, sizeof message);
            if (err != SR_OK) {
                sr_datum_free(out);
                return set_err(d, err, "%s", message);
            }
        } else {
            sr_json *doc;
            err = sr_json_parse((const char *)payload + offset, length - offset, &doc, message, sizeof message);
            if (err != SR_OK) {
                sr_datum_free(out);
                return set_err(d, err, "schema %u (JSON): %s", id, message);
            }
            sr_json_free(doc);
        }
        out->body_length = length - offset;
        out->body = malloc(out->body_length + 1);
        if (!out->body) {
            sr_datum_free(out);
            return set_err(d, SR_ERR_OOM, "out of memory");
        }
        if (out->body_length) memcpy(out->body, payload + offset, out->body_length);
        out->body[out->body_length] = '\0';
    }
    d->err = SR_OK;
    d->errstr[0] = '\0';
    *datum = out;
    return SR_OK;
}

void sr_datum_free(sr_datum *datum) {
    if (!datum) return;
    free(datum->body);
    free(datum);
}

uint32_t sr_datum_schema_id(const sr_datum *datum) { return datum ? datum->schema_id : 0; }
int sr_datum_schema_type(const sr_datum *datum) { return datum ? datum->schema_type : -1; }

const char *sr_datum_body(const sr_datum *datum, size_t *length) {
    if (length) *length = datum ? datum->body_length : 0;
    return datum ? datum->body : NULL;
}

size_t sr_datum_index_count(const sr_datum *datum) { return datum ? datum->index_count : 0; }

int32_t sr_datum_index(const sr_datum *datum, size_t index) {
    return datum && index < datum->index_count ? datum->indexes[index] : -1;
}
