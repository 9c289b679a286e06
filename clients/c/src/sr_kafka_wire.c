/* Confluent's wire format for Kafka payloads: [magic 0][schema id, u32 big-endian][Protobuf
 * only: message indexes][body]. The index list is a zigzag varint count and that many zigzag
 * varint indexes (Protobuf-style varints of at most 5 bytes: they are 32-bit); Confluent
 * writes [0], the common case, as the single byte 0 (count 0). (sr_wire.h is SRP's framing,
 * not this.) */
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

static void put_header(uint8_t *p, uint32_t id) {
    p[0] = 0;
    p[1] = (uint8_t)(id >> 24);
    p[2] = (uint8_t)(id >> 16);
    p[3] = (uint8_t)(id >> 8);
    p[4] = (uint8_t)id;
}

static int frame(uint32_t schema_id, int with_indexes, const int32_t *indexes, size_t index_count,
                 const uint8_t *body, size_t body_length, uint8_t **payload, size_t *payload_length) {
    if (!payload || !payload_length || (!body && body_length)) return SR_ERR_ARGUMENT;
    *payload = NULL;
    *payload_length = 0;
    if (with_indexes && index_count > SR_WIRE_MAX_INDEXES) return SR_ERR_ARGUMENT;
    if (with_indexes && index_count && !indexes) return SR_ERR_ARGUMENT;
    for (size_t i = 0; with_indexes && i < index_count; i++)
        if (indexes[i] < 0) return SR_ERR_ARGUMENT;
    if (body_length > SIZE_MAX - SR_WIRE_HEADER_SIZE - 5 * (SR_WIRE_MAX_INDEXES + 1)) return SR_ERR_ARGUMENT;
    sr_buf out = {0};
    if (sr_buf_reserve(&out, SR_WIRE_HEADER_SIZE + (with_indexes ? 5 * (index_count + 1) : 0) + body_length + 1) != 0)
        return SR_ERR_OOM;
    put_header(out.data, schema_id);
    out.length = SR_WIRE_HEADER_SIZE;
    if (with_indexes) {
        if (index_count == 0 || (index_count == 1 && indexes[0] == 0)) {
            sr_buf_byte(&out, 0);
        } else {
            sr_buf_zigzag(&out, (int64_t)index_count);
            for (size_t i = 0; i < index_count; i++) sr_buf_zigzag(&out, indexes[i]);
        }
    }
    sr_buf_append(&out, body, body_length);
    *payload = out.data;
    *payload_length = out.length;
    return SR_OK;
}

int sr_wire_frame(uint32_t schema_id, const uint8_t *body, size_t body_length, uint8_t **payload,
                  size_t *payload_length) {
    return frame(schema_id, 0, NULL, 0, body, body_length, payload, payload_length);
}

int sr_wire_frame_protobuf(uint32_t schema_id, const int32_t *indexes, size_t index_count, const uint8_t *body,
                           size_t body_length, uint8_t **payload, size_t *payload_length) {
    return frame(schema_id, 1, indexes, index_count, body, body_length, payload, payload_length);
}

int sr_wire_unframe(const uint8_t *payload, size_t payload_length, uint32_t *schema_id, size_t *body_offset,
                    char *errbuf, size_t errbuf_size) {
    if (!payload && payload_length) return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "NULL payload");
    if (payload_length == 0)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_TRUNCATED,
                             "empty payload: the wire format needs a magic byte and a 4-byte schema id");
    if (payload[0] != 0)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_MAGIC,
                             "wrong magic byte 0x%02x (expected 0x00): not a Confluent wire-format payload%s",
                             payload[0], payload[0] == '{' || payload[0] == '[' ? " (it looks like plain JSON)" : "");
    if (payload_length < SR_WIRE_HEADER_SIZE)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_TRUNCATED,
                             "truncated frame: %zu bytes, the header (magic byte and schema id) takes 5",
                             payload_length);
    if (schema_id)
        *schema_id = (uint32_t)payload[1] << 24 | (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 8 | payload[4];
    if (body_offset) *body_offset = SR_WIRE_HEADER_SIZE;
    return SR_OK;
}

/* A zigzag varint of at most 5 bytes (a 32-bit value), or an error code. */
static int read_varint32(const uint8_t *p, size_t length, size_t *pos, int64_t *out) {
    uint64_t result = 0;
    for (int i = 0; i < 5; i++) {
        if (*pos >= length) return SR_ERR_WIRE_TRUNCATED;
        uint8_t byte = p[(*pos)++];
        result |= (uint64_t)(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            if (result > UINT32_MAX) return SR_ERR_WIRE_INDEXES;
            *out = (int64_t)(result >> 1) ^ -(int64_t)(result & 1);
            return SR_OK;
        }
    }
    return SR_ERR_WIRE_INDEXES;
}

int sr_wire_unframe_protobuf(const uint8_t *payload, size_t payload_length, uint32_t *schema_id,
                             int32_t *indexes, size_t max_indexes, size_t *index_count, size_t *body_offset,
                             char *errbuf, size_t errbuf_size) {
    size_t pos;
    int err = sr_wire_unframe(payload, payload_length, schema_id, &pos, errbuf, errbuf_size);
    if (err != SR_OK) return err;
    if (index_count) *index_count = 0;
    int64_t count;
    size_t at = pos;
    if ((err = read_varint32(payload, payload_length, &pos, &count)) != SR_OK)
        return sr_serde_fail(errbuf, errbuf_size, err,
                             err == SR_ERR_WIRE_TRUNCATED ? "truncated frame: the message-index count is missing"
                                                          : "bad message-index count (varint longer than 32 bits)");
    if (count < 0)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_INDEXES, "negative message-index count %lld at byte %zu",
                             (long long)count, at);
    if (count == 0) { /* the single byte 0: [0] */
        if (max_indexes < 1 || !indexes)
            return sr_serde_fail(errbuf, errbuf_size, SR_ERR_ARGUMENT, "no room for the message indexes");
        indexes[0] = 0;
        if (index_count) *index_count = 1;
        if (body_offset) *body_offset = pos;
        return SR_OK;
    }
    if ((uint64_t)count > max_indexes || (uint64_t)count > SR_WIRE_MAX_INDEXES || !indexes)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_INDEXES,
                             "message-index count %lld exceeds the limit of %zu", (long long)count,
                             max_indexes < SR_WIRE_MAX_INDEXES ? max_indexes : (size_t)SR_WIRE_MAX_INDEXES);
    if ((uint64_t)count > payload_length - pos)
        return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_TRUNCATED,
                             "truncated frame: %lld message indexes announced, %zu bytes left", (long long)count,
                             payload_length - pos);
    for (int64_t i = 0; i < count; i++) {
        int64_t index;
        at = pos;
        if ((err = read_varint32(payload, payload_length, &pos, &index)) != SR_OK)
            return sr_serde_fail(errbuf, errbuf_size, err,
                                 err == SR_ERR_WIRE_TRUNCATED ? "truncated frame: message index %lld is cut off"
                                                              : "bad message index %lld (varint longer than 32 bits)",
                                 (long long)i);
        if (index < 0)
            return sr_serde_fail(errbuf, errbuf_size, SR_ERR_WIRE_INDEXES, "negative message index %lld at byte %zu",
                                 (long long)index, at);
        indexes[i] = (int32_t)index;
    }
    if (index_count) *index_count = (size_t)count;
    if (body_offset) *body_offset = pos;
    return SR_OK;
}
