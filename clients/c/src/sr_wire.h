/* Internal: byte order helpers, the frame object and frame encoding shared by the reader,
 * the client and the tests. Not installed. */
#ifndef SR_WIRE_H
#define SR_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "srclient.h"

#define SR_HEADER_SIZE 12
#define SR_PREFACE_SIZE 8
#define SR_LZ4_PREFIX_SIZE 4
/* LZ4 cannot expand a block more than 255:1 (docs/PROTOCOL.md 9.4). */
#define SR_LZ4_MAX_RATIO 255u

extern const uint8_t sr_preface_bytes[SR_PREFACE_SIZE];

static inline uint32_t sr_get_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline uint16_t sr_get_u16(const uint8_t *p) { return (uint16_t)(((unsigned)p[0] << 8) | p[1]); }
static inline void sr_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void sr_put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A received frame: header fields plus the body as sent, in one allocation. */
struct sr_frame {
    uint32_t length;
    uint8_t kind;
    uint8_t flags;
    uint16_t code;
    uint32_t request_id;
    uint8_t body[]; /* length bytes */
};

/* Writes a 12-byte header. */
void sr_encode_header(uint8_t out[SR_HEADER_SIZE], uint32_t length, uint8_t kind, uint8_t flags, uint16_t code,
                      uint32_t request_id);

/* LZ4 body (src/sr_lz4body.c). Compress: writes [u32 N][block] to out (capacity at least
 * sr_lz4_body_bound(n)); returns its size, or 0 when compression would not save bytes. */
size_t sr_lz4_body_bound(size_t plain_length);
size_t sr_lz4_body_compress(const uint8_t *plain, size_t plain_length, uint8_t *out, size_t out_capacity);
/* Decompress with every check of 9.4, before allocating. Returns SR_STATUS_OK or
 * SR_STATUS_BAD_COMPRESSION (reason in errbuf). */
unsigned sr_lz4_body_decompress(const uint8_t *body, size_t length, uint32_t max_size, uint8_t **plain,
                                size_t *plain_length, char *errbuf, size_t errbuf_size);

#endif
