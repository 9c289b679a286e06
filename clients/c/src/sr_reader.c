/* The I/O-free frame reader: bytes in, frames out, limits enforced.
 *
 * Mirrors Sources/SRPWire/FrameDecoder.swift. Header checks run as soon as 12 bytes are
 * buffered and before any body byte is kept, in the order of docs/PROTOCOL.md 4.4 (kind,
 * flags, length), so a header announcing 1 GiB costs 12 bytes. A failure is sticky: the
 * stream can no longer be trusted, so every later call fails the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_wire.h"

struct sr_reader {
    uint8_t *buf;
    size_t start; /* first unread byte */
    size_t end;   /* one past the last fed byte */
    size_t capacity;
    uint32_t max_body;
    int awaiting_preface;
    unsigned preface_version;
    unsigned status; /* non-zero once failed */
    char errstr[160];
};

sr_reader *sr_reader_new(int expect_preface, uint32_t max_body) {
    sr_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->awaiting_preface = expect_preface != 0;
    r->max_body = max_body;
    return r;
}

void sr_reader_free(sr_reader *reader) {
    if (!reader) return;
    free(reader->buf);
    free(reader);
}

void sr_reader_set_max_body(sr_reader *reader, uint32_t max_body) { reader->max_body = max_body; }
unsigned sr_reader_status(const sr_reader *reader) { return reader->status; }
const char *sr_reader_errstr(const sr_reader *reader) { return reader->errstr; }
unsigned sr_reader_preface_version(const sr_reader *reader) { return reader->preface_version; }
size_t sr_reader_buffered(const sr_reader *reader) { return reader->end - reader->start; }

int sr_reader_feed(sr_reader *r, const void *bytes, size_t length) {
    if (r->status) return SR_ERR_PROTOCOL;
    if (length == 0) return SR_OK;
    if (r->start > 0 && r->start == r->end) r->start = r->end = 0;
    if (r->capacity - r->end < length) {
        /* Slide unread bytes to the front before growing: the buffer stays near one frame. */
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->start = 0;
        }
        if (r->capacity - r->end < length) {
            size_t need = r->end + length, cap = r->capacity ? r->capacity : 4096;
            while (cap < need) cap *= 2;
            uint8_t *grown = realloc(r->buf, cap);
            if (!grown) return SR_ERR_OOM;
            r->buf = grown;
            r->capacity = cap;
        }
    }
    memcpy(r->buf + r->end, bytes, length);
    r->end += length;
    return SR_OK;
}

static sr_read fail(sr_reader *r, unsigned status, const char *message) {
    r->status = status;
    snprintf(r->errstr, sizeof r->errstr, "%s", message);
    return SR_READ_ERROR;
}

static sr_read read_preface(sr_reader *r) {
    const uint8_t *p = r->buf + r->start;
    size_t available = r->end - r->start;
    /* Compare what has arrived so far: "GET " fails at its first byte. */
    for (size_t i = 0; i < 6 && i < available; i++) {
        if (p[i] != sr_preface_bytes[i]) {
            char message[160];
            snprintf(message, sizeof message, "expected the SRP preface 89 53 52 50 0D 0A, got %02X at byte %zu%s",
                     p[i], i, p[0] == 0x16 ? " (a TLS ClientHello?)" : (p[0] == 'G' || p[0] == 'P') ? " (HTTP?)" : "");
            return fail(r, SR_STATUS_BAD_PREFACE, message);
        }
    }
    if (available < SR_PREFACE_SIZE) return SR_READ_NEED_MORE;
    unsigned version = sr_get_u16(p + 6);
    if (version != 1) {
        char message[96];
        snprintf(message, sizeof message, "framing version %u is not supported; this reader speaks 1", version);
        return fail(r, SR_STATUS_UNSUPPORTED_VERSION, message);
    }
    r->start += SR_PREFACE_SIZE;
    r->awaiting_preface = 0;
    r->preface_version = version;
    return SR_READ_PREFACE;
}

sr_read sr_reader_get(sr_reader *r, sr_frame **frame) {
    *frame = NULL;
    if (r->status) return SR_READ_ERROR;
    if (r->awaiting_preface) return read_preface(r);
    size_t available = r->end - r->start;
    if (available < SR_HEADER_SIZE) return SR_READ_NEED_MORE;
    const uint8_t *h = r->buf + r->start;
    uint32_t length = sr_get_u32(h);
    uint8_t kind = h[4], flags = h[5];
    uint32_t request_id = sr_get_u32(h + 8);
    char message[160];
    if (kind < SR_FRAME_REQUEST || kind > SR_FRAME_GOAWAY) {
        snprintf(message, sizeof message, "unknown frame kind %u (request id %u)", kind, request_id);
        return fail(r, SR_STATUS_UNKNOWN_KIND, message);
    }
    if (flags & ~SR_FLAG_LZ4) {
        snprintf(message, sizeof message, "reserved flag bits set: 0x%02x (request id %u)", flags, request_id);
        return fail(r, SR_STATUS_BAD_FLAGS, message);
    }
    uint64_t limit = (uint64_t)r->max_body + ((flags & SR_FLAG_LZ4) ? SR_LZ4_PREFIX_SIZE : 0);
    if (length > limit) {
        snprintf(message, sizeof message, "frame body of %u bytes exceeds the limit of %llu (request id %u)", length,
                 (unsigned long long)limit, request_id);
        return fail(r, SR_STATUS_FRAME_TOO_LARGE, message);
    }
    if (available - SR_HEADER_SIZE < length) return SR_READ_NEED_MORE;
    sr_frame *f = malloc(sizeof *f + length);
    if (!f) return fail(r, SR_STATUS_INTERNAL, "out of memory");
    f->length = length;
    f->kind = kind;
    f->flags = flags;
    f->code = sr_get_u16(h + 6);
    f->request_id = request_id;
    memcpy(f->body, h + SR_HEADER_SIZE, length);
    r->start += SR_HEADER_SIZE + length;
    *frame = f;
    return SR_READ_FRAME;
}

sr_read sr_reader_finish(sr_reader *r) {
    if (r->status) return SR_READ_ERROR;
    size_t left = r->end - r->start;
    if (left == 0) return SR_READ_NEED_MORE;
    char message[128];
    snprintf(message, sizeof message, "connection closed mid-frame with %zu bytes of a frame unread", left);
    return fail(r, SR_STATUS_PROTOCOL_ERROR, message);
}
