/* Integration tests of Watch (docs/PROTOCOL.md 19) and the schema cache against a live server
 * ($SCHEMA_REGISTRY_BIN): events of another client's changes, in order, with their fields;
 * calls on the watching client while the watch is open; Unwatch; resuming; resync; the client
 * side queue bound; the cache's hits, misses and eviction. Every wait has a timeout. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "server.h"
#include "sr_client_internal.h" /* one white-box test: request ids wrapping onto a watch's */
#include "srclient.h"

static test_server server;

static sr_client *connect_with(int port, unsigned queue_events, size_t cache_bytes) {
    sr_options *o = sr_options_new();
    sr_options_set_port(o, port);
    sr_options_set_call_timeout_ms(o, 20000);
    if (queue_events) sr_options_set_watch_queue_events(o, queue_events);
    sr_options_set_schema_cache_bytes(o, cache_bytes);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    CHECKF(sr_client_err(c) == SR_OK, "connect: %s", sr_client_errstr(c));
    return c;
}

static sr_client *connect_plain(void) { return connect_with(server.port, 0, 0); }

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A record schema unique to (name, n). */
static uint32_t register_schema(sr_client *c, const char *subject, const char *name, int n) {
    char schema[256];
    snprintf(schema, sizeof schema,
             "{\"type\":\"record\",\"name\":\"%s\",\"fields\":[{\"name\":\"f%d\",\"type\":\"string\",\"default\":\"\"}]}",
             name, n);
    Srp__RegisterSchemaRequest req = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    req.subject = (char *)subject;
    req.schema = schema;
    sr_reply *r = sr_register_schema(c, &req, SR_TIMEOUT_DEFAULT);
    const Srp__RegisterSchemaResponse *ok = r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
    CHECKF(ok, "register %s: %s", subject, r ? sr_reply_error_message(r) : sr_client_errstr(c));
    uint32_t id = ok ? ok->id : 0;
    sr_reply_free(r);
    return id;
}

static sr_watch *start_watch(sr_client *c, const char *prefix, uint64_t after, const char *log_id) {
    Srp__WatchRequest req = SRP__WATCH_REQUEST__INIT;
    char *prefixes[1] = {(char *)prefix};
    if (prefix) {
        req.n_subject_prefixes = 1;
        req.subject_prefixes = prefixes;
    }
    req.after_position = after;
    if (log_id) req.log_id = (char *)log_id;
    sr_watch *w = NULL;
    int err = sr_watch_start(c, &req, 10000, &w);
    CHECKF(err == SR_OK && w, "watch: %s %s", sr_err_name(err), sr_client_errstr(c));
    return w;
}

/* Takes batches until `want` events came (or 10 s passed) into out[]; returns the count. */
static size_t collect(sr_watch *w, Srp__WatchEvent **out, size_t want, Srp__WatchEvents **keep, size_t *kept) {
    size_t got = 0;
    for (int i = 0; i < 100 && got < want; i++) {
        Srp__WatchEvents *batch = NULL;
        int err = sr_watch_next(w, 100, &batch);
        if (err == SR_ERR_TIMEOUT) continue;
        CHECKF(err == SR_OK, "sr_watch_next: %s", sr_err_name(err));
        if (err) break;
        for (size_t e = 0; e < batch->n_events && got < want; e++) out[got++] = batch->events[e];
        keep[(*kept)++] = batch;
    }
    return got;
}

static void free_kept(Srp__WatchEvents **keep, size_t kept) {
    for (size_t i = 0; i < kept; i++) sr_watch_events_free(keep[i]);
}

