/* LZ4 bodies: [u32 uncompressed length, big-endian][one LZ4 block] (docs/PROTOCOL.md 9).
 * Mirrors Sources/SRPWire/LZ4Body.swift: the declared size is checked against the limit
 * and against LZ4's 255:1 ceiling before anything is allocated, so a small body cannot
 * claim a gigabyte; only LZ4_decompress_safe is used and it must yield exactly N bytes. */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>

#include "sr_wire.h"

size_t sr_lz4_body_bound(size_t plain_length) {
    if (plain_length > (size_t)LZ4_MAX_INPUT_SIZE) return 0;
    return SR_LZ4_PREFIX_SIZE + (size_t)LZ4_compressBound((int)plain_length);
}

size_t sr_lz4_body_compress(const uint8_t *plain, size_t plain_length, uint8_t *out, size_t out_capacity) {
    /* An empty body is never compressed; the protocol forbids it. */
    if (plain_length == 0 || plain_length > (size_t)LZ4_MAX_INPUT_SIZE) return 0;
    if (out_capacity < sr_lz4_body_bound(plain_length)) return 0;
    int written = LZ4_compress_default((const char *)plain, (char *)out + SR_LZ4_PREFIX_SIZE, (int)plain_length,
                                       (int)(out_capacity - SR_LZ4_PREFIX_SIZE));
    /* Plain when compression would not make the body smaller (9.3). */
    if (written <= 0 || SR_LZ4_PREFIX_SIZE + (size_t)written >= plain_length) return 0;
    sr_put_u32(out, (uint32_t)plain_length);
    return SR_LZ4_PREFIX_SIZE + (size_t)written;
}

unsigned sr_lz4_body_decompress(const uint8_t *body, size_t length, uint32_t max_size, uint8_t **plain,
                                size_t *plain_length, char *errbuf, size_t errbuf_size) {
    *plain = NULL;
    *plain_length = 0;
    if (length < SR_LZ4_PREFIX_SIZE) {
        snprintf(errbuf, errbuf_size, "LZ4 body of %zu bytes has no length prefix", length);
        return SR_STATUS_BAD_COMPRESSION;
    }
    uint32_t declared = sr_get_u32(body);
    size_t block_size = length - SR_LZ4_PREFIX_SIZE;
    if (declared > max_size) {
        snprintf(errbuf, errbuf_size, "LZ4 body declares %u bytes uncompressed, over the limit of %u", declared,
                 max_size);
        return SR_STATUS_BAD_COMPRESSION;
    }
    /* In 64-bit arithmetic: block_size * 255 cannot overflow for bodies under 4 GiB. */
    if ((uint64_t)declared > (uint64_t)block_size * SR_LZ4_MAX_RATIO) {
        snprintf(errbuf, errbuf_size, "LZ4 body declares %u bytes from a %zu-byte block, beyond LZ4's 255:1 ratio",
                 declared, block_size);
        return SR_STATUS_BAD_COMPRESSION;
    }
    if (declared == 0) {
        /* The only block that decodes to nothing is the single token byte 00. */
        if (block_size != 1 || body[SR_LZ4_PREFIX_SIZE] != 0) {
            snprintf(errbuf, errbuf_size, "LZ4 body declares 0 bytes but its block is not the empty block");
            return SR_STATUS_BAD_COMPRESSION;
        }
        return SR_STATUS_OK;
    }
    if (block_size > (size_t)LZ4_MAX_INPUT_SIZE) {
        snprintf(errbuf, errbuf_size, "LZ4 block of %zu bytes is over LZ4's input limit", block_size);
        return SR_STATUS_BAD_COMPRESSION;
    }
    uint8_t *out = malloc(declared);
    if (!out) {
        snprintf(errbuf, errbuf_size, "out of memory for a %u-byte body", declared);
        return SR_STATUS_INTERNAL;
    }
    int produced = LZ4_decompress_safe((const char *)body + SR_LZ4_PREFIX_SIZE, (char *)out, (int)block_size,
                                       (int)declared);
    if (produced < 0 || (uint32_t)produced != declared) {
        free(out);
        snprintf(errbuf, errbuf_size, "LZ4 block does not decode to its declared %u bytes (got %d)", declared,
                 produced);
        return SR_STATUS_BAD_COMPRESSION;
    }
    *plain = out;
    *plain_length = declared;
    return SR_STATUS_OK;
}
