/* Unit tests of the frame reader and LZ4 bodies: every golden vector of proto/testvectors
 * (decode, re-encode, undo compression, parse the message), then malformed input. Built with
 * ASan and UBSan: a crash or an out-of-bounds access fails the run even when the checks pass. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sr_methods.h"
#include "sr_wire.h"
#include "vectors.h"

static vector *vectors;
static int vector_count;

static const ProtobufCMessageDescriptor *descriptor_named(const char *full_name) {
    if (!strcmp(full_name, "srp.ErrorBody")) return &srp__error_body__descriptor;
    /* A Watch's later answers (PROTOCOL.md 19) are not a method's declared response. */
    if (!strcmp(full_name, "srp.WatchEvents")) return &srp__watch_events__descriptor;
    size_t count;
    const sr_method_info *all = sr_method_all(&count);
    for (size_t i = 0; i < count; i++) {
        if (!strcmp(all[i].request->name, full_name)) return all[i].request;
        if (!strcmp(all[i].response->name, full_name)) return all[i].response;
    }
    return NULL;
}

/* Decodes a whole frame from bytes fed in chunks of `step`. */
static sr_read decode(const uint8_t *bytes, size_t length, size_t step, int expect_preface, uint32_t max_body,
                      sr_frame **frame, unsigned *status, size_t *left) {
    sr_reader *r = sr_reader_new(expect_preface, max_body);
    sr_read got = SR_READ_NEED_MORE;
    *frame = NULL;
    for (size_t at = 0; at < length && got == SR_READ_NEED_MORE; at += step) {
        size_t n = length - at < step ? length - at : step;
        sr_reader_feed(r, bytes + at, n);
        got = sr_reader_get(r, frame);
    }
    *status = sr_reader_status(r);
    *left = sr_reader_buffered(r);
    sr_reader_free(r);
    return got;
}

static void check_message(const vector *v, const uint8_t *plain, size_t plain_length, int must_parse) {
    const ProtobufCMessageDescriptor *d = descriptor_named(v->message);
    CHECKF(d != NULL, "%s: unknown message type %s", v->file, v->message);
    if (!d) return;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, plain_length, plain);
    if (!must_parse) {
        /* stage "message": the body is not a valid message; the server answers 11. */
        CHECKF(m == NULL, "%s: body parsed although it is malformed", v->file);
        CHECK(v->error_status == SR_STATUS_MALFORMED_REQUEST);
        if (m) protobuf_c_message_free_unpacked(m, NULL);
        return;
    }
    CHECKF(m != NULL, "%s: body does not parse as %s", v->file, v->message);
    if (!m) return;
    CHECKF(m->n_unknown_fields == 0, "%s: unknown fields", v->file);
    size_t size = protobuf_c_message_get_packed_size(m);
    uint8_t *again = malloc(size + 1);
    protobuf_c_message_pack(m, again);
    CHECKF(size == plain_length && (size == 0 || memcmp(again, plain, size) == 0), "%s: re-serialised message differs",
           v->file);
    free(again);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void check_frame_vector(const vector *v, size_t step) {
    sr_frame *f;
    unsigned status;
    size_t left;
    sr_read got = decode(v->hex, v->hex_length, step, 0, (uint32_t)v->max_body, &f, &status, &left);
    CHECKF(got == SR_READ_FRAME, "%s (step %zu): got %d status %u", v->file, step, got, status);
    if (got != SR_READ_FRAME) return;
    CHECKF(left == 0, "%s: %zu bytes left over", v->file, left);
    CHECK(sr_frame_kind(f) == (unsigned)v->kind);
    CHECK(sr_frame_flags(f) == (unsigned)v->flags);
    CHECK(sr_frame_code(f) == (unsigned)v->code);
    CHECK(sr_frame_request_id(f) == (uint32_t)v->request_id);
    size_t body_length;
    const uint8_t *body = sr_frame_body(f, &body_length);
    CHECK(v->has_body);
    CHECKF(body_length == v->body_length && memcmp(body, v->body, body_length) == 0, "%s: body differs", v->file);

    /* Writing the frame back from its fields gives the same bytes. */
    uint8_t *encoded = malloc(SR_HEADER_SIZE + v->body_length + 1);
    sr_encode_header(encoded, (uint32_t)v->body_length, (uint8_t)v->kind, (uint8_t)v->flags, (uint16_t)v->code,
                     (uint32_t)v->request_id);
    if (v->body_length) memcpy(encoded + SR_HEADER_SIZE, v->body, v->body_length);
    CHECKF(SR_HEADER_SIZE + v->body_length == v->hex_length && memcmp(encoded, v->hex, v->hex_length) == 0,
           "%s: re-encoded frame differs", v->file);
    free(encoded);

    uint8_t *plain;
    size_t plain_length;
    char why[160];
    unsigned body_status = sr_frame_plain_body(f, (int)v->lz4_negotiated, (uint32_t)v->max_body, &plain,
                                               &plain_length, why, sizeof why);
    int expect_body_error = !strcmp(v->expect, "error") && !strcmp(v->stage, "body");
    if (expect_body_error) {
        CHECKF(body_status == (unsigned)v->error_status, "%s: body status %u, expected %ld", v->file, body_status,
               v->error_status);
    } else {
        CHECKF(body_status == SR_STATUS_OK, "%s: %s", v->file, why);
        const uint8_t *want = v->has_plain ? v->plain : v->body;
        size_t want_length = v->has_plain ? v->plain_length : v->body_length;
        CHECKF(plain_length == want_length && (want_length == 0 || memcmp(plain, want, want_length) == 0),
               "%s: plain body differs", v->file);
        if (v->message[0] && body_status == SR_STATUS_OK)
            check_message(v, plain, plain_length, strcmp(v->stage, "message") != 0);
    }
    free(plain);
    sr_frame_free(f);
}

