/* The mutable cache: GetSchemaByVersion, GetConfig and GetMode answers, which can change, kept
 * exact by an internal watch on the client's connection (srclient_watch.h has the contract).
 * The client is synchronous, so there is no thread applying events: every lookup first reads
 * what the socket holds without waiting (sr_client_read_some: frames are routed as for any
 * call, so other pipelined replies are kept for their callers and events queue on their watch)
 * and then applies the internal watch's queued events. An answer fetched from the server is
 * kept only if no event touching it was applied after the fetch began, so an answer older than
 * an event already seen is never kept; an event that comes later drops it. A hit is a hash
 * lookup and a move to the front of the recency list: no round trip, no allocation. */
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"

enum kind { KIND_VERSION = 1, KIND_CONFIG = 2, KIND_MODE = 4 };
#define KIND_ALL (KIND_VERSION | KIND_CONFIG | KIND_MODE)

struct sr_mcache_entry {
    sr_mcache_entry *bucket_next;
    sr_mcache_entry *newer, *older; /* the recency list */
    uint32_t hash;
    uint8_t kind, flag; /* flag: default_to_global (config, mode) */
    int32_t version;
    size_t subject_length;
    char *subject;              /* allocated with the entry */
    Srp__SchemaVersion *schema; /* KIND_VERSION */
    int value;                  /* KIND_CONFIG: the level; KIND_MODE: the mode */
};

typedef struct key {
    uint8_t kind, flag;
    int32_t version;
    const char *subject;
    size_t subject_length;
    uint32_t hash;
} key;

static key make_key(uint8_t kind, const char *subject, int32_t version, int flag) {
    key k = {kind, (uint8_t)(flag != 0), version, subject ? subject : "", 0, 2166136261u};
    k.subject_length = strlen(k.subject);
    /* FNV-1a over the subject, then the rest of the key. */
    for (size_t i = 0; i < k.subject_length; i++) k.hash = (k.hash ^ (uint8_t)k.subject[i]) * 16777619u;
    uint32_t rest[3] = {kind, k.flag, (uint32_t)version};
    for (int i = 0; i < 3; i++) k.hash = (k.hash ^ rest[i]) * 16777619u;
    return k;
}

static int same(const sr_mcache_entry *e, const key *k) {
    return e->hash == k->hash && e->kind == k->kind && e->flag == k->flag && e->version == k->version &&
           e->subject_length == k->subject_length && memcmp(e->subject, k->subject, k->subject_length) == 0;
}

