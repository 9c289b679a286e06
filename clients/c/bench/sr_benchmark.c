/* sr-benchmark: flags, the report (text or JSON), and --compare (SRP, then Redis). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_benchmark.h"
#include "srclient.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: sr-benchmark [options]\n"
            "  -h, --host HOST        server host (default 127.0.0.1: loopback)\n"
            "  -p, --port PORT        SRP port (default 7911), or Redis port with --resp\n"
            "  -c, --connections N    parallel connections (default 50)\n"
            "  -n, --requests N       total requests (default 100000; max 100000000)\n"
            "      --duration S       stop after S seconds as well (max 3600)\n"
            "  -P, --pipeline N       requests in flight per connection (default 1); with --rate,\n"
            "                         the cap on in-flight requests per connection\n"
            "  -d, --payload BYTES    size of the schema fetched / Redis value (default 1024)\n"
            "  -t, --op OP            get-by-id | get-latest | register | validate | mixed (default get-by-id)\n"
            "      --rate R           open loop: R requests/s in total, latency from each due time\n"
            "      --no-compression   do not offer LZ4\n"
            "      --compressible     fetch a record of many similar fields (LZ4 shrinks it) under\n"
            "                         subject sr-benchmark-fields, instead of a random-letter doc\n"
            "      --resp             send Redis GETs of a --payload value instead of SRP\n"
            "      --compare          run SRP (--port) then Redis (--redis-port) and print the ratios\n"
            "      --redis-host HOST  Redis host for --compare (default: --host)\n"
            "      --redis-port PORT  Redis port for --compare (default 6379)\n"
            "      --json             print the result as JSON\n"
            "      --help\n");
}

static const char *op_name(bench_op op) {
    static const char *names[] = {"get-by-id", "get-latest", "register", "validate", "mixed"};
    return names[op];
}

static double us(uint64_t ns) { return (double)ns / 1000.0; }

static void print_text(const char *label, const bench_config *cfg, const bench_result *r) {
    const histogram *h = &r->latency;
    printf("== %s: %s, %d connections x %d in flight, %zu-byte payload%s\n", label,
           cfg->resp ? "redis GET" : op_name(cfg->op), cfg->connections, cfg->pipeline, cfg->payload,
           cfg->rate > 0 ? ", open loop" : "");
    printf("   %llu requests in %.3f s: %.0f requests/s (%llu ok, %llu errors, %llu throttled)\n",
           (unsigned long long)r->completed, r->elapsed_s, r->elapsed_s > 0 ? (double)r->completed / r->elapsed_s : 0,
           (unsigned long long)r->ok, (unsigned long long)r->errors, (unsigned long long)r->throttled);
    printf("   latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
           us(hist_percentile(h, 50)), us(hist_percentile(h, 90)), us(hist_percentile(h, 99)),
           us(hist_percentile(h, 99.9)), us(h->max_ns), h->total ? h->sum_ns / (double)h->total / 1000.0 : 0);
}

static void print_json_object(const bench_config *cfg, const bench_result *r) {
    const histogram *h = &r->latency;
    printf("{\"mode\":\"%s\",\"op\":\"%s\",\"host\":\"%s\",\"port\":%d,\"connections\":%d,\"pipeline\":%d,"
           "\"payload_bytes\":%zu,\"rate\":%.0f,\"lz4\":%s,\"requests\":%llu,\"ok\":%llu,\"errors\":%llu,"
           "\"throttled\":%llu,\"elapsed_s\":%.6f,\"throughput_rps\":%.1f,"
           "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f,\"mean\":%.1f}}",
           cfg->resp ? "resp" : "srp", cfg->resp ? "redis-get" : op_name(cfg->op), cfg->host, cfg->port,
           cfg->connections, cfg->pipeline, cfg->payload, cfg->rate, cfg->lz4 && !cfg->resp ? "true" : "false",
           (unsigned long long)r->completed, (unsigned long long)r->ok, (unsigned long long)r->errors,
           (unsigned long long)r->throttled, r->elapsed_s, r->elapsed_s > 0 ? (double)r->completed / r->elapsed_s : 0,
           us(hist_percentile(h, 50)), us(hist_percentile(h, 90)), us(hist_percentile(h, 99)),
           us(hist_percentile(h, 99.9)), us(h->max_ns), h->total ? h->sum_ns / (double)h->total / 1000.0 : 0);
}

static int run_one(const bench_config *cfg, bench_result *r) {
    char why[256] = "";
    if (bench_prepare(cfg, why, sizeof why) || bench_run(cfg, r, why, sizeof why)) {
        fprintf(stderr, "sr-benchmark (%s on %s:%d): %s\n", cfg->resp ? "redis" : "srp", cfg->host, cfg->port, why);
        return -1;
    }
    return 0;
}

static long number(const char *flag, const char *value, long min, long max) {
    char *end;
    long n = value ? strtol(value, &end, 10) : 0;
    if (!value || *end || n < min || n > max) {
        fprintf(stderr, "sr-benchmark: %s wants a number in %ld..%ld\n", flag, min, max);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    bench_config cfg = {.host = "127.0.0.1", .port = 7911, .connections = 50, .requests = 100000, .pipeline = 1,
                        .payload = 1024, .op = OP_GET_BY_ID, .lz4 = 1};
    int json = 0, compare = 0, port_given = 0, redis_port = 6379;
    const char *redis_host = NULL;
    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define FLAG(s, l) (!strcmp(a, s) || !strcmp(a, l))
        if (FLAG("-h", "--host")) cfg.host = v, i++;
        else if (FLAG("-p", "--port")) cfg.port = (int)number(a, v, 1, 65535), port_given = 1, i++;
        else if (FLAG("-c", "--connections")) cfg.connections = (int)number(a, v, 1, 10000), i++;
        else if (FLAG("-n", "--requests")) cfg.requests = (uint64_t)number(a, v, 1, 100000000), i++;
        else if (FLAG("-P", "--pipeline")) cfg.pipeline = (int)number(a, v, 1, 65536), i++;
        else if (FLAG("-d", "--payload")) cfg.payload = (size_t)number(a, v, 1, 4000000), i++;
        else if (!strcmp(a, "--duration")) {
            cfg.duration_s = (double)number(a, v, 1, 3600), i++;
        } else if (!strcmp(a, "--rate")) cfg.rate = (double)number(a, v, 1, 100000000), i++;
        else if (FLAG("-t", "--op")) {
            const char *ops[] = {"get-by-id", "get-latest", "register", "validate", "mixed"};
            int found = -1;
            for (int k = 0; k < 5 && v; k++)
                if (!strcmp(v, ops[k])) found = k;
            if (found < 0) {
                fprintf(stderr, "sr-benchmark: unknown op '%s'\n", v ? v : "");
                return 2;
            }
            cfg.op = (bench_op)found, i++;
        } else if (!strcmp(a, "--no-compression")) cfg.lz4 = 0;
        else if (!strcmp(a, "--compressible")) cfg.compressible = 1;
        else if (!strcmp(a, "--resp")) cfg.resp = 1;
        else if (!strcmp(a, "--compare")) compare = 1;
        else if (!strcmp(a, "--redis-host")) redis_host = v, i++;
        else if (!strcmp(a, "--redis-port")) redis_port = (int)number(a, v, 1, 65535), i++;
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "sr-benchmark: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (!cfg.host) {
            fprintf(stderr, "sr-benchmark: --host wants a value\n");
            return 2;
        }
    }
    if (cfg.resp && !port_given) cfg.port = 6379;
    if (!compare) {
        bench_result *r = calloc(1, sizeof *r);
        int rc = run_one(&cfg, r);
        if (!rc) {
            if (json) {
                print_json_object(&cfg, r);
                printf("\n");
            } else {
                print_text(cfg.resp ? "redis" : "srp", &cfg, r);
            }
        }
        free(r);
        return rc ? 1 : 0;
    }
    bench_config redis = cfg;
    redis.resp = 1;
    redis.host = redis_host ? redis_host : cfg.host;
    redis.port = redis_port;
    cfg.resp = 0;
    bench_result *srp_result = calloc(1, sizeof *srp_result), *redis_result = calloc(1, sizeof *redis_result);
    int rc = run_one(&cfg, srp_result) || run_one(&redis, redis_result);
    if (!rc) {
        double srp_rps = (double)srp_result->completed / srp_result->elapsed_s;
        double redis_rps = (double)redis_result->completed / redis_result->elapsed_s;
        double p50 = (double)hist_percentile(&srp_result->latency, 50) /
                     (double)hist_percentile(&redis_result->latency, 50);
        double p99 = (double)hist_percentile(&srp_result->latency, 99) /
                     (double)hist_percentile(&redis_result->latency, 99);
        if (json) {
            printf("{\"srp\":");
            print_json_object(&cfg, srp_result);
            printf(",\"resp\":");
            print_json_object(&redis, redis_result);
            printf(",\"ratio\":{\"throughput\":%.3f,\"p50\":%.3f,\"p99\":%.3f}}\n", srp_rps / redis_rps, p50, p99);
        } else {
            print_text("srp", &cfg, srp_result);
            print_text("redis", &redis, redis_result);
            printf("== ratio srp/redis: throughput %.2f, p50 latency %.2f, p99 latency %.2f\n", srp_rps / redis_rps,
                   p50, p99);
        }
    }
    free(srp_result);
    free(redis_result);
    return rc ? 1 : 0;
}
