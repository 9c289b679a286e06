/* Calls: the pipelined append/get API and the blocking one-call-per-RPC API built on it. */
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"
#include "sr_methods.h"

static uint64_t deadline_for(sr_client *c, int timeout_ms) {
    if (timeout_ms == SR_TIMEOUT_DEFAULT) timeout_ms = c->opts.call_timeout_ms;
    return timeout_ms > 0 ? sr_now_ms() + (uint64_t)timeout_ms : 0;
}

/* Appends one REQUEST: a protobuf-c message (checked against the method table) or, with
 * message NULL, serialized bytes for any method id but Hello's. budget_ms: the DEADLINE. */
static int append_request(sr_client *c, int method, const ProtobufCMessage *message, const uint8_t *raw,
                          size_t raw_length, uint32_t budget_ms, uint32_t *request_id) {
    if (message || !raw) {
        const sr_method_info *info = sr_method_lookup(method);
        if (!info || method == SR_METHOD_HELLO)
            return sr_set_err(c, SR_ERR_ARGUMENT, "method %d is not a method this client can call", method);
        if (!message || message->descriptor != info->request)
            return sr_set_err(c, SR_ERR_ARGUMENT, "%s takes a %s", info->name, info->request->name);
    } else if (method <= SR_METHOD_HELLO || method > 65535) {
        return sr_set_err(c, SR_ERR_ARGUMENT, "method %d is not a method this client can call", method);
    }
    if (c->state == SR_CONN_GOAWAY)
        return sr_set_err(c, SR_ERR_GOAWAY, "the server sent GOAWAY: open a new connection for new requests");
    if (c->state != SR_CONN_READY) return sr_set_err(c, SR_ERR_NOT_CONNECTED, "not connected: %s", c->errstr);
    uint32_t id;
    if (sr_pending_add(&c->pending, method, &id)) return sr_set_err(c, SR_ERR_OOM, "out of memory");
    /* An open watch keeps its id for as long as it lives (PROTOCOL.md 19.1); ids wrap only
     * after 2^32 requests, so this loop runs at most a few times in a connection's life. */
    while (c->watches && sr_watch_id_reserved(c, id)) {
        uint32_t reserved = id;
        if (sr_pending_add(&c->pending, method, &id)) return sr_set_err(c, SR_ERR_OOM, "out of memory");
        sr_pending_remove(&c->pending, sr_pending_find(&c->pending, reserved));
    }
    int err = sr_io_encode(c, SR_FRAME_REQUEST, (uint16_t)method, id, message, raw, raw_length,
                           c->deadlines ? budget_ms : 0);
    if (err) {
        sr_pending_remove(&c->pending, sr_pending_find(&c->pending, id));
        return err;
    }
    if (request_id) *request_id = id;
    c->err = SR_OK;
    return SR_OK;
}

int sr_append(sr_client *c, int method, const ProtobufCMessage *request, uint32_t *request_id) {
    if (!request) return sr_set_err(c, SR_ERR_ARGUMENT, "no request message");
    return append_request(c, method, request, NULL, 0, c->append_deadline_ms, request_id);
}

int sr_append_bytes(sr_client *c, int method, const uint8_t *request, size_t request_length, uint32_t *request_id) {
    static const uint8_t empty[1];
    if (!request && request_length) return sr_set_err(c, SR_ERR_ARGUMENT, "no request bytes");
    return append_request(c, method, NULL, request ? request : empty, request_length, c->append_deadline_ms,
                          request_id);
}

int sr_client_set_append_deadline_ms(sr_client *c, uint32_t ms) {
    c->append_deadline_ms = ms;
    return SR_OK;
}

/* Unanswered requests plus replies read and not taken: what sr_get_reply can still return.
 * (Counting only the first left a loop on `sr_pending(c) > 0` stopping as soon as one read
 * had turned the rest of a pipeline into ready replies.) */
size_t sr_pending(const sr_client *c) { return c->pending.live + c->ready_count; }

/* Waits until a reply (any, or the one with `id`) is ready. */
static int wait_reply(sr_client *c, int any, uint32_t id, uint64_t deadline, sr_reply **reply) {
    *reply = NULL;
    for (;;) {
        if ((*reply = sr_ready_take(c, any, id)) != NULL) {
            c->err = SR_OK;
            return SR_OK;
        }
        int waiting = any ? c->pending.live > 0 : sr_pending_find(&c->pending, id) != NULL;
        if (!waiting) {
            /* Dropped by a broken connection: report why rather than "no such request". */
            if (c->state == SR_CONN_BROKEN && c->err) return c->err;
            return sr_set_err(c, SR_ERR_NO_SUCH_REQUEST, any ? "no request is pending" : "request %u is not pending",
                              id);
        }
        if (c->state == SR_CONN_BROKEN) return c->err ? c->err : SR_ERR_NOT_CONNECTED;
        int err = sr_io_wait_once(c, deadline);
        /* Other errors broke the connection: the top of the loop takes a reply that made it
         * in before the break, or reports the error. */
        if (err == SR_ERR_TIMEOUT) return sr_set_err(c, SR_ERR_TIMEOUT, "no reply within the timeout");
    }
}