static void test_watch_sees_registrations_in_order(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    CHECK(sr_client_watch_available(watcher));
    sr_watch *w = start_watch(watcher, "w-order-", 0, NULL);
    if (!w) goto out;
    CHECK(strlen(sr_watch_log_id(w)) > 0);
    CHECK(!sr_watch_resync(w));
    CHECK(sr_watch_is_open(w));
    uint64_t start = sr_watch_position(w);
    uint32_t ids[3];
    for (int i = 0; i < 3; i++) ids[i] = register_schema(writer, "w-order-value", "Order", i);
    register_schema(writer, "other-subject", "Other", 0); /* not watched */
    Srp__WatchEvent *events[8];
    Srp__WatchEvents *keep[16];
    size_t kept = 0;
    size_t got = collect(w, events, 3, keep, &kept);
    CHECKF(got == 3, "got %zu events", got);
    uint64_t last = start;
    for (size_t i = 0; i < got; i++) {
        CHECK(events[i]->type == SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_VERSION_REGISTERED);
        CHECK(strcmp(events[i]->subject, "w-order-value") == 0);
        CHECK(events[i]->n_versions == 1 && events[i]->versions[0] == (int32_t)i + 1);
        CHECK(events[i]->id == ids[i]);
        CHECKF(events[i]->position > last, "position %llu after %llu", (unsigned long long)events[i]->position,
               (unsigned long long)last);
        last = events[i]->position;
    }
    CHECK(sr_watch_position(w) >= last);
    free_kept(keep, kept);
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

static void test_config_change_event(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, NULL, 0, NULL);
    if (!w) goto out;
    Srp__SetConfigRequest set = SRP__SET_CONFIG_REQUEST__INIT;
    set.subject = "w-config-value";
    set.compatibility = SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL;
    sr_reply *r = sr_set_config(writer, &set, SR_TIMEOUT_DEFAULT);
    CHECKF(r && sr_reply_status(r) == SR_STATUS_OK, "SetConfig: %s", r ? sr_reply_error_message(r) : "");
    sr_reply_free(r);
    Srp__WatchEvent *events[4];
    Srp__WatchEvents *keep[16];
    size_t kept = 0;
    CHECK(collect(w, events, 1, keep, &kept) == 1);
    if (kept) {
        CHECK(events[0]->type == SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_CONFIG_CHANGED);
        CHECK(strcmp(events[0]->subject, "w-config-value") == 0);
        CHECK(events[0]->compatibility == SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL);
    }
    free_kept(keep, kept);
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

/* Events that arrive while the watching client waits for its own calls are queued, not lost. */
static void test_calls_while_watching(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, "w-calls-", 0, NULL);
    if (!w) goto out;
    uint32_t ids[4];
    for (int i = 0; i < 4; i++) ids[i] = register_schema(writer, "w-calls-value", "Calls", i);
    /* Blocking calls on the watching client until every event was read by them. */
    for (int i = 0; i < 100 && sr_watch_queued_events(w) < 4; i++) {
        Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
        get.id = ids[i % 4];
        sr_reply *r = sr_get_schema_by_id(watcher, &get, SR_TIMEOUT_DEFAULT);
        const Srp__GetSchemaByIdResponse *ok = r ? SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID) : NULL;
        CHECKF(ok && ok->schema && ok->schema->id == get.id, "call while watching: %s", sr_client_errstr(watcher));
        sr_reply_free(r);
        if (sr_watch_queued_events(w) < 4) sleep_ms(50);
    }
    CHECKF(sr_watch_queued_events(w) == 4, "queued %zu", sr_watch_queued_events(w));
    CHECK(sr_pending(watcher) == 0); /* events are not replies */
    Srp__WatchEvent *events[8];
    Srp__WatchEvents *keep[16];
    size_t kept = 0;
    CHECK(collect(w, events, 4, keep, &kept) == 4);
    if (kept) for (size_t i = 0; i < 4; i++) CHECK(events[i]->id == ids[i]);
    free_kept(keep, kept);
    CHECK(sr_watch_dropped_events(w) == 0);
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

