/* Confluent schema references: a schema may use named types defined in other subjects'
 * schemas, listed as (name, subject, version). Serializers and deserializers fetch those
 * texts through the client (GetSchemaByVersion), and theirs in turn, so that each comes
 * before the schemas that use it, as sr_avro_schema_parse_with_references wants them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

/* Reference chains deeper than this, or more schemas than that, are refused: a registry
 * (or a cycle) cannot make a consumer fetch without end. */
#define SR_REFERENCE_MAX_DEPTH 16
#define SR_REFERENCE_MAX_COUNT 100

typedef struct fetcher {
    sr_client *client;
    int timeout_ms;
    sr_reference_texts *out;
    char **seen; /* "version:subject" of every schema fetched or being fetched */
    size_t seen_count;
    char *errbuf;
    size_t errbuf_size;
} fetcher;

static int push_text(sr_reference_texts *out, const char *text) {
    if (out->count == out->capacity) {
        size_t capacity = out->capacity ? out->capacity * 2 : 4;
        char **grown = realloc(out->texts, capacity * sizeof *grown);
        if (!grown) return SR_ERR_OOM;
        out->texts = grown;
        out->capacity = capacity;
    }
    if (!(out->texts[out->count] = strdup(text))) return SR_ERR_OOM;
    out->count++;
    return SR_OK;
}

static int fetch(fetcher *f, const char *name, const char *subject, int32_t version, int depth) {
    char key[600];
    snprintf(key, sizeof key, "%d:%s", (int)version, subject);
    for (size_t i = 0; i < f->seen_count; i++)
        if (strcmp(f->seen[i], key) == 0) return SR_OK; /* already there (or a cycle: its texts come once) */
    if (depth > SR_REFERENCE_MAX_DEPTH || f->seen_count >= SR_REFERENCE_MAX_COUNT)
        return sr_serde_fail(f->errbuf, f->errbuf_size, SR_ERR_SCHEMA,
                             "schema references nested deeper than %d or more than %d of them (at '%s')",
                             SR_REFERENCE_MAX_DEPTH, SR_REFERENCE_MAX_COUNT, name);
    char **grown = realloc(f->seen, (f->seen_count + 1) * sizeof *grown);
    if (!grown || !(grown[f->seen_count] = strdup(key))) {
        if (grown) f->seen = grown;
        return sr_serde_fail(f->errbuf, f->errbuf_size, SR_ERR_OOM, "out of memory fetching references");
    }
    f->seen = grown;
    f->seen_count++;

    Srp__GetSchemaByVersionRequest request = SRP__GET_SCHEMA_BY_VERSION_REQUEST__INIT;
    request.subject = (char *)subject;
    request.version = version;
    sr_reply *r = sr_get_schema_by_version(f->client, &request, f->timeout_ms);
    const Srp__GetSchemaByVersionResponse *found =
        r ? SR_REPLY_AS(r, Srp__GetSchemaByVersionResponse, SR_METHOD_GET_SCHEMA_BY_VERSION) : NULL;
    if (!found || !found->schema) {
        int err = r ? SR_ERR_REGISTRY : (sr_client_err(f->client) ? sr_client_err(f->client) : SR_ERR_IO);
        sr_serde_fail(f->errbuf, f->errbuf_size, err, "schema reference '%s' (subject '%s', version %d): %s%s%s", name,
                      subject, (int)version, r ? sr_status_name(sr_reply_status(r)) : sr_client_errstr(f->client),
                      r ? ": " : "", r ? sr_reply_error_message(r) : "");
        sr_reply_free(r);
        return err;
    }
    /* Its own references first: they define what it uses. */
    int err = SR_OK;
    const Srp__SchemaVersion *schema = found->schema;
    for (size_t i = 0; i < schema->n_references && err == SR_OK; i++) {
        const Srp__SchemaReference *ref = schema->references[i];
        err = fetch(f, ref->name ? ref->name : "", ref->subject ? ref->subject : "", ref->version, depth + 1);
    }
    if (err == SR_OK && push_text(f->out, schema->schema ? schema->schema : "") != SR_OK)
        err = sr_serde_fail(f->errbuf, f->errbuf_size, SR_ERR_OOM, "out of memory fetching references");
    sr_reply_free(r);
    return err;
}

int sr_fetch_reference_texts(sr_client *client, int timeout_ms, const sr_reference *references, size_t count,
                             sr_reference_texts *out, char *errbuf, size_t errbuf_size) {
    fetcher f = {client, timeout_ms, out, NULL, 0, errbuf, errbuf_size};
    int err = SR_OK;
    for (size_t i = 0; i < count && err == SR_OK; i++)
        err = fetch(&f, references[i].name, references[i].subject, references[i].version, 1);
    for (size_t i = 0; i < f.seen_count; i++) free(f.seen[i]);
    free(f.seen);
    if (err != SR_OK) sr_reference_texts_free(out);
    return err;
}

void sr_reference_texts_free(sr_reference_texts *texts) {
    for (size_t i = 0; i < texts->count; i++) free(texts->texts[i]);
    free(texts->texts);
    memset(texts, 0, sizeof *texts);
}
