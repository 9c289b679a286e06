/* Integration tests of the mutable cache (sr_schema_by_version, sr_config_by_subject,
 * sr_mode_by_subject) against a live server ($SCHEMA_REGISTRY_BIN): answers follow another
 * client's changes once their events reach the socket; a repeated lookup is a hit with no
 * frame sent; RESYNC, a reconnect and a restarted server drop what is held; errors are not
 * kept; the bound evicts; off, every lookup is a round trip; replies of pipelined calls read
 * by a lookup's drain stay for their callers. Waiting for an event is waiting for the socket
 * to be readable (poll), so nothing depends on timing; every wait has a timeout. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "server.h"
#include "sr_client_internal.h" /* white box: the internal watch's dropped events */
#include "srclient.h"

static test_server server;

static sr_client *connect_with(size_t entries, unsigned queue_events) {
    sr_options *o = sr_options_new();
    sr_options_set_port(o, server.port);
    sr_options_set_call_timeout_ms(o, 20000);
    sr_options_set_auto_reconnect(o, 1);
    sr_options_set_mutable_cache_entries(o, entries);
    if (queue_events) sr_options_set_watch_queue_events(o, queue_events);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    CHECKF(sr_client_err(c) == SR_OK, "connect: %s", sr_client_errstr(c));
    return c;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (up to 10 s) until the client's socket has something to read: an event, or EOF. */
static int wait_readable(sr_client *c) {
    struct pollfd pfd = {.fd = sr_client_fd(c), .events = POLLIN};
    return poll(&pfd, 1, 10000) == 1;
}

static void register_version(sr_client *c, const char *subject, int n) {
    char schema[256];
    snprintf(schema, sizeof schema,
             "{\"type\":\"record\",\"name\":\"M\",\"fields\":[{\"name\":\"f%d\",\"type\":\"string\",\"default\":\"\"}]}", n);
    Srp__RegisterSchemaRequest req = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    req.subject = (char *)subject;
    req.schema = schema;
    sr_reply *r = sr_register_schema(c, &req, SR_TIMEOUT_DEFAULT);
    CHECKF(r && sr_reply_status(r) == SR_STATUS_OK, "register %s: %s", subject,
           r ? sr_reply_error_message(r) : sr_client_errstr(c));
    sr_reply_free(r);
}

static void set_config(sr_client *c, const char *subject, Srp__CompatibilityLevel level) {
    Srp__SetConfigRequest req = SRP__SET_CONFIG_REQUEST__INIT;
    req.subject = (char *)subject;
    req.compatibility = level;
    sr_reply *r = sr_set_config(c, &req, SR_TIMEOUT_DEFAULT);
    CHECKF(r && sr_reply_status(r) == SR_STATUS_OK, "SetConfig: %s", r ? sr_reply_error_message(r) : "");
    sr_reply_free(r);
}

static int32_t latest(sr_client *c, const char *subject) {
    const Srp__SchemaVersion *s = NULL;
    int err = sr_schema_by_version(c, subject, -1, SR_TIMEOUT_DEFAULT, &s);
    CHECKF(err == SR_OK && s, "latest of %s: %s %s", subject, sr_err_name(err), sr_client_errstr(c));
    return s ? s->version : -1;
}

#define HITS(c) sr_client_stat(c, SR_STAT_MUTABLE_CACHE_HITS)
#define MISSES(c) sr_client_stat(c, SR_STAT_MUTABLE_CACHE_MISSES)
#define FRAMES(c) sr_client_stat(c, SR_STAT_FRAMES_SENT)

/* A watch may still be sent changes that committed just before it started (its position was
 * taken before their events were delivered), and those drop entries, which would turn a hit
 * this test expects into a miss. So before counting hits, wait until c's internal watch has
 * applied a change made now: `writer` changes a barrier subject's level, learns its position
 * from a watch of its own, and c's lookups drain until its internal watch has reached it. */
static void settle(sr_client *c, sr_client *writer) {
    static int flip;
    Srp__WatchRequest req = SRP__WATCH_REQUEST__INIT;
    char *subjects[1] = {"m-barrier-value"};
    req.n_subjects = 1;
    req.subjects = subjects;
    sr_watch *w = NULL;
    CHECK(sr_watch_start(writer, &req, 10000, &w) == SR_OK && w);
    if (!w) return;
    set_config(writer, "m-barrier-value", flip++ % 2 ? SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL
                                                     : SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_NONE);
    uint64_t position = 0;
    Srp__WatchEvents *batch = NULL;
    for (int i = 0; i < 100 && !position; i++) {
        if (sr_watch_next(w, 100, &batch) != SR_OK) continue;
        for (size_t e = 0; e < batch->n_events; e++) position = batch->events[e]->position;
        sr_watch_events_free(batch);
    }
    sr_watch_free(w);
    CHECK(position > 0);
    for (int i = 0; i < 500 && c->mcache.watch && sr_watch_position(c->mcache.watch) < position; i++) {
        Srp__Mode mode;
        struct pollfd pfd = {.fd = sr_client_fd(c), .events = POLLIN};
        poll(&pfd, 1, 20);
        sr_mode_by_subject(c, "m-settle-value", 1, SR_TIMEOUT_DEFAULT, &mode); /* drains */
    }
    CHECKF(c->mcache.watch && sr_watch_position(c->mcache.watch) >= position, "the internal watch is not at %llu",
           (unsigned long long)position);
}

/* The latest version: a miss, then hits with no frame sent; another client registers, and once
 * the event is on the socket the next lookup answers the new version. */
static void test_latest_follows_another_client(void) {
    sr_client *c = connect_with(100, 0), *writer = connect_with(0, 0);
    register_version(writer, "m-latest-value", 1);
    CHECK(latest(c, "m-latest-value") == 1);
    CHECK(sr_mutable_cache_live(c));
    CHECK(HITS(c) == 0 && MISSES(c) == 1);
    settle(c, writer);
    CHECK(latest(c, "m-latest-value") == 1); /* held, or fetched again if a late event dropped it */
    uint64_t frames = FRAMES(c), hits = HITS(c), misses = MISSES(c);
    const Srp__SchemaVersion *s = NULL, *again = NULL;
    CHECK(sr_schema_by_version(c, "m-latest-value", -1, SR_TIMEOUT_DEFAULT, &s) == SR_OK);
    CHECK(sr_schema_by_version(c, "m-latest-value", -1, SR_TIMEOUT_DEFAULT, &again) == SR_OK && again == s);
    CHECK(s && s->version == 1 && strcmp(s->subject, "m-latest-value") == 0 && s->id > 0);
    CHECK(HITS(c) == hits + 2 && MISSES(c) == misses);
    CHECK(FRAMES(c) == frames); /* no round trip */

    register_version(writer, "m-latest-value", 2);
    CHECK(wait_readable(c));
    CHECK(latest(c, "m-latest-value") == 2); /* exact once the event reached the socket */
    CHECK(MISSES(c) == misses + 1);
    CHECK(latest(c, "m-latest-value") == 2);
    CHECK(HITS(c) == hits + 3);
    /* A specific version is its own entry; an event for another subject leaves it. */
    CHECK(sr_schema_by_version(c, "m-latest-value", 1, SR_TIMEOUT_DEFAULT, &s) == SR_OK && s && s->version == 1);
    register_version(writer, "m-other-value", 1);
    CHECK(wait_readable(c));
    hits = HITS(c);
    CHECK(latest(c, "m-latest-value") == 2 && HITS(c) == hits + 1);
    sr_client_free(c);
    sr_client_free(writer);
}

/* Config and mode of a subject, and the global ones answered through default_to_global. */
static void test_config_and_mode_follow_changes(void) {
    sr_client *c = connect_with(100, 0), *writer = connect_with(0, 0);
    Srp__CompatibilityLevel level = 0, global = 0;
    set_config(writer, "m-config-value", SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL);
    CHECK(sr_config_by_subject(c, "m-config-value", 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK &&
          level == SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL);
    CHECK(sr_config_by_subject(c, "m-inherits-value", 1, SR_TIMEOUT_DEFAULT, &level) == SR_OK);
    CHECK(sr_config_by_subject(c, NULL, 0, SR_TIMEOUT_DEFAULT, &global) == SR_OK && global == level);
    settle(c, writer);
    CHECK(sr_config_by_subject(c, "m-config-value", 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK);
    CHECK(sr_config_by_subject(c, "", 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK);
    uint64_t hits = HITS(c), frames = FRAMES(c);
    CHECK(sr_config_by_subject(c, "m-config-value", 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK &&
          level == SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FULL);
    CHECK(sr_config_by_subject(c, "", 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK && level == global);
    CHECK(HITS(c) == hits + 2 && FRAMES(c) == frames);

    set_config(writer, "m-config-value", SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_NONE);
    CHECK(wait_readable(c));
    CHECK(sr_config_by_subject(c, "m-config-value", 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK &&
          level == SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_NONE);
    /* A global change reaches the subjects that inherit it. */
    Srp__CompatibilityLevel other = global == SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FORWARD
                                        ? SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_BACKWARD
                                        : SRP__COMPATIBILITY_LEVEL__COMPATIBILITY_LEVEL_FORWARD;
    set_config(writer, "", other);
    CHECK(wait_readable(c));
    CHECK(sr_config_by_subject(c, "m-inherits-value", 1, SR_TIMEOUT_DEFAULT, &level) == SR_OK && level == other);
    CHECK(sr_config_by_subject(c, NULL, 0, SR_TIMEOUT_DEFAULT, &level) == SR_OK && level == other);
    set_config(writer, "", global);

    /* Mode: a subject made READONLY, seen through default_to_global. */
    Srp__Mode mode = 0;
    CHECK(sr_mode_by_subject(c, "m-mode-value", 1, SR_TIMEOUT_DEFAULT, &mode) == SR_OK &&
          mode == SRP__MODE__MODE_READWRITE);
    hits = HITS(c);
    CHECK(sr_mode_by_subject(c, "m-mode-value", 1, SR_TIMEOUT_DEFAULT, &mode) == SR_OK && HITS(c) == hits + 1);
    Srp__SetModeRequest set = SRP__SET_MODE_REQUEST__INIT;
    set.subject = "m-mode-value";
    set.mode = SRP__MODE__MODE_READONLY;
    sr_reply *r = sr_set_mode(writer, &set, SR_TIMEOUT_DEFAULT);
    CHECKF(r && sr_reply_status(r) == SR_STATUS_OK, "SetMode: %s", r ? sr_reply_error_message(r) : "");
    sr_reply_free(r);
    CHECK(wait_readable(c));
    CHECK(sr_mode_by_subject(c, "m-mode-value", 1, SR_TIMEOUT_DEFAULT, &mode) == SR_OK &&
          mode == SRP__MODE__MODE_READONLY);
    sr_client_free(c);
    sr_client_free(writer);
}

/* Errors are never kept; the bound evicts the least recently used. */
static void test_errors_and_bound(void) {
    sr_client *c = connect_with(2, 0), *writer = connect_with(0, 0);
    /* Registered before the first lookup opens the watch: no event drops what is read below. */
    for (int i = 0; i < 3; i++) register_version(writer, "m-bound-value", i);
    const Srp__SchemaVersion *s = NULL;
    for (int i = 0; i < 2; i++) {
        CHECK(sr_schema_by_version(c, "m-missing-value", -1, SR_TIMEOUT_DEFAULT, &s) == SR_ERR_REGISTRY && !s);
        CHECKF(sr_mutable_lookup_status(c) == 40401, "status %u", sr_mutable_lookup_status(c));
    }
    CHECK(MISSES(c) == 2 && HITS(c) == 0 && sr_mutable_cache_entries(c) == 0);
    settle(c, writer);
    CHECK(sr_client_set_mutable_cache_entries(c, 3) == SR_OK && sr_client_set_mutable_cache_entries(c, 2) == SR_OK);
    uint64_t evictions = sr_client_stat(c, SR_STAT_MUTABLE_CACHE_EVICTIONS);
    for (int v = 1; v <= 3; v++)
        CHECK(sr_schema_by_version(c, "m-bound-value", v, SR_TIMEOUT_DEFAULT, &s) == SR_OK && s && s->version == v);
    CHECK(sr_mutable_lookup_status(c) == 0);
    CHECK(sr_mutable_cache_entries(c) == 2 && sr_client_stat(c, SR_STAT_MUTABLE_CACHE_EVICTIONS) == evictions + 1);
    uint64_t hits = HITS(c);
    CHECK(sr_schema_by_version(c, "m-bound-value", 3, SR_TIMEOUT_DEFAULT, &s) == SR_OK && HITS(c) == hits + 1);
    CHECK(sr_schema_by_version(c, "m-bound-value", 1, SR_TIMEOUT_DEFAULT, &s) == SR_OK && HITS(c) == hits + 1);
    /* Turned off on the live client: emptied, and plain calls from then on. */
    CHECK(sr_client_set_mutable_cache_entries(c, 0) == SR_OK);
    CHECK(sr_mutable_cache_entries(c) == 0 && !sr_mutable_cache_live(c));
    sr_client_free(c);
    sr_client_free(writer);
}

/* Off (the default): every lookup is a round trip, counted nowhere. */
static void test_off_is_a_round_trip(void) {
    sr_client *c = connect_with(0, 0);
    register_version(c, "m-off-value", 1);
    uint64_t frames = FRAMES(c);
    for (int i = 0; i < 3; i++) CHECK(latest(c, "m-off-value") == 1);
    Srp__Mode mode;
    CHECK(sr_mode_by_subject(c, NULL, 0, SR_TIMEOUT_DEFAULT, &mode) == SR_OK);
    CHECK(FRAMES(c) == frames + 4);
    CHECK(HITS(c) == 0 && MISSES(c) == 0 && !sr_mutable_cache_live(c) && c->watches == NULL);
    sr_client_free(c);
}

/* A reply to a pipelined call read by a lookup's non-blocking drain stays for its caller. */
static void test_drain_keeps_other_replies(void) {
    sr_client *c = connect_with(100, 0), *writer = connect_with(0, 0);
    register_version(writer, "m-drain-value", 1);
    CHECK(latest(c, "m-drain-value") == 1);
    settle(c, writer);
    CHECK(latest(c, "m-drain-value") == 1);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    uint32_t id = 0;
    CHECK(sr_append(c, SR_METHOD_PING, &ping.base, &id) == SR_OK);
    CHECK(sr_client_write_some(c, NULL) == SR_OK);
    CHECK(wait_readable(c)); /* the PONG... the Ping's RESPONSE is on the socket */
    uint64_t hits = HITS(c);
    CHECK(latest(c, "m-drain-value") == 1 && HITS(c) == hits + 1);
    sr_reply *r = NULL;
    CHECK(sr_take_ready_reply(c, &r) == SR_OK && r && sr_reply_request_id(r) == id); /* read by the drain */
    sr_reply_free(r);
    sr_client_free(c);
    sr_client_free(writer);
}

/* More events than the client-side queue bound pile up while the application makes other
 * calls: the internal watch's RESYNC drops everything, unrelated entries too. */
static void test_resync_drops_everything(void) {
    sr_client *c = connect_with(100, 2), *writer = connect_with(0, 0);
    register_version(writer, "m-resync-value", 1);
    CHECK(latest(c, "m-resync-value") == 1);
    Srp__CompatibilityLevel level;
    CHECK(sr_config_by_subject(c, "m-resync-unrelated", 1, SR_TIMEOUT_DEFAULT, &level) == SR_OK);
    settle(c, writer);
    CHECK(latest(c, "m-resync-value") == 1);
    CHECK(sr_config_by_subject(c, "m-resync-unrelated", 1, SR_TIMEOUT_DEFAULT, &level) == SR_OK);
    size_t held = sr_mutable_cache_entries(c);
    CHECK(held >= 2);
    uint64_t resets = sr_client_stat(c, SR_STAT_MUTABLE_CACHE_RESETS);
    for (int i = 0; i < 4; i++) register_version(writer, "m-resync-other-value", i);
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    for (int i = 0; i < 200 && c->mcache.watch && sr_watch_dropped_events(c->mcache.watch) == 0; i++) {
        sr_reply_free(sr_ping(c, &ping, SR_TIMEOUT_DEFAULT));
        sleep_ms(20);
    }
    CHECK(c->mcache.watch && sr_watch_dropped_events(c->mcache.watch) > 0);
    uint64_t misses = MISSES(c);
    CHECK(sr_config_by_subject(c, "m-resync-unrelated", 1, SR_TIMEOUT_DEFAULT, &level) == SR_OK);
    CHECK(MISSES(c) == misses + 1);
    CHECK(sr_client_stat(c, SR_STAT_MUTABLE_CACHE_RESETS) > resets);
    CHECK(sr_mutable_cache_entries(c) < held && sr_mutable_cache_live(c)); /* the watch goes on */
    sr_client_free(c);
    sr_client_free(writer);
}

/* A reconnect ends the internal watch: everything is dropped and the next lookup asks the
 * server, and opens a new watch on the new connection. */
static void test_reconnect_drops_everything(void) {
    sr_client *c = connect_with(100, 0), *writer = connect_with(0, 0);
    register_version(writer, "m-reconnect-value", 1);
    CHECK(latest(c, "m-reconnect-value") == 1);
    settle(c, writer);
    CHECK(latest(c, "m-reconnect-value") == 1);
    uint64_t hits = HITS(c);
    CHECK(latest(c, "m-reconnect-value") == 1 && HITS(c) == hits + 1);
    CHECK(sr_client_reconnect(c) == SR_OK);
    CHECK(!sr_mutable_cache_live(c));
    uint64_t misses = MISSES(c), resets = sr_client_stat(c, SR_STAT_MUTABLE_CACHE_RESETS);
    CHECK(latest(c, "m-reconnect-value") == 1 && MISSES(c) == misses + 1);
    CHECK(sr_client_stat(c, SR_STAT_MUTABLE_CACHE_RESETS) > resets);
    CHECK(sr_mutable_cache_live(c));
    settle(c, writer);
    CHECK(latest(c, "m-reconnect-value") == 1);
    hits = HITS(c);
    CHECK(latest(c, "m-reconnect-value") == 1 && HITS(c) == hits + 1);
    sr_client_free(c);
    sr_client_free(writer);
}

/* The server is killed and a new one (an empty store) takes its port: the cached latest must
 * not be served; the lookup reconnects and the new server says the subject does not exist. */
static void test_restarted_server_drops_everything(void) {
    sr_client *c = connect_with(100, 0), *writer = connect_with(0, 0);
    register_version(writer, "m-restart-value", 1);
    CHECK(latest(c, "m-restart-value") == 1);
    settle(c, writer);
    CHECK(latest(c, "m-restart-value") == 1);
    uint64_t held = HITS(c);
    CHECK(latest(c, "m-restart-value") == 1 && HITS(c) == held + 1);
    sr_client_free(writer);
    int port = server.port;
    test_server_stop(&server, SIGKILL);
    CHECK(wait_readable(c)); /* the connection's end is on the socket */
    if (test_server_start_on(&server, port, NULL) != 0) {
        CHECK(!"restart the server");
        sr_client_free(c);
        return;
    }
    const Srp__SchemaVersion *s = NULL;
    uint64_t hits = HITS(c);
    int err = sr_schema_by_version(c, "m-restart-value", -1, SR_TIMEOUT_DEFAULT, &s);
    CHECKF(err == SR_ERR_REGISTRY && sr_mutable_lookup_status(c) == 40401, "%s %s", sr_err_name(err),
           sr_client_errstr(c));
    CHECK(HITS(c) == hits && sr_mutable_cache_entries(c) == 0);
    sr_client_free(c);
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
    RUN(test_latest_follows_another_client);
    RUN(test_config_and_mode_follow_changes);
    RUN(test_errors_and_bound);
    RUN(test_off_is_a_round_trip);
    RUN(test_drain_keeps_other_replies);
    RUN(test_resync_drops_everything);
    RUN(test_reconnect_drops_everything);
    RUN(test_restarted_server_drops_everything); /* last: it replaces the server */
    test_server_stop(&server, SIGTERM);
    return check_summary();
}
