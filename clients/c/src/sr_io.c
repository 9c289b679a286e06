/* The socket side of a client: encoding frames into the output buffer, non-blocking
 * reads and writes, and turning received frames into replies. Every wait goes through
 * poll() with both directions armed while output is pending: a client that wrote a deep
 * pipeline without reading would deadlock against a server that stopped reading at
 * max_in_flight (docs/PROTOCOL.md 10.3). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sr_client_internal.h"
#include "sr_methods.h"

static int reserve(uint8_t **buf, size_t *capacity, size_t need) {
    if (*capacity >= need) return SR_OK;
    size_t cap = *capacity ? *capacity : 16384;
    while (cap < need) cap *= 2;
    uint8_t *grown = realloc(*buf, cap);
    if (!grown) return SR_ERR_OOM;
    *buf = grown;
    *capacity = cap;
    return SR_OK;
}

int sr_io_encode(sr_client *c, uint8_t kind, uint16_t code, uint32_t request_id, const ProtobufCMessage *message,
                 const uint8_t *raw_body, size_t raw_length, uint32_t budget_ms) {
    size_t plain = message ? protobuf_c_message_get_packed_size(message) : raw_length;
    if (plain > c->max_frame_size)
        return sr_set_err(c, SR_ERR_ENCODE, "request body of %zu bytes is over max_frame_size %u", plain,
                          c->max_frame_size);
    /* Drop what was already written before growing, so the buffer stays the size of what
     * is unsent even when a busy pipeline never drains it completely. */
    if (c->out_sent > 0 && (c->out_sent == c->out_length || c->out_sent >= 65536)) {
        memmove(c->out, c->out + c->out_sent, c->out_length - c->out_sent);
        c->out_length -= c->out_sent;
        c->out_sent = 0;
    }
    int compress = c->lz4 && (kind == SR_FRAME_REQUEST) && plain >= c->compression_threshold && plain > 0;
    size_t bound = compress ? sr_lz4_body_bound(plain) : plain;
    /* DEADLINE (docs/PROTOCOL.md 6.1): a u32 budget before the body, plain or LZ4. */
    size_t prefix = (kind == SR_FRAME_REQUEST && budget_ms > 0) ? 4 : 0;
    if (reserve(&c->out, &c->out_capacity, c->out_length + SR_HEADER_SIZE + prefix + bound))
        return sr_set_err(c, SR_ERR_OOM, "out of memory for a %zu-byte request", plain);
    uint8_t *header = c->out + c->out_length, *body = header + SR_HEADER_SIZE + prefix;
    size_t length = 0;
    uint8_t flags = 0;
    if (prefix) {
        sr_put_u32(header + SR_HEADER_SIZE, budget_ms);
        flags |= SR_FLAG_DEADLINE;
    }
    if (compress) {
        if (reserve(&c->scratch, &c->scratch_capacity, plain)) return sr_set_err(c, SR_ERR_OOM, "out of memory");
        if (message)
            protobuf_c_message_pack(message, c->scratch);
        else
            memcpy(c->scratch, raw_body, plain);
        length = sr_lz4_body_compress(c->scratch, plain, body, bound);
        if (length > 0) {
            flags |= SR_FLAG_LZ4;
            c->stats[SR_STAT_LZ4_FRAMES_SENT]++;
        } else {
            memcpy(body, c->scratch, plain); /* compression did not pay: send it plain */
            length = plain;
        }
    } else {
        if (message)
            protobuf_c_message_pack(message, body);
        else if (plain)
            memcpy(body, raw_body, plain);
        length = plain;
    }
    sr_encode_header(header, (uint32_t)(prefix + length), kind, flags, code, request_id);
    c->out_length += SR_HEADER_SIZE + prefix + length;
    c->stats[SR_STAT_FRAMES_SENT]++;
    return SR_OK;
}