static void test_unwatch_ends_the_watch(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, "w-stop-", 0, NULL);
    if (!w) goto out;
    uint32_t id = sr_watch_request_id(w);
    CHECK(sr_watch_stop(w, 10000) == SR_OK);
    CHECK(!sr_watch_is_open(w));
    register_schema(writer, "w-stop-value", "Stop", 0);
    Srp__WatchEvents *batch = NULL;
    CHECK(sr_watch_next(w, 500, &batch) == SR_ERR_WATCH_ENDED && batch == NULL);
    CHECK(sr_watch_end_status(w) == 0);
    /* The server knows it no more: a second Unwatch of that id is refused. */
    Srp__UnwatchRequest again = SRP__UNWATCH_REQUEST__INIT;
    again.watch_request_id = id;
    sr_reply *r = sr_unwatch(watcher, &again, SR_TIMEOUT_DEFAULT);
    CHECKF(r && sr_reply_status(r) == 42209, "second Unwatch: %u", r ? sr_reply_status(r) : 0);
    sr_reply_free(r);
    sr_watch_free(w);
    /* A watch freed while open is unwatched by the library; the client goes on. */
    w = start_watch(watcher, "w-stop-", 0, NULL);
    sr_watch_free(w);
    register_schema(writer, "w-stop-value", "Stop", 1);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    r = sr_ping(watcher, &ping, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

static void test_resume_and_resync(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, "w-resume-", 0, NULL);
    if (!w) goto out;
    char log_id[128];
    snprintf(log_id, sizeof log_id, "%s", sr_watch_log_id(w));
    uint64_t position = sr_watch_position(w);
    sr_watch_free(w);
    /* Changes made while nobody watched... */
    uint32_t ids[2];
    for (int i = 0; i < 2; i++) ids[i] = register_schema(writer, "w-resume-value", "Resume", i);
    /* ...come first to a watch resuming from the last position. */
    sr_client_reconnect(watcher);
    w = start_watch(watcher, "w-resume-", position, log_id);
    if (!w) goto out;
    CHECK(!sr_watch_resync(w));
    CHECK(sr_watch_position(w) == position);
    Srp__WatchEvent *events[4];
    Srp__WatchEvents *keep[16];
    size_t kept = 0;
    CHECK(collect(w, events, 2, keep, &kept) == 2);
    for (size_t i = 0; i < 2 && kept; i++) CHECK(events[i]->id == ids[i]);
    free_kept(keep, kept);
    sr_watch_free(w);
    /* Another change log: the server says resync. */
    w = start_watch(watcher, "w-resume-", position, "not-this-log");
    if (w) CHECK(sr_watch_resync(w));
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

/* Request ids wrap after 2^32 - 1; an open watch's id must not be handed out again (PROTOCOL.md
 * 19.1). Rather than send four billion requests, move the ring's next id onto the watch's. */
static void test_watch_id_stays_reserved(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, "w-reserved-", 0, NULL);
    if (!w) goto out;
    uint32_t id = sr_watch_request_id(w);
    CHECK(watcher->pending.live == 0); /* the id left the ring with the WatchResponse */
    watcher->pending.next_id = watcher->pending.oldest = id;
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    uint32_t ping_id = 0;
    CHECK(sr_append(watcher, SR_METHOD_PING, &ping.base, &ping_id) == SR_OK);
    CHECKF(ping_id != id && ping_id != 0, "ping got id %u, the watch has %u", ping_id, id);
    sr_reply *r = NULL;
    CHECK(sr_get_reply_for(watcher, ping_id, 10000, &r) == SR_OK && r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
    uint32_t schema = register_schema(writer, "w-reserved-value", "Reserved", 0);
    Srp__WatchEvent *events[2];
    Srp__WatchEvents *keep[16];
    size_t kept = 0;
    CHECK(collect(w, events, 1, keep, &kept) == 1);
    if (kept) CHECK(events[0]->id == schema);
    free_kept(keep, kept);
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

/* Batches read before the connection closed stay takeable; then the watch reports the close.
 * sr_watch_take_ready never does I/O. */
static void test_reconnect_ends_watch(void) {
    sr_client *watcher = connect_plain(), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, "w-reconnect-", 0, NULL);
    if (!w) goto out;
    Srp__WatchEvents *batch = NULL;
    CHECK(sr_watch_take_ready(w, &batch) == SR_OK && batch == NULL);
    register_schema(writer, "w-reconnect-value", "Reconnect", 0);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    for (int i = 0; i < 100 && sr_watch_queued_events(w) == 0; i++) {
        sr_reply_free(sr_ping(watcher, &ping, SR_TIMEOUT_DEFAULT));
        sleep_ms(30);
    }
    CHECK(sr_watch_queued_events(w) == 1);
    CHECK(sr_client_reconnect(watcher) == SR_OK);
    CHECK(!sr_watch_is_open(w));
    CHECK(sr_watch_take_ready(w, &batch) == SR_OK && batch && batch->n_events == 1);
    sr_watch_events_free(batch);
    CHECK(sr_watch_next(w, 1000, &batch) == SR_ERR_NOT_CONNECTED && batch == NULL);
    CHECK(sr_watch_take_ready(w, &batch) == SR_ERR_NOT_CONNECTED);
    sr_watch_free(w);
    /* The client itself goes on, and a new watch works. */
    w = start_watch(watcher, "w-reconnect-", 0, NULL);
    CHECK(w && sr_watch_is_open(w));
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

/* More events than the client-side bound pile up while the application only makes calls:
 * the queue is dropped and the next batch is a RESYNC. */
static void test_queue_bound_gives_resync(void) {
    sr_client *watcher = connect_with(server.port, 4, 0), *writer = connect_plain();
    sr_watch *w = start_watch(watcher, "w-bound-", 0, NULL);
    if (!w) goto out;
    uint32_t last = 0;
    for (int i = 0; i < 10; i++) last = register_schema(writer, "w-bound-value", "Bound", i);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    for (int i = 0; i < 100 && sr_watch_dropped_events(w) + sr_watch_queued_events(w) < 10; i++) {
        sr_reply *r = sr_ping(watcher, &ping, SR_TIMEOUT_DEFAULT);
        CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
        sr_reply_free(r);
        sleep_ms(30);
    }
    CHECKF(sr_watch_dropped_events(w) > 0, "dropped %llu", (unsigned long long)sr_watch_dropped_events(w));
    CHECK(sr_watch_queued_events(w) <= 4);
    Srp__WatchEvents *batch = NULL;
    CHECK(sr_watch_next(w, 1000, &batch) == SR_OK);
    if (batch) {
        CHECK(batch->n_events == 1 && batch->events[0]->type == SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_RESYNC);
        CHECK(batch->position > 0 && sr_watch_position(w) == batch->position);
    }
    sr_watch_events_free(batch);
    /* What came after the drop follows, up to the last registration. */
    int saw_last = 0;
    while (sr_watch_next(w, 200, &batch) == SR_OK) {
        for (size_t e = 0; e < batch->n_events; e++) saw_last |= batch->events[e]->id == last;
        sr_watch_events_free(batch);
    }
    (void)saw_last; /* the last event may have been dropped with the rest */
    sr_watch_free(w);
out:
    sr_client_free(watcher);
    sr_client_free(writer);
}

/* Over watch-max-per-connection (16 by default) a Watch is refused 42209; the client goes on. */
static void test_refused_watch(void) {
    sr_client *c = connect_plain();
    sr_watch *open[16] = {0};
    for (int i = 0; i < 16; i++) open[i] = start_watch(c, "w-many-", 0, NULL);
    Srp__WatchRequest req = SRP__WATCH_REQUEST__INIT;
    sr_watch *w = NULL;
    int err = sr_watch_start(c, &req, 10000, &w);
    CHECKF(err == SR_ERR_REGISTRY && w == NULL && sr_watch_start_status(c) == 42209, "%s: %s", sr_err_name(err),
           sr_client_errstr(c));
    sr_watch_free(w);
    for (int i = 0; i < 16; i++) sr_watch_free(open[i]);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    sr_reply *r = sr_ping(c, &ping, SR_TIMEOUT_DEFAULT);
    CHECK(r && sr_reply_status(r) == SR_STATUS_OK);
    sr_reply_free(r);
    sr_client_free(c);
}

static void test_cache_hits_misses_eviction(void) {
    sr_client *writer = connect_plain();
    uint32_t ids[4];
    for (int i = 0; i < 4; i++) ids[i] = register_schema(writer, "w-cache-value", "Cached", i);
    sr_client *c = connect_with(server.port, 0, 1 << 20);
    const Srp__Schema *s = NULL, *again = NULL;
    CHECK(sr_schema_by_id(c, ids[0], SR_TIMEOUT_DEFAULT, &s) == SR_OK && s && s->id == ids[0]);
    CHECK(sr_client_stat(c, SR_STAT_SCHEMA_CACHE_MISSES) == 1);
    uint64_t frames = sr_client_stat(c, SR_STAT_FRAMES_SENT);
    CHECK(sr_schema_by_id(c, ids[0], SR_TIMEOUT_DEFAULT, &again) == SR_OK && again == s);
    CHECK(sr_client_stat(c, SR_STAT_FRAMES_SENT) == frames); /* no round trip */
    CHECK(sr_client_stat(c, SR_STAT_SCHEMA_CACHE_HITS) == 1);
    size_t bytes = 0, entries = 0;
    sr_schema_cache_usage(c, &bytes, &entries);
    CHECK(entries == 1 && bytes > strlen(s->schema));
    CHECK(sr_schema_by_id(c, 999999, SR_TIMEOUT_DEFAULT, &s) == SR_ERR_UNKNOWN_SCHEMA && s == NULL);

    /* Bounded by bytes: room for two entries, four fetched. */
    CHECK(sr_client_set_schema_cache_bytes(c, bytes * 2 + bytes / 2) == SR_OK);
    for (int i = 0; i < 4; i++) CHECK(sr_schema_by_id(c, ids[i], SR_TIMEOUT_DEFAULT, &s) == SR_OK && s->id == ids[i]);
    size_t bound = bytes * 2 + bytes / 2;
    sr_schema_cache_usage(c, &bytes, &entries);
    CHECKF(entries == 2 && bytes <= bound, "%zu entries, %zu bytes", entries, bytes);
    CHECK(sr_client_stat(c, SR_STAT_SCHEMA_CACHE_EVICTIONS) >= 2);
    /* The newest two stay: ids[3] is a hit, ids[0] a miss. */
    uint64_t hits = sr_client_stat(c, SR_STAT_SCHEMA_CACHE_HITS);
    CHECK(sr_schema_by_id(c, ids[3], SR_TIMEOUT_DEFAULT, &s) == SR_OK);
    CHECK(sr_client_stat(c, SR_STAT_SCHEMA_CACHE_HITS) == hits + 1);

    /* Off: every lookup asks the server, and the answer is still readable. */
    sr_client *off = connect_plain();
    CHECK(sr_schema_by_id(off, ids[1], SR_TIMEOUT_DEFAULT, &s) == SR_OK && s && s->id == ids[1]);
    CHECK(sr_schema_by_id(off, ids[1], SR_TIMEOUT_DEFAULT, &s) == SR_OK && s && s->id == ids[1]);
    CHECK(sr_client_stat(off, SR_STAT_SCHEMA_CACHE_HITS) == 0 && sr_client_stat(off, SR_STAT_SCHEMA_CACHE_MISSES) == 2);
    sr_client_free(off);

    /* With the server gone, a cached schema is still there (and a watch ends). */
    sr_watch *w = start_watch(c, NULL, 0, NULL);
    test_server_stop(&server, SIGKILL);
    CHECK(sr_schema_by_id(c, ids[3], SR_TIMEOUT_DEFAULT, &s) == SR_OK && s && s->id == ids[3]);
    if (w) {
        Srp__WatchEvents *batch = NULL;
        int err = sr_watch_next(w, 10000, &batch);
        CHECKF(err != SR_OK && err != SR_ERR_TIMEOUT && !sr_watch_is_open(w), "%s", sr_err_name(err));
        sr_watch_free(w);
    }
    sr_client_free(c);
    sr_client_free(writer);
}

int main(void) {
    if (!getenv("SCHEMA_REGISTRY_BIN")) {
        fprintf(stderr, "SCHEMA_REGISTRY_BIN is not set\n");
        return 2;
    }
    if (test_server_start(&server, NULL) != 0) {
        fprintf(stderr, "could not start the server\n");
        return 1;
    }
    RUN(test_watch_sees_registrations_in_order);
    RUN(test_config_change_event);
    RUN(test_calls_while_watching);
    RUN(test_unwatch_ends_the_watch);
    RUN(test_resume_and_resync);
    RUN(test_reconnect_ends_watch);
    RUN(test_watch_id_stays_reserved);
    RUN(test_queue_bound_gives_resync);
    RUN(test_refused_watch);
    RUN(test_cache_hits_misses_eviction); /* last: it stops the server */
    test_server_stop(&server, SIGTERM);
    return check_summary();
}
