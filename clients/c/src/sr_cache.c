/* The client's cache of schemas by id (sr_schema_by_id). A schema never changes under its id,
 * so entries are never invalidated, only evicted (least recently used first) to stay within
 * the bytes the application allows. A hit is a hash lookup and a move to the front of the
 * recency list: no round trip, no allocation, no decoding (entries keep the decoded Schema). */
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"

struct sr_cache_entry {
    sr_cache_entry *bucket_next;
    sr_cache_entry *newer, *older; /* the recency list */
    uint32_t id;
    size_t bytes;
    Srp__Schema *schema;
};

/* What an entry is charged beyond its serialized schema: the entry, the decoded message's
 * struct and the allocator's headers, roughly. */
#define ENTRY_OVERHEAD (sizeof(sr_cache_entry) + sizeof(Srp__Schema) + 64)

static size_t bucket_of(const sr_schema_cache *k, uint32_t id) {
    return (size_t)((id * 2654435761u) & (uint32_t)(k->bucket_count - 1));
}

static void recency_unlink(sr_schema_cache *k, sr_cache_entry *e) {
    if (e->newer)
        e->newer->older = e->older;
    else
        k->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        k->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void recency_push_newest(sr_schema_cache *k, sr_cache_entry *e) {
    e->older = k->newest;
    e->newer = NULL;
    if (k->newest)
        k->newest->newer = e;
    else
        k->oldest = e;
    k->newest = e;
}

static sr_cache_entry *lookup(sr_schema_cache *k, uint32_t id) {
    if (!k->bucket_count) return NULL;
    for (sr_cache_entry *e = k->buckets[bucket_of(k, id)]; e; e = e->bucket_next)
        if (e->id == id) return e;
    return NULL;
}

static void remove_entry(sr_schema_cache *k, sr_cache_entry *e) {
    for (sr_cache_entry **p = &k->buckets[bucket_of(k, e->id)]; *p; p = &(*p)->bucket_next)
        if (*p == e) {
            *p = e->bucket_next;
            break;
        }
    recency_unlink(k, e);
    k->bytes -= e->bytes;
    k->count--;
    srp__schema__free_unpacked(e->schema, NULL);
    free(e);
}

/* Doubles the buckets when entries outnumber them (so chains stay about one long). */
static int grow(sr_schema_cache *k) {
    size_t count = k->bucket_count ? k->bucket_count * 2 : 64;
    sr_cache_entry **buckets = calloc(count, sizeof *buckets);
    if (!buckets) return SR_ERR_OOM;
    sr_cache_entry **old = k->buckets;
    size_t old_count = k->bucket_count;
    k->buckets = buckets;
    k->bucket_count = count;
    for (size_t i = 0; i < old_count; i++) {
        while (old[i]) {
            sr_cache_entry *e = old[i];
            old[i] = e->bucket_next;
            size_t b = bucket_of(k, e->id);
            e->bucket_next = buckets[b];
            buckets[b] = e;
        }
    }
    free(old);
    return SR_OK;
}

/* Takes `schema` into the cache when it fits, evicting the least recently used; returns 0 when
 * it did not (the caller keeps ownership). */
static int insert(sr_client *c, uint32_t id, Srp__Schema *schema, size_t serialized) {
    sr_schema_cache *k = &c->cache;
    size_t bytes = serialized + ENTRY_OVERHEAD;
    if (bytes > k->max_bytes) return 0;
    if (k->count + 1 > k->bucket_count && grow(k)) return 0;
    sr_cache_entry *e = calloc(1, sizeof *e);
    if (!e) return 0;
    while (k->bytes + bytes > k->max_bytes && k->oldest) {
        remove_entry(k, k->oldest);
        c->stats[SR_STAT_SCHEMA_CACHE_EVICTIONS]++;
    }
    e->id = id;
    e->bytes = bytes;
    e->schema = schema;
    size_t b = bucket_of(k, id);
    e->bucket_next = k->buckets[b];
    k->buckets[b] = e;
    recency_push_newest(k, e);
    k->bytes += bytes;
    k->count++;
    return 1;
}

static void clear(sr_schema_cache *k) {
    while (k->oldest) remove_entry(k, k->oldest);
}

void sr_cache_release(sr_schema_cache *k) {
    clear(k);
    free(k->buckets);
    k->buckets = NULL;
    k->bucket_count = 0;
    if (k->uncached) srp__schema__free_unpacked(k->uncached, NULL);
    k->uncached = NULL;
}

int sr_client_set_schema_cache_bytes(sr_client *c, size_t bytes) {
    sr_schema_cache *k = &c->cache;
    k->max_bytes = bytes;
    if (bytes == 0) {
        sr_cache_release(k);
    } else {
        while (k->bytes > bytes && k->oldest) {
            remove_entry(k, k->oldest);
            c->stats[SR_STAT_SCHEMA_CACHE_EVICTIONS]++;
        }
    }
    return SR_OK;
}

void sr_schema_cache_usage(const sr_client *c, size_t *bytes, size_t *entries) {
    if (bytes) *bytes = c->cache.bytes;
    if (entries) *entries = c->cache.count;
}

int sr_schema_by_id(sr_client *c, uint32_t id, int timeout_ms, const Srp__Schema **schema) {
    sr_schema_cache *k = &c->cache;
    *schema = NULL;
    sr_cache_entry *hit = lookup(k, id);
    if (hit) {
        c->stats[SR_STAT_SCHEMA_CACHE_HITS]++;
        if (k->newest != hit) {
            recency_unlink(k, hit);
            recency_push_newest(k, hit);
        }
        *schema = hit->schema;
        c->err = SR_OK;
        return SR_OK;
    }
    c->stats[SR_STAT_SCHEMA_CACHE_MISSES]++;
    /* The previous uncached answer was borrowed until this call. */
    if (k->uncached) srp__schema__free_unpacked(k->uncached, NULL);
    k->uncached = NULL;
    Srp__GetSchemaByIdRequest req = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    req.id = id;
    sr_reply *r = sr_get_schema_by_id(c, &req, timeout_ms);
    if (!r) return c->err ? c->err : SR_ERR_NOT_CONNECTED;
    unsigned status = sr_reply_status(r);
    Srp__GetSchemaByIdResponse *ok =
        (Srp__GetSchemaByIdResponse *)SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID);
    int err = SR_OK;
    if (status == SR_STATUS_SCHEMA_NOT_FOUND) {
        err = sr_set_err(c, SR_ERR_UNKNOWN_SCHEMA, "no schema with id %u: %s", id, sr_reply_error_message(r));
    } else if (!ok || !ok->schema) {
        err = sr_set_err(c, SR_ERR_REGISTRY, "GetSchemaById %u: %s (%u): %s", id, sr_status_name(status), status,
                         ok ? "no schema in the answer" : sr_reply_error_message(r));
    } else {
        /* Keep the decoded schema, not the reply: take it out of the response message. */
        Srp__Schema *taken = ok->schema;
        ok->schema = NULL;
        size_t serialized = r->body_length;
        if (k->max_bytes == 0 || !insert(c, id, taken, serialized)) k->uncached = taken;
        *schema = taken;
        c->err = SR_OK;
    }
    sr_reply_free(r);
    return err;
}