static void recency_unlink(sr_mutable_cache *m, sr_mcache_entry *e) {
    if (e->newer)
        e->newer->older = e->older;
    else
        m->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        m->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void recency_push_newest(sr_mutable_cache *m, sr_mcache_entry *e) {
    e->older = m->newest;
    e->newer = NULL;
    if (m->newest)
        m->newest->newer = e;
    else
        m->oldest = e;
    m->newest = e;
}

static sr_mcache_entry *find(sr_mutable_cache *m, const key *k) {
    if (!m->bucket_count) return NULL;
    for (sr_mcache_entry *e = m->buckets[k->hash & (m->bucket_count - 1)]; e; e = e->bucket_next)
        if (same(e, k)) return e;
    return NULL;
}

static void remove_entry(sr_mutable_cache *m, sr_mcache_entry *e) {
    for (sr_mcache_entry **p = &m->buckets[e->hash & (m->bucket_count - 1)]; *p; p = &(*p)->bucket_next)
        if (*p == e) {
            *p = e->bucket_next;
            break;
        }
    recency_unlink(m, e);
    m->count--;
    if (e->schema) srp__schema_version__free_unpacked(e->schema, NULL);
    free(e);
}

/* Drops the entries of the kinds in `kinds` for `subject` (NULL: every subject). Events are
 * rare next to lookups and the cache is bounded, so a scan is enough. */
static void drop(sr_mutable_cache *m, unsigned kinds, const char *subject) {
    for (sr_mcache_entry *e = m->oldest, *next; e; e = next) {
        next = e->newer;
        if ((e->kind & kinds) && (!subject || strcmp(e->subject, subject) == 0)) remove_entry(m, e);
    }
}

/* Everything goes: RESYNC, an unknown event type, the watch ended or (re)started. */
static void drop_all(sr_client *c) {
    if (c->mcache.count) drop(&c->mcache, KIND_ALL, NULL);
    c->stats[SR_STAT_MUTABLE_CACHE_RESETS]++;
}

static void release_buckets(sr_mutable_cache *m) {
    drop(m, KIND_ALL, NULL);
    free(m->buckets);
    m->buckets = NULL;
    m->bucket_count = 0;
}

/* Applies one event; *touched is set when it concerns `pending` (the key being fetched). */
static void apply_event(sr_client *c, const Srp__WatchEvent *ev, const key *pending, int *touched) {
    sr_mutable_cache *m = &c->mcache;
    const char *subject = ev->subject ? ev->subject : "";
    unsigned kinds;
    switch (ev->type) {
    case SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_VERSION_REGISTERED:
        kinds = KIND_VERSION;
        break;
    case SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_VERSIONS_DELETED:
    case SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_SUBJECT_DELETED:
        /* Deleting a subject may take its own level and mode with it. */
        kinds = KIND_ALL;
        break;
    case SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_CONFIG_CHANGED:
    case SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_MODE_CHANGED:
        kinds = ev->type == SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_CONFIG_CHANGED ? KIND_CONFIG : KIND_MODE;
        /* The global level or mode is what every subject without its own answers. */
        if (!subject[0]) subject = NULL;
        break;
    default:
        /* RESYNC: events were lost. A type this library does not know may change anything
         * cached, so it is treated the same (the safe reading of "skip it"). */
        drop_all(c);
        if (touched) *touched = 1;
        return;
    }
    drop(m, kinds, subject);
    if (pending && touched && (pending->kind & kinds) && (!subject || strcmp(pending->subject, subject) == 0))
        *touched = 1;
}

/* Applies the internal watch's queued events (no I/O). */
static void apply_queued(sr_client *c, const key *pending, int *touched) {
    sr_watch *w = c->mcache.watch;
    Srp__WatchEvents *batch;
    while (sr_watch_take_ready(w, &batch) == SR_OK && batch) {
        for (size_t i = 0; i < batch->n_events; i++) apply_event(c, batch->events[i], pending, touched);
        sr_watch_events_free(batch);
    }
}

/* Brings the cache up to what the socket holds: one non-blocking read pass, then the queued
 * events. Returns 1 when answers may come from memory (the internal watch is open). A watch
 * that ended is freed and everything dropped, and *touched set: what was fetched meanwhile
 * cannot be known exact. */
static int refresh(sr_client *c, int read, const key *pending, int *touched) {
    sr_mutable_cache *m = &c->mcache;
    if (!m->watch) return 0;
    if (read && sr_watch_is_open(m->watch) && c->state != SR_CONN_BROKEN) {
        int saved = c->err;
        if (sr_client_read_some(c) == SR_OK) c->err = saved;
    }
    apply_queued(c, pending, touched);
    if (sr_watch_is_open(m->watch)) return 1;
    sr_watch_free(m->watch);
    m->watch = NULL;
    drop_all(c);
    if (touched) *touched = 1;
    return 0;
}

/* Opens the internal watch, at most once per connection: a refusal (no change log, too many
 * watches) or a timeout would otherwise cost every lookup a round trip. */
static void start_watch(sr_client *c, int timeout_ms) {
    sr_mutable_cache *m = &c->mcache;
    if (m->watch) return;
    if (m->attempted_connection == c->connections && c->connections) return;
    if (c->state == SR_CONN_BROKEN && !c->opts.auto_reconnect) return;
    if (c->state == SR_CONN_READY && !c->watch_available) {
        m->attempted_connection = c->connections;
        return;
    }
    Srp__WatchRequest everything = SRP__WATCH_REQUEST__INIT; /* all the API key may read */
    sr_watch *w = NULL;
    int err = sr_watch_start(c, &everything, timeout_ms, &w);
    m->attempted_connection = c->connections; /* after a reconnect sr_watch_start may have made */
    if (err != SR_OK) return; /* the lookup goes to the server, which reports its own error */
    m->watch = w;
    drop_all(c); /* empty already; counted, as the Swift client counts a (re)start */
}

/* Keeps an answer under `k`, evicting the least recently used; NULL when it could not (the
 * caller keeps ownership of `schema`). */
static sr_mcache_entry *insert(sr_client *c, const key *k, Srp__SchemaVersion *schema, int value) {
    sr_mutable_cache *m = &c->mcache;
    if (!m->max_entries) return NULL;
    if (!m->bucket_count) {
        /* Sized once for the bound (chains stay about one long); a new bound rebuilds it. */
        size_t count = 16;
        while (count < m->max_entries && count < ((size_t)1 << 24)) count *= 2;
        m->buckets = calloc(count, sizeof *m->buckets);
        if (!m->buckets) return NULL;
        m->bucket_count = count;
    }
    sr_mcache_entry *old = find(m, k);
    if (old) remove_entry(m, old);
    sr_mcache_entry *e = malloc(sizeof *e + k->subject_length + 1);
    if (!e) return NULL;
    while (m->count >= m->max_entries && m->oldest) {
        remove_entry(m, m->oldest);
        c->stats[SR_STAT_MUTABLE_CACHE_EVICTIONS]++;
    }
    memset(e, 0, sizeof *e);
    e->subject = (char *)(e + 1);
    memcpy(e->subject, k->subject, k->subject_length + 1);
    e->subject_length = k->subject_length;
    e->hash = k->hash;
    e->kind = k->kind;
    e->flag = k->flag;
    e->version = k->version;
    e->schema = schema;
    e->value = value;
    size_t b = k->hash & (m->bucket_count - 1);
    e->bucket_next = m->buckets[b];
    m->buckets[b] = e;
    recency_push_newest(m, e);
    m->count++;
    return e;
}

/* The part every lookup shares: the cache's answer, or NULL with *keep saying whether an answer
 * fetched now may be kept (the watch is open). */
static sr_mcache_entry *lookup(sr_client *c, const key *k, int timeout_ms, int *keep) {
    sr_mutable_cache *m = &c->mcache;
    *keep = 0;
    if (m->uncached) {
        /* The previous answer not kept was borrowed until this call. */
        srp__schema_version__free_unpacked(m->uncached, NULL);
        m->uncached = NULL;
    }
    if (!m->max_entries) return NULL; /* off: a plain call, counted nowhere */
    if (!m->watch || !sr_watch_is_open(m->watch)) {
        refresh(c, 0, NULL, NULL); /* frees an ended watch, drops what it kept exact */
        start_watch(c, timeout_ms);
    }
    if (refresh(c, 1, NULL, NULL)) {
        sr_mcache_entry *hit = find(m, k);
        if (hit) {
            c->stats[SR_STAT_MUTABLE_CACHE_HITS]++;
            if (m->newest != hit) {
                recency_unlink(m, hit);
                recency_push_newest(m, hit);
            }
            m->last_status = 0;
            c->err = SR_OK;
            return hit;
        }
        *keep = 1;
    }
    c->stats[SR_STAT_MUTABLE_CACHE_MISSES]++;
    return NULL;
}

/* After a fetch: apply what arrived meanwhile; 1 if the answer may be kept. */
static int may_keep(sr_client *c, const key *k, int keep) {
    if (!keep) return 0;
    int touched = 0;
    int live = refresh(c, 0, k, &touched);
    return live && !touched;
}

static int refused(sr_client *c, sr_reply *r, const char *what, const char *subject) {
    unsigned status = sr_reply_status(r);
    c->mcache.last_status = status ? status : SR_STATUS_INTERNAL;
    int err = sr_set_err(c, SR_ERR_REGISTRY, "%s %s: %s (%u): %s", what, subject, sr_status_name(status), status,
                         status ? sr_reply_error_message(r) : "the answer does not parse");
    sr_reply_free(r);
    return err;
}

int sr_schema_by_version(sr_client *c, const char *subject, int32_t version, int timeout_ms,
                         const Srp__SchemaVersion **schema) {
    *schema = NULL;
    if (!subject) return sr_set_err(c, SR_ERR_ARGUMENT, "no subject");
    key k = make_key(KIND_VERSION, subject, version, 0);
    int keep;
    sr_mcache_entry *hit = lookup(c, &k, timeout_ms, &keep);
    if (hit) {
        *schema = hit->schema;
        return SR_OK;
    }
    Srp__GetSchemaByVersionRequest req = SRP__GET_SCHEMA_BY_VERSION_REQUEST__INIT;
    req.subject = (char *)subject;
    req.version = version;
    sr_reply *r = sr_get_schema_by_version(c, &req, timeout_ms);
    if (!r) return c->err ? c->err : SR_ERR_NOT_CONNECTED;
    Srp__GetSchemaByVersionResponse *ok = (Srp__GetSchemaByVersionResponse *)SR_REPLY_AS(
        r, Srp__GetSchemaByVersionResponse, SR_METHOD_GET_SCHEMA_BY_VERSION);
    if (!ok || !ok->schema) return refused(c, r, "GetSchemaByVersion", subject);
    /* Keep the decoded answer, not the reply: take it out of the response message. */
    Srp__SchemaVersion *taken = ok->schema;
    ok->schema = NULL;
    sr_reply_free(r);
    c->mcache.last_status = 0;
    c->err = SR_OK;
    if (!may_keep(c, &k, keep) || !insert(c, &k, taken, 0)) c->mcache.uncached = taken;
    *schema = taken;
    return SR_OK;
}

int sr_config_by_subject(sr_client *c, const char *subject, int default_to_global, int timeout_ms,
                         Srp__CompatibilityLevel *level) {
    *level = SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_UNSPECIFIED;
    key k = make_key(KIND_CONFIG, subject, 0, default_to_global);
    int keep;
    sr_mcache_entry *hit = lookup(c, &k, timeout_ms, &keep);
    if (hit) {
        *level = (Srp__CompatibilityLevel)hit->value;
        return SR_OK;
    }
    Srp__GetConfigRequest req = SRP__GET_CONFIG_REQUEST__INIT;
    req.subject = (char *)k.subject;
    req.default_to_global = default_to_global != 0;
    sr_reply *r = sr_get_config(c, &req, timeout_ms);
    if (!r) return c->err ? c->err : SR_ERR_NOT_CONNECTED;
    const Srp__GetConfigResponse *ok = SR_REPLY_AS(r, Srp__GetConfigResponse, SR_METHOD_GET_CONFIG);
    if (!ok) return refused(c, r, "GetConfig", k.subject[0] ? k.subject : "(global)");
    *level = ok->compatibility;
    sr_reply_free(r);
    c->mcache.last_status = 0;
    c->err = SR_OK;
    if (may_keep(c, &k, keep)) insert(c, &k, NULL, (int)*level);
    return SR_OK;
}

int sr_mode_by_subject(sr_client *c, const char *subject, int default_to_global, int timeout_ms, Srp__Mode *mode) {
    *mode = SRP__MODE__MODE_UNSPECIFIED;
    key k = make_key(KIND_MODE, subject, 0, default_to_global);
    int keep;
    sr_mcache_entry *hit = lookup(c, &k, timeout_ms, &keep);
    if (hit) {
        *mode = (Srp__Mode)hit->value;
        return SR_OK;
    }
    Srp__GetModeRequest req = SRP__GET_MODE_REQUEST__INIT;
    req.subject = (char *)k.subject;
    req.default_to_global = default_to_global != 0;
    sr_reply *r = sr_get_mode(c, &req, timeout_ms);
    if (!r) return c->err ? c->err : SR_ERR_NOT_CONNECTED;
    const Srp__GetModeResponse *ok = SR_REPLY_AS(r, Srp__GetModeResponse, SR_METHOD_GET_MODE);
    if (!ok) return refused(c, r, "GetMode", k.subject[0] ? k.subject : "(global)");
    *mode = ok->mode;
    sr_reply_free(r);
    c->mcache.last_status = 0;
    c->err = SR_OK;
    if (may_keep(c, &k, keep)) insert(c, &k, NULL, (int)*mode);
    return SR_OK;
}

int sr_client_set_mutable_cache_entries(sr_client *c, size_t max_entries) {
    sr_mutable_cache *m = &c->mcache;
    if (max_entries == m->max_entries) return SR_OK;
    /* The buckets are sized for the bound: start over (a rare, deliberate call). */
    release_buckets(m);
    m->max_entries = max_entries;
    if (max_entries == 0 && m->watch) {
        sr_watch_free(m->watch); /* unwatches an open watch */
        m->watch = NULL;
        m->attempted_connection = 0;
    }
    return SR_OK;
}

void sr_mcache_release(sr_client *c) {
    sr_mutable_cache *m = &c->mcache;
    release_buckets(m);
    sr_watch_free(m->watch);
    m->watch = NULL;
    if (m->uncached) srp__schema_version__free_unpacked(m->uncached, NULL);
    m->uncached = NULL;
}

unsigned sr_mutable_lookup_status(const sr_client *c) { return c->mcache.last_status; }
size_t sr_mutable_cache_entries(const sr_client *c) { return c->mcache.count; }
int sr_mutable_cache_live(const sr_client *c) { return c->mcache.watch && sr_watch_is_open(c->mcache.watch); }