int sr_client_write_some(sr_client *c, int *done) {
    if (done) *done = 0;
    if (c->state == SR_CONN_BROKEN) return sr_set_err(c, SR_ERR_NOT_CONNECTED, "not connected");
    while (c->out_sent < c->out_length) {
        ssize_t n = sr_transport_send(c, c->out + c->out_sent, c->out_length - c->out_sent);
        if (n > 0) {
            c->out_sent += (size_t)n;
            c->stats[SR_STAT_BYTES_SENT] += (uint64_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return SR_OK;
        if (errno == EPROTO && c->tls) return sr_break(c, SR_ERR_TLS, "TLS send: %s", c->tls_error);
        return sr_break(c, SR_ERR_IO, "send: %s", strerror(errno));
    }
    c->out_sent = c->out_length = 0;
    if (done) *done = 1;
    return SR_OK;
}

/* Requests above the GOAWAY's last id will never be executed: fail them now (13). */
static void fail_after_goaway(sr_client *c) {
    sr_pending_ring *p = &c->pending;
    for (uint32_t id = p->oldest; id != p->next_id; id = id == UINT32_MAX ? 1 : id + 1) {
        sr_pending_slot *slot = sr_pending_find(p, id);
        if (!slot || id <= c->goaway_last_id) continue;
        if (!slot->abandoned) {
            sr_reply *r = sr_reply_new(id, slot->method, SR_STATUS_SHUTTING_DOWN);
            if (r) {
                r->local_message = strdup("not executed: the server sent GOAWAY before reaching this request");
                sr_ready_push(c, r);
            }
        }
        sr_pending_remove(p, slot);
    }
}

static int handle_frame(sr_client *c, sr_frame *f) {
    c->stats[SR_STAT_FRAMES_RECEIVED]++;
    if (f->flags & SR_FLAG_LZ4) c->stats[SR_STAT_LZ4_FRAMES_RECEIVED]++;
    switch (f->kind) {
    case SR_FRAME_RESPONSE: {
        sr_pending_slot *slot = sr_pending_find(&c->pending, f->request_id);
        /* Answers nothing we wait for: a watch's events, or a request dropped by a reconnect
         * or GOAWAY. */
        if (!slot) {
            if (c->watches) sr_watch_route(c, f);
            return SR_OK; /* (the caller sees a connection the route broke) */
        }
        int method = slot->method;
        if (slot->abandoned) {
            sr_pending_remove(&c->pending, slot);
            /* Nobody waits for this watch: end it rather than leave the server sending. */
            if (method == SR_METHOD_WATCH && f->code == SR_STATUS_OK) sr_watch_unwatch_orphan(c, f->request_id);
            return SR_OK;
        }
        sr_reply *r = sr_reply_from_frame(c, f, method);
        if (!r) return sr_break(c, SR_ERR_OOM, "out of memory for a reply");
        sr_pending_remove(&c->pending, slot);
        /* The one request answered more than once: later answers under its id go to the watch. */
        if (method == SR_METHOD_WATCH) sr_watch_answered(c, f->request_id, r->status);
        if (r->status == SR_STATUS_THROTTLED || r->status == SR_STATUS_OVERLOADED) {
            c->stats[SR_STAT_THROTTLED]++;
            uint64_t until = sr_now_ms() + sr_reply_retry_after_ms(r);
            if (until > c->throttled_until_ms) c->throttled_until_ms = until;
        }
        sr_ready_push(c, r);
        return SR_OK;
    }
    case SR_FRAME_PING: /* answer with the same id and body */
        return sr_io_encode(c, SR_FRAME_PONG, 0, f->request_id, NULL, f->body, f->length, 0);
    case SR_FRAME_PONG:
        return SR_OK;
    case SR_FRAME_GOAWAY: {
        Srp__ErrorBody *e = srp__error_body__unpack(NULL, f->length, f->body);
        c->state = SR_CONN_GOAWAY;
        c->goaway_last_id = f->request_id;
        sr_set_err(c, SR_ERR_GOAWAY, "server sent GOAWAY %s: %s", sr_status_name(f->code),
                   e && e->message ? e->message : "");
        if (e) srp__error_body__free_unpacked(e, NULL);
        fail_after_goaway(c);
        return SR_OK;
    }
    default: /* a REQUEST: this version has no server-initiated requests */
        return sr_break(c, SR_ERR_PROTOCOL, "server sent a frame of kind %u, which clients never receive", f->kind);
    }
}

static int read_frames(sr_client *c);

int sr_client_read_some(sr_client *c) {
    if (c->state == SR_CONN_BROKEN) return sr_set_err(c, SR_ERR_NOT_CONNECTED, "not connected");
    int err = read_frames(c);
    /* A PING's PONG must go out promptly, not wait for the caller's next request. */
    if (!err && c->state != SR_CONN_BROKEN && c->out_sent < c->out_length && c->throttled_until_ms <= sr_now_ms())
        err = sr_client_write_some(c, NULL);
    return err;
}

static int read_frames(sr_client *c) {
    uint8_t buf[65536];
    /* A bounded number of reads per call keeps one busy connection from starving others. */
    for (int round = 0; round < 16; round++) {
        ssize_t n = sr_transport_recv(c, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return SR_OK;
        if (n < 0 && errno == EPROTO && c->tls) return sr_break(c, SR_ERR_TLS, "TLS recv: %s", c->tls_error);
        if (n < 0) return sr_break(c, SR_ERR_IO, "recv: %s", strerror(errno));
        if (n == 0) {
            if (sr_reader_finish(c->reader) == SR_READ_ERROR)
                return sr_break(c, SR_ERR_PROTOCOL, "%s", sr_reader_errstr(c->reader));
            if (c->state == SR_CONN_GOAWAY) return sr_break(c, SR_ERR_GOAWAY, "%s (connection closed)", c->errstr);
            return sr_break(c, SR_ERR_EOF, "server closed the connection");
        }
        c->stats[SR_STAT_BYTES_RECEIVED] += (uint64_t)n;
        if (sr_reader_feed(c->reader, buf, (size_t)n)) return sr_break(c, SR_ERR_OOM, "out of memory");
        for (;;) {
            sr_frame *f;
            sr_read got = sr_reader_get(c->reader, &f);
            if (got == SR_READ_NEED_MORE) break;
            if (got == SR_READ_ERROR)
                return sr_break(c, SR_ERR_PROTOCOL, "%s: %s", sr_status_name(sr_reader_status(c->reader)),
                                sr_reader_errstr(c->reader));
            int err = handle_frame(c, f);
            sr_frame_free(f);
            if (c->state == SR_CONN_BROKEN) return c->err;
            if (err) return err;
        }
        /* A short read emptied the socket; TLS returns one record per read, so go on. */
        if ((size_t)n < sizeof buf && !c->tls) return SR_OK;
    }
    return SR_OK;
}

int sr_io_wait_once(sr_client *c, uint64_t deadline_ms) {
    uint64_t now = sr_now_ms();
    int want_write = c->out_sent < c->out_length;
    int timeout = -1;
    if (deadline_ms) {
        if (now >= deadline_ms) return SR_ERR_TIMEOUT;
        timeout = (int)(deadline_ms - now);
    }
    /* Honour THROTTLED's retry_after_ms: send nothing until it has passed. */
    if (want_write && c->throttled_until_ms > now) {
        want_write = 0;
        int wait = (int)(c->throttled_until_ms - now);
        if (timeout < 0 || wait < timeout) timeout = wait;
    }
    /* TLS may hold decrypted bytes poll cannot see: read them without waiting. */
    if (sr_transport_buffered(c) > 0) return sr_client_read_some(c);
    int out = (want_write && !c->tls_write_wants_read) || c->tls_wants_write;
    struct pollfd pfd = {.fd = c->fd, .events = (short)(POLLIN | (out ? POLLOUT : 0))};
    int n = poll(&pfd, 1, timeout);
    if (n < 0) {
        if (errno == EINTR) return SR_OK;
        return sr_break(c, SR_ERR_IO, "poll: %s", strerror(errno));
    }
    if (n == 0) return SR_OK; /* the caller checks its deadline */
    if (pfd.revents & (POLLOUT | POLLERR)) {
        int err = sr_client_write_some(c, NULL);
        if (err && c->state == SR_CONN_BROKEN) return err;
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR) || (c->tls_wants_write && (pfd.revents & POLLOUT)))
        return sr_client_read_some(c);
    return SR_OK;
}