static void check_vector(const vector *v) {
    sr_frame *f;
    unsigned status;
    size_t left;
    if (!strcmp(v->expect, "preface")) {
        for (size_t step = 1; step <= v->hex_length; step += v->hex_length - 1) {
            sr_read got = decode(v->hex, v->hex_length, step, 1, (uint32_t)v->max_body, &f, &status, &left);
            CHECKF(got == SR_READ_PREFACE, "%s: got %d", v->file, got);
            CHECK(left == 0);
        }
        sr_reader *r = sr_reader_new(1, 16384);
        sr_reader_feed(r, v->hex, v->hex_length);
        CHECK(sr_reader_get(r, &f) == SR_READ_PREFACE && sr_reader_preface_version(r) == (unsigned)v->version);
        sr_reader_free(r);
    } else if (!strcmp(v->expect, "frame") ||
               (!strcmp(v->expect, "error") && (!strcmp(v->stage, "body") || !strcmp(v->stage, "message")))) {
        check_frame_vector(v, v->hex_length); /* all at once */
        check_frame_vector(v, 1);             /* a byte at a time */
    } else if (!strcmp(v->expect, "error")) {
        int preface = !strcmp(v->stage, "preface");
        CHECKF(preface || !strcmp(v->stage, "frame"), "%s: unknown stage %s", v->file, v->stage);
        for (size_t step = 1; step <= v->hex_length; step = step == 1 ? v->hex_length : v->hex_length + 1) {
            sr_read got = decode(v->hex, v->hex_length, step, preface, (uint32_t)v->max_body, &f, &status, &left);
            CHECKF(got == SR_READ_ERROR && status == (unsigned)v->error_status, "%s: got %d status %u, expected %ld",
                   v->file, got, status, v->error_status);
            sr_frame_free(f);
        }
        if (!preface) {
            /* The error must not need the body: 12 header bytes are enough. */
            sr_read got = decode(v->hex, SR_HEADER_SIZE, SR_HEADER_SIZE, 0, (uint32_t)v->max_body, &f, &status, &left);
            CHECK(got == SR_READ_ERROR && status == (unsigned)v->error_status);
        }
    } else {
        CHECKF(0, "%s: unknown expect '%s'", v->file, v->expect);
    }
}

static void test_vectors_present(void) {
    CHECKF(vector_count >= 30, "only %d vectors found", vector_count);
}

/* ---------------------------------------------------------------- malformed input */

static const vector *vector_named(const char *name) {
    for (int i = 0; i < vector_count; i++)
        if (!strcmp(vectors[i].name, name)) return &vectors[i];
    return NULL;
}

static void test_truncated_frames_need_more_then_fail_at_eof(void) {
    for (int i = 0; i < vector_count; i++) {
        const vector *v = &vectors[i];
        if (strcmp(v->expect, "frame")) continue;
        for (size_t cut = 1; cut < v->hex_length; cut++) {
            sr_reader *r = sr_reader_new(0, (uint32_t)v->max_body);
            sr_frame *f;
            sr_reader_feed(r, v->hex, cut);
            CHECKF(sr_reader_get(r, &f) == SR_READ_NEED_MORE, "%s cut at %zu", v->file, cut);
            CHECK(sr_reader_finish(r) == SR_READ_ERROR && sr_reader_status(r) == SR_STATUS_PROTOCOL_ERROR);
            CHECK(sr_reader_get(r, &f) == SR_READ_ERROR); /* sticky */
            CHECK(sr_reader_feed(r, "x", 1) == SR_ERR_PROTOCOL);
            sr_reader_free(r);
        }
    }
}

