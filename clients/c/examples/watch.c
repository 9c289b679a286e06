/* watch [host] [port]: changes pushed by the server, and the schema cache. Watches subjects
 * starting with "watch-example-", registers a schema under a new one from a second connection,
 * prints the event, then reads that schema twice through the cache (one round trip, one hit). */
#include <srclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static sr_client *open_client(int argc, char **argv, size_t cache_bytes) {
    sr_options *o = sr_options_new();
    sr_options_set_host(o, argc > 1 ? argv[1] : "127.0.0.1");
    sr_options_set_port(o, argc > 2 ? atoi(argv[2]) : 7911);
    sr_options_set_schema_cache_bytes(o, cache_bytes); /* 0 (the default): no cache */
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    return c;
}

int main(int argc, char **argv) {
    sr_client *c = open_client(argc, argv, 1 << 20), *writer = open_client(argc, argv, 0);
    if (!c || sr_client_err(c) || !writer || sr_client_err(writer)) return 1;

    char *prefixes[] = {"watch-example-"};
    Srp__WatchRequest watch_request = SRP__WATCH_REQUEST__INIT;
    watch_request.n_subject_prefixes = 1;
    watch_request.subject_prefixes = prefixes;
    sr_watch *w;
    if (sr_watch_start(c, &watch_request, SR_TIMEOUT_DEFAULT, &w) != SR_OK) {
        fprintf(stderr, "watch: %s\n", sr_client_errstr(c));
        return 1;
    }

    char subject[64]; /* a new subject per run, so that each run registers something */
    snprintf(subject, sizeof subject, "watch-example-%lld-value", (long long)time(NULL));
    Srp__RegisterSchemaRequest reg = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    reg.subject = subject;
    reg.schema = "{\"type\":\"record\",\"name\":\"Example\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    sr_reply_free(sr_register_schema(writer, &reg, SR_TIMEOUT_DEFAULT));

    uint32_t id = 0;
    Srp__WatchEvents *batch;
    while (id == 0 && sr_watch_next(w, 10000, &batch) == SR_OK) {
        for (size_t i = 0; i < batch->n_events; i++) {
            const Srp__WatchEvent *e = batch->events[i];
            if (e->type == SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_VERSION_REGISTERED) {
                printf("event: %s version %d is schema %u (position %llu)\n", e->subject, e->versions[0], e->id,
                       (unsigned long long)e->position);
                id = e->id;
            } /* RESYNC: drop what you cache that can change; unknown types: skip */
        }
        sr_watch_events_free(batch);
    }
    /* To resume after a reconnect: after_position = sr_watch_position(w), log_id = sr_watch_log_id(w). */
    sr_watch_stop(w, SR_TIMEOUT_DEFAULT);
    sr_watch_free(w);

    const Srp__Schema *schema;
    for (int i = 0; i < 2 && id; i++) {
        if (sr_schema_by_id(c, id, SR_TIMEOUT_DEFAULT, &schema) != SR_OK) return 1;
    }
    printf("schema %u: %llu hit, %llu miss\n", id, (unsigned long long)sr_client_stat(c, SR_STAT_SCHEMA_CACHE_HITS),
           (unsigned long long)sr_client_stat(c, SR_STAT_SCHEMA_CACHE_MISSES));
    sr_client_free(writer);
    sr_client_free(c);
    return id ? 0 : 1;
}
