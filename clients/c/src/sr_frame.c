/* Frames: header encoding and the accessors of received frames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_wire.h"

const uint8_t sr_preface_bytes[SR_PREFACE_SIZE] = {0x89, 0x53, 0x52, 0x50, 0x0D, 0x0A, 0x00, 0x01};

void sr_encode_header(uint8_t out[SR_HEADER_SIZE], uint32_t length, uint8_t kind, uint8_t flags, uint16_t code,
                      uint32_t request_id) {
    sr_put_u32(out, length);
    out[4] = kind;
    out[5] = flags;
    sr_put_u16(out + 6, code);
    sr_put_u32(out + 8, request_id);
}

void sr_frame_free(sr_frame *frame) { free(frame); }
unsigned sr_frame_kind(const sr_frame *frame) { return frame->kind; }
unsigned sr_frame_flags(const sr_frame *frame) { return frame->flags; }
unsigned sr_frame_code(const sr_frame *frame) { return frame->code; }
uint32_t sr_frame_request_id(const sr_frame *frame) { return frame->request_id; }

const uint8_t *sr_frame_body(const sr_frame *frame, size_t *length) {
    if (length) *length = frame->length;
    return frame->body;
}

unsigned sr_frame_plain_body(const sr_frame *frame, int lz4_allowed, uint32_t max_size, uint8_t **plain,
                             size_t *plain_length, char *errbuf, size_t errbuf_size) {
    *plain = NULL;
    *plain_length = 0;
    if (frame->flags & SR_FLAG_LZ4) {
        if (!lz4_allowed) {
            snprintf(errbuf, errbuf_size, "LZ4 body on a connection that did not negotiate LZ4");
            return SR_STATUS_BAD_COMPRESSION;
        }
        return sr_lz4_body_decompress(frame->body, frame->length, max_size, plain, plain_length, errbuf,
                                      errbuf_size);
    }
    if (frame->length == 0) return SR_STATUS_OK;
    *plain = malloc(frame->length);
    if (!*plain) {
        snprintf(errbuf, errbuf_size, "out of memory");
        return SR_STATUS_INTERNAL;
    }
    memcpy(*plain, frame->body, frame->length);
    *plain_length = frame->length;
    return SR_STATUS_OK;
}
