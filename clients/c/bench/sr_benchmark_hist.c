/* The latency histogram: log-linear buckets, so the memory is fixed and percentiles of a
 * run of any length cost nothing per sample beyond one increment. */
#include "sr_benchmark.h"

static unsigned bucket_of(uint64_t v) {
    const unsigned S = HIST_SUB_BITS;
    if (v < (1u << S)) return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - S + 1;
    return shift * (1u << (S - 1)) + (unsigned)(v >> shift);
}

static uint64_t value_of(unsigned index) {
    const unsigned S = HIST_SUB_BITS;
    if (index < (1u << S)) return index;
    unsigned shift = index / (1u << (S - 1)) - 1;
    uint64_t top = index - shift * (1u << (S - 1));
    return (top << shift) + ((1ull << shift) >> 1); /* the middle of the bucket */
}

void hist_record(histogram *h, uint64_t ns) {
    unsigned b = bucket_of(ns);
    if (b >= HIST_BUCKETS) b = HIST_BUCKETS - 1;
    h->counts[b]++;
    h->total++;
    h->sum_ns += (double)ns;
    if (ns > h->max_ns) h->max_ns = ns;
}

uint64_t hist_percentile(const histogram *h, double percentile) {
    if (!h->total) return 0;
    uint64_t rank = (uint64_t)(percentile / 100.0 * (double)h->total + 0.5);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = value_of(i);
            return v > h->max_ns ? h->max_ns : v;
        }
    }
    return h->max_ns;
}