int sr_get_reply(sr_client *c, int timeout_ms, sr_reply **reply) {
    return wait_reply(c, 1, 0, deadline_for(c, timeout_ms), reply);
}

int sr_get_reply_for(sr_client *c, uint32_t request_id, int timeout_ms, sr_reply **reply) {
    return wait_reply(c, 0, request_id, deadline_for(c, timeout_ms), reply);
}

int sr_take_ready_reply(sr_client *c, sr_reply **reply) {
    *reply = sr_ready_take(c, 1, 0);
    return SR_OK;
}

/* The blocking call behind sr_call, sr_call_raw and every sr_<rpc>. */
static sr_reply *call(sr_client *c, int method, const ProtobufCMessage *message, const uint8_t *raw,
                      size_t raw_length, int timeout_ms) {
    uint64_t deadline = deadline_for(c, timeout_ms);
    /* After GOAWAY a new connection is the way on, once nothing is left to read here. */
    int stale = c->state == SR_CONN_BROKEN || (c->state == SR_CONN_GOAWAY && c->pending.live == 0);
    if (stale && c->opts.auto_reconnect && sr_client_reconnect(c)) return NULL;
    for (int attempt = 0;; attempt++) {
        uint32_t id, budget = 0;
        if (deadline) {
            /* The time left is the server's budget (at least 1 ms: 0 would mean none). */
            uint64_t now = sr_now_ms();
            budget = now < deadline ? (uint32_t)(deadline - now) : 1;
        }
        if (append_request(c, method, message, raw, raw_length, budget, &id)) return NULL;
        sr_reply *reply;
        int err = wait_reply(c, 0, id, deadline, &reply);
        if (err) {
            /* Timed out: the answer may still come; drop it then instead of keeping it. */
            sr_pending_slot *slot = sr_pending_find(&c->pending, id);
            if (slot && !slot->abandoned) {
                slot->abandoned = 1;
                c->pending.live--;
                c->pending.abandoned++;
            }
            return NULL;
        }
        unsigned status = sr_reply_status(reply);
        int retryable = status == SR_STATUS_THROTTLED || status == SR_STATUS_OVERLOADED;
        if (!retryable || attempt >= c->opts.throttle_retries) return reply;
        /* The wait itself happens in sr_io_wait_once, which writes nothing before
         * retry_after_ms has passed; a deadline shorter than that ends it as a timeout. */
        sr_reply_free(reply);
    }
}

sr_reply *sr_call(sr_client *c, int method, const ProtobufCMessage *request, int timeout_ms) {
    if (!request) {
        sr_set_err(c, SR_ERR_ARGUMENT, "no request message");
        return NULL;
    }
    return call(c, method, request, NULL, 0, timeout_ms);
}

sr_reply *sr_call_raw(sr_client *c, int method, const uint8_t *request, size_t request_length, int timeout_ms) {
    static const uint8_t empty[1];
    if (!request && request_length) {
        sr_set_err(c, SR_ERR_ARGUMENT, "no request bytes");
        return NULL;
    }
    return call(c, method, NULL, request ? request : empty, request_length, timeout_ms);
}

int sr_call_bytes(sr_client *c, int method, const uint8_t *request, size_t request_length, int timeout_ms,
                  uint8_t **response, size_t *response_length, unsigned *status) {
    if (response) *response = NULL;
    if (response_length) *response_length = 0;
    if (status) *status = 0;
    if (!response || !response_length || !status) return sr_set_err(c, SR_ERR_ARGUMENT, "NULL output argument");
    sr_reply *reply = sr_call_raw(c, method, request, request_length, timeout_ms);
    if (!reply) return c->err ? c->err : SR_ERR_ARGUMENT;
    *status = reply->status;
    if (reply->body_length > 0) {
        /* The reply's body is malloc'ed and not needed any more: hand it over. */
        *response = reply->body;
        *response_length = reply->body_length;
        reply->body = NULL;
        reply->body_length = 0;
    }
    sr_reply_free(reply);
    return SR_OK;
}

void sr_free(void *pointer) { free(pointer); }

#define SR_DEFINE_RPC(snake, Camel, id, request_descriptor, response_descriptor)                      \
    sr_reply *sr_##snake(sr_client *c, const Srp__##Camel##Request *request, int timeout_ms) {       \
        return sr_call(c, id, request ? &request->base : NULL, timeout_ms);                         \
    }
/* Every rpc but Hello, which only the handshake sends (generated/sr_methods_generated.h). */
SR_CALL_LIST(SR_DEFINE_RPC)