static void test_oversized_lengths_rejected_from_the_header(void) {
    uint32_t limits[] = {0, 1, 16384, 4194304};
    uint32_t lengths[] = {1, 16385, 4194305, 4194309, 0x7FFFFFFF, 0xFFFFFFFF};
    for (size_t l = 0; l < 4; l++) {
        for (size_t n = 0; n < 6; n++) {
            for (int lz4 = 0; lz4 < 2; lz4++) {
                uint8_t header[SR_HEADER_SIZE];
                sr_encode_header(header, lengths[n], SR_FRAME_RESPONSE, lz4 ? SR_FLAG_LZ4 : 0, 0, 9);
                sr_reader *r = sr_reader_new(0, limits[l]);
                sr_frame *f;
                sr_reader_feed(r, header, sizeof header);
                sr_read got = sr_reader_get(r, &f);
                uint64_t limit = (uint64_t)limits[l] + (lz4 ? 4 : 0);
                if (lengths[n] > limit)
                    CHECK(got == SR_READ_ERROR && sr_reader_status(r) == SR_STATUS_FRAME_TOO_LARGE);
                else
                    CHECK(got == SR_READ_NEED_MORE);
                sr_reader_free(r);
            }
        }
    }
}

static void test_every_reserved_flag_and_unknown_kind_rejected(void) {
    for (unsigned flags = 0; flags < 256; flags++) {
        for (unsigned kind = 0; kind < 256; kind++) {
            uint8_t header[SR_HEADER_SIZE];
            sr_encode_header(header, 0, (uint8_t)kind, (uint8_t)flags, 0, 1);
            sr_reader *r = sr_reader_new(0, 16);
            sr_frame *f = NULL;
            sr_reader_feed(r, header, sizeof header);
            sr_read got = sr_reader_get(r, &f);
            if (kind < 1 || kind > 5)
                CHECK(got == SR_READ_ERROR && sr_reader_status(r) == SR_STATUS_UNKNOWN_KIND); /* kind first */
            else if (flags & ~1u)
                CHECK(got == SR_READ_ERROR && sr_reader_status(r) == SR_STATUS_BAD_FLAGS);
            else
                CHECK(got == SR_READ_FRAME);
            sr_frame_free(f);
            sr_reader_free(r);
        }
    }
}

static unsigned decompress_status(const uint8_t *body, size_t length, uint32_t max) {
    uint8_t *plain;
    size_t plain_length;
    char why[160];
    unsigned status = sr_lz4_body_decompress(body, length, max, &plain, &plain_length, why, sizeof why);
    free(plain);
    return status;
}

static void test_lying_lz4_sizes(void) {
    const vector *v = vector_named("get-schema-by-id-response-lz4");
    CHECK(v != NULL);
    if (!v) return;
    uint8_t *body = malloc(v->body_length);
    memcpy(body, v->body, v->body_length);
    uint32_t real = sr_get_u32(body), block = (uint32_t)v->body_length - 4;
    CHECK(decompress_status(body, v->body_length, 4194304) == SR_STATUS_OK);
    uint32_t lies[] = {0, 1, real - 1, real + 1, real * 2, block * 255, block * 255 + 1, 4194305, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        sr_put_u32(body, lies[i]);
        CHECKF(decompress_status(body, v->body_length, 4194304) == SR_STATUS_BAD_COMPRESSION, "declared %u",
               lies[i]);
    }
    sr_put_u32(body, real);
    /* Every truncation of the block fails cleanly. */
    for (size_t cut = 0; cut < v->body_length; cut++)
        CHECK(decompress_status(body, cut, 4194304) == SR_STATUS_BAD_COMPRESSION);
    /* Under a limit below the real size. */
    CHECK(decompress_status(body, v->body_length, real - 1) == SR_STATUS_BAD_COMPRESSION);
    /* The empty body: only the block 00 is valid. */
    uint8_t empty_ok[] = {0, 0, 0, 0, 0}, empty_bad[] = {0, 0, 0, 0, 1}, empty_long[] = {0, 0, 0, 0, 0, 0};
    CHECK(decompress_status(empty_ok, 5, 16) == SR_STATUS_OK);
    CHECK(decompress_status(empty_bad, 5, 16) == SR_STATUS_BAD_COMPRESSION);
    CHECK(decompress_status(empty_long, 6, 16) == SR_STATUS_BAD_COMPRESSION);
    free(body);
}

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_lz4_round_trip_and_plain_when_not_smaller(void) {
    size_t sizes[] = {1, 100, 511, 512, 1024, 4096, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int compressible = 0; compressible < 2; compressible++) {
            size_t n = sizes[s];
            uint8_t *plain = malloc(n), *out = malloc(sr_lz4_body_bound(n));
            for (size_t i = 0; i < n; i++) plain[i] = compressible ? (uint8_t)("schema"[i % 6]) : (uint8_t)rng();
            size_t written = sr_lz4_body_compress(plain, n, out, sr_lz4_body_bound(n));
            if (written) {
                CHECK(written < n);
                uint8_t *back;
                size_t back_length;
                char why[160];
                CHECK(sr_lz4_body_decompress(out, written, (uint32_t)n, &back, &back_length, why, sizeof why) == 0);
                CHECK(back_length == n && memcmp(back, plain, n) == 0);
                free(back);
            } else {
                CHECK(!compressible || n < 16); /* random bytes do not shrink; tiny ones neither */
            }
            free(plain);
            free(out);
        }
    }
    CHECK(sr_lz4_body_compress((const uint8_t *)"", 0, (uint8_t[16]){0}, 16) == 0); /* never an empty body */
}

