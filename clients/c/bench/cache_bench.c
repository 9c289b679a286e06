/* cache-bench [host] [port] [n]: lookups through the client's caches beside the same call as a
 * blocking round trip, in the same run, on the same connection:
 *   - GetSchemaById of one schema (sr_schema_by_id, the schema cache: one miss, then hits);
 *   - GetSchemaByVersion of a subject's latest version (sr_schema_by_version with version -1,
 *     the mutable cache kept exact by its internal watch: one miss, then hits, each after the
 *     non-blocking read that applies events).
 * Reports the rates, and counts malloc/calloc/realloc calls made during the cached loops (glibc:
 * this program interposes them), which must be 0: a hit allocates nothing. Asserts nothing
 * else; tests/run.sh checks the output's shape and the 0. */
#include <srclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long allocations; /* counted while `counting` is set */
static int counting;

#ifdef __GLIBC__
/* glibc's own entry points, so that these wrappers can count every allocation of the process
 * (the library's included) without dlsym, which itself allocates. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
void *malloc(size_t size) {
    allocations += counting;
    return __libc_malloc(size);
}
void *calloc(size_t count, size_t size) {
    allocations += counting;
    return __libc_calloc(count, size);
}
void *realloc(void *pointer, size_t size) {
    allocations += counting;
    return __libc_realloc(pointer, size);
}
void free(void *pointer) { __libc_free(pointer); }
#define COUNTED "allocations"
#else
#define COUNTED "allocations (not counted: not glibc)"
#endif

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    long n = argc > 3 ? atol(argv[3]) : 20000;
    if (n < 1) n = 1;
    sr_options *o = sr_options_new();
    sr_options_set_host(o, argc > 1 ? argv[1] : "127.0.0.1");
    sr_options_set_port(o, argc > 2 ? atoi(argv[2]) : 7911);
    sr_options_set_schema_cache_bytes(o, 1 << 20);
    sr_options_set_mutable_cache_entries(o, 1000);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    if (!c || sr_client_err(c)) {
        fprintf(stderr, "connect: %s\n", c ? sr_client_errstr(c) : "out of memory");
        return 1;
    }
    Srp__RegisterSchemaRequest reg = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    reg.subject = "cache-bench-value";
    reg.schema = "{\"type\":\"record\",\"name\":\"Bench\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"},"
                 "{\"name\":\"b\",\"type\":\"string\"}]}";
    sr_reply *r = sr_register_schema(c, &reg, SR_TIMEOUT_DEFAULT);
    const Srp__RegisterSchemaResponse *ok = r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
    uint32_t id = ok ? ok->id : 0;
    sr_reply_free(r);
    if (!id) {
        fprintf(stderr, "register: %s\n", sr_client_errstr(c));
        return 1;
    }

    Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    get.id = id;
    double start = now_s();
    for (long i = 0; i < n; i++) {
        r = sr_get_schema_by_id(c, &get, SR_TIMEOUT_DEFAULT);
        if (!r || sr_reply_status(r) != SR_STATUS_OK || !sr_reply_message(r)) return 1;
        sr_reply_free(r);
    }
    double round_trip = (double)n / (now_s() - start);

    const Srp__Schema *schema;
    volatile uint32_t sink = 0; /* so the loops are not optimised away */
    if (sr_schema_by_id(c, id, SR_TIMEOUT_DEFAULT, &schema) != SR_OK) return 1; /* the miss */
    counting = 1;
    start = now_s();
    for (long i = 0; i < n; i++) {
        if (sr_schema_by_id(c, id, SR_TIMEOUT_DEFAULT, &schema) != SR_OK) return 1;
        sink = schema->id;
    }
    double cached = (double)n / (now_s() - start);
    counting = 0;
    printf("cache-bench: GetSchemaById x%ld: round trip %.0f/s, cached %.0f/s (%.0fx), %llu hits, %llu misses, "
           "%lu " COUNTED " in the hits\n",
           n, round_trip, cached, cached / round_trip,
           (unsigned long long)sr_client_stat(c, SR_STAT_SCHEMA_CACHE_HITS),
           (unsigned long long)sr_client_stat(c, SR_STAT_SCHEMA_CACHE_MISSES), allocations);

    /* The latest version: the same call as a round trip, then through the mutable cache. */
    Srp__GetSchemaByVersionRequest by_version = SRP__GET_SCHEMA_BY_VERSION_REQUEST__INIT;
    by_version.subject = reg.subject;
    by_version.version = -1;
    start = now_s();
    for (long i = 0; i < n; i++) {
        r = sr_get_schema_by_version(c, &by_version, SR_TIMEOUT_DEFAULT);
        if (!r || sr_reply_status(r) != SR_STATUS_OK || !sr_reply_message(r)) return 1;
        sr_reply_free(r);
    }
    round_trip = (double)n / (now_s() - start);
    const Srp__SchemaVersion *version;
    /* The miss (and the internal watch's start); a second miss if an event came meanwhile. */
    for (int i = 0; i < 2; i++)
        if (sr_schema_by_version(c, reg.subject, -1, SR_TIMEOUT_DEFAULT, &version) != SR_OK) return 1;
    if (!sr_mutable_cache_live(c)) {
        fprintf(stderr, "the mutable cache's watch is not open: %s\n", sr_client_errstr(c));
        return 1;
    }
    uint64_t hits_before = sr_client_stat(c, SR_STAT_MUTABLE_CACHE_HITS);
    allocations = 0;
    counting = 1;
    start = now_s();
    for (long i = 0; i < n; i++) {
        if (sr_schema_by_version(c, reg.subject, -1, SR_TIMEOUT_DEFAULT, &version) != SR_OK) return 1;
        sink = (uint32_t)version->version;
    }
    cached = (double)n / (now_s() - start);
    counting = 0;
    (void)sink;
    printf("cache-bench: GetSchemaByVersion latest x%ld: round trip %.0f/s, cached %.0f/s (%.0fx), %llu hits, "
           "%llu misses, %lu " COUNTED " in the hits\n",
           n, round_trip, cached, cached / round_trip,
           (unsigned long long)(sr_client_stat(c, SR_STAT_MUTABLE_CACHE_HITS) - hits_before),
           (unsigned long long)sr_client_stat(c, SR_STAT_MUTABLE_CACHE_MISSES), allocations);
    sr_client_free(c);
    return 0;
}
