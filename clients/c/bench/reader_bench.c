/* reader-bench: the frame reader's own cost. A stream of RESPONSE frames carrying a
 * 1 KiB GetSchemaByIdResponse is fed in 64 KiB chunks (what the client's recv gives it);
 * every frame is taken out and, for the second run, its plain body recovered (a copy, or
 * LZ4 decompression). Reports frames decoded per second. Bounded: a fixed frame count
 * (default 2,000,000; the stream is one 256-frame block fed repeatedly). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sr_wire.h"
#include "srclient.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *make_stream(size_t frames, size_t body_size, int lz4, size_t *length) {
    uint8_t *plain = malloc(body_size);
    for (size_t i = 0; i < body_size; i++) plain[i] = (uint8_t)("{\"type\":\"record\",\"name\":\"Bench\"} "[i % 34]);
    uint8_t *body = malloc(sr_lz4_body_bound(body_size) + body_size);
    size_t n = lz4 ? sr_lz4_body_compress(plain, body_size, body, sr_lz4_body_bound(body_size)) : 0;
    if (!n) memcpy(body, plain, n = body_size), lz4 = 0;
    uint8_t *stream = malloc(frames * (SR_HEADER_SIZE + n));
    for (size_t i = 0; i < frames; i++) {
        uint8_t *at = stream + i * (SR_HEADER_SIZE + n);
        sr_encode_header(at, (uint32_t)n, SR_FRAME_RESPONSE, lz4 ? SR_FLAG_LZ4 : 0, 0, (uint32_t)i + 1);
        memcpy(at + SR_HEADER_SIZE, body, n);
    }
    free(plain);
    free(body);
    *length = frames * (SR_HEADER_SIZE + n);
    return stream;
}

static void run(const char *label, size_t frames, int lz4, int plain_body) {
    /* One block of frames, fed over and over: memory stays small whatever the count. */
    enum { BLOCK = 256 };
    size_t length;
    uint8_t *stream = make_stream(BLOCK, 1024, lz4, &length);
    sr_reader *r = sr_reader_new(0, SR_DEFAULT_MAX_FRAME_SIZE);
    size_t decoded = 0, wire = 0;
    double start = now_s();
    while (decoded < frames) {
        for (size_t at = 0; at < length; at += 65536) {
            size_t n = length - at < 65536 ? length - at : 65536;
            sr_reader_feed(r, stream + at, n);
            wire += n;
            sr_frame *f;
            while (sr_reader_get(r, &f) == SR_READ_FRAME) {
                if (plain_body) {
                    uint8_t *plain;
                    size_t plain_length;
                    char why[128];
                    sr_frame_plain_body(f, 1, SR_DEFAULT_MAX_FRAME_SIZE, &plain, &plain_length, why, sizeof why);
                    free(plain);
                }
                sr_frame_free(f);
                decoded++;
            }
        }
    }
    double elapsed = now_s() - start;
    printf("%-32s %9zu frames (%4zu B each) %6.3f s %11.0f frames/s %8.1f MB/s\n", label, decoded, length / BLOCK,
           elapsed, (double)decoded / elapsed, (double)wire / elapsed / 1e6);
    sr_reader_free(r);
    free(stream);
}

int main(int argc, char **argv) {
    size_t frames = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 2000000;
    if (frames == 0 || frames > 50000000) frames = 2000000;
    run("reader only, 1 KiB plain body", frames, 0, 0);
    run("reader + plain body copy", frames, 0, 1);
    run("reader only, LZ4 body", frames, 1, 0);
    run("reader + LZ4 decompression", frames, 1, 1);
    return 0;
}