static void test_random_garbage_never_crashes(void) {
    uint8_t buf[512];
    for (int round = 0; round < 20000; round++) {
        size_t n = rng() % sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)rng();
        if (round % 2 && n >= 6) buf[4] = (uint8_t)(1 + rng() % 5), buf[5] = (uint8_t)(rng() % 2), buf[0] = buf[1] = 0;
        sr_reader *r = sr_reader_new(round % 7 == 0, 256);
        sr_reader_feed(r, buf, n);
        sr_frame *f;
        sr_read got;
        while ((got = sr_reader_get(r, &f)) == SR_READ_FRAME || got == SR_READ_PREFACE) {
            if (f) {
                uint8_t *plain;
                size_t plain_length;
                char why[160];
                sr_frame_plain_body(f, 1, 256, &plain, &plain_length, why, sizeof why);
                free(plain);
                sr_frame_free(f);
            }
        }
        sr_reader_finish(r);
        sr_reader_free(r);
    }
    CHECK(1);
}

static void test_many_frames_in_one_feed_and_split_across_feeds(void) {
    const vector *v = vector_named("get-schema-by-id-response");
    CHECK(v != NULL);
    if (!v) return;
    size_t copies = 1000, n = v->hex_length * copies;
    uint8_t *stream = malloc(n);
    for (size_t i = 0; i < copies; i++) memcpy(stream + i * v->hex_length, v->hex, v->hex_length);
    sr_reader *r = sr_reader_new(0, 4194304);
    size_t frames = 0, at = 0;
    while (at < n) {
        size_t chunk = 1 + rng() % 997;
        if (chunk > n - at) chunk = n - at;
        sr_reader_feed(r, stream + at, chunk);
        at += chunk;
        sr_frame *f;
        while (sr_reader_get(r, &f) == SR_READ_FRAME) {
            CHECK(sr_frame_request_id(f) == 7);
            sr_frame_free(f);
            frames++;
        }
    }
    CHECK(frames == copies);
    CHECK(sr_reader_buffered(r) == 0 && sr_reader_finish(r) == SR_READ_NEED_MORE);
    sr_reader_free(r);
    free(stream);
}

/* The method table in src/sr_methods.h against the (srp.method_id) options of the proto. */
static void test_method_table_matches_proto(void) {
    FILE *f = fopen(getenv("SR_PROTO") ? getenv("SR_PROTO") : "../../proto/srp.proto", "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[512], rpc[64] = "";
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, "rpc ");
        if (p && sscanf(p, "rpc %63[A-Za-z](", rpc) == 1) continue;
        p = strstr(line, "(srp.method_id) =");
        if (p && rpc[0]) {
            int id = (int)strtol(p + strlen("(srp.method_id) ="), NULL, 10);
            const char *name = sr_method_name(id);
            CHECKF(name && !strcmp(name, rpc), "proto says %s = %d, table says %s", rpc, id, name ? name : "nothing");
            seen++;
        }
    }
    fclose(f);
    size_t count;
    sr_method_all(&count);
    CHECKF((size_t)seen == count, "proto has %d rpcs, table %zu", seen, count);
}

int main(void) {
    const char *dir = getenv("SR_TESTVECTORS") ? getenv("SR_TESTVECTORS") : "../../proto/testvectors";
    vector_count = vectors_load(dir, &vectors);
    if (vector_count < 0) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 1;
    }
    RUN(test_vectors_present);
    for (int i = 0; i < vector_count; i++) {
        check_vector(&vectors[i]);
        char name[160];
        snprintf(name, sizeof name, "vector %s", vectors[i].file);
        check_report(name);
    }
    RUN(test_truncated_frames_need_more_then_fail_at_eof);
    RUN(test_oversized_lengths_rejected_from_the_header);
    RUN(test_every_reserved_flag_and_unknown_kind_rejected);
    RUN(test_lying_lz4_sizes);
    RUN(test_lz4_round_trip_and_plain_when_not_smaller);
    RUN(test_random_garbage_never_crashes);
    RUN(test_many_frames_in_one_feed_and_split_across_feeds);
    RUN(test_method_table_matches_proto);
    vectors_free(vectors, vector_count);
    return check_summary();
}
