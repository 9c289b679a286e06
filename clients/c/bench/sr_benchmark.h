/* sr-benchmark: a load tool in the spirit of redis-benchmark that drives SRP (through
 * libsrclient's non-blocking API) or Redis GETs (RESP) through one epoll event loop, so
 * the two servers are measured by the same client. */
#ifndef SR_BENCHMARK_H
#define SR_BENCHMARK_H

#include <stddef.h>
#include <stdint.h>

typedef enum bench_op { OP_GET_BY_ID, OP_GET_LATEST, OP_REGISTER, OP_VALIDATE, OP_MIXED } bench_op;

typedef struct bench_config {
    const char *host;
    int port;
    int connections;
    uint64_t requests;  /* stop after this many (bounded even with --duration) */
    double duration_s;  /* 0: only the request count bounds the run */
    int pipeline;       /* requests kept in flight per connection */
    size_t payload;     /* bytes of the schema (SRP) or value (Redis) fetched */
    bench_op op;
    double rate;        /* open loop: requests per second in total; 0 = closed loop */
    int resp;           /* Redis GETs instead of SRP */
    int lz4;
    int compressible;   /* schema of many similar fields (LZ4 shrinks it) instead of a random doc */
} bench_config;

/* Log-linear latency histogram in nanoseconds: about 0.8% resolution, any range. */
#define HIST_SUB_BITS 8
#define HIST_BUCKETS (58 * (1 << (HIST_SUB_BITS - 1)) + (1 << HIST_SUB_BITS))
typedef struct histogram {
    uint64_t counts[HIST_BUCKETS];
    uint64_t total, max_ns;
    double sum_ns;
} histogram;
void hist_record(histogram *h, uint64_t ns);
uint64_t hist_percentile(const histogram *h, double percentile);

typedef struct bench_result {
    uint64_t completed, ok, errors, throttled, connection_errors;
    double elapsed_s;
    histogram latency;
} bench_result;

/* Prepares the server side (registers the schema, SETs the key); 0 on success. */
int bench_prepare(const bench_config *config, char *why, size_t why_size);
/* Runs the load; 0 on success. */
int bench_run(const bench_config *config, bench_result *result, char *why, size_t why_size);

/* RESP (sr_benchmark_resp.c): a GET command, and a parser of the replies it gets. */
size_t resp_encode_get(uint8_t *out, size_t capacity, const char *key);
/* Consumes whole replies from buf; returns bytes consumed, counts replies (errors apart). */
size_t resp_parse(const uint8_t *buf, size_t length, int *replies, int *errors);
int resp_set_blocking(const char *host, int port, const char *key, size_t value_size, char *why, size_t why_size);

uint64_t bench_now_ns(void);

#endif
