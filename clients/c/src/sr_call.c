/* Calls: the pipelined append/get API and the blocking one-call-per-RPC API built on it. */
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"
#include "sr_methods.h"

static uint64_t deadline_for(sr_client *c, int timeout_ms) {
    if (timeout_ms == SR_TIMEOUT_DEFAULT) timeout_ms = c->opts.call_timeout_ms;
    return timeout_ms > 0 ? sr_now_ms() + (uint64_t)timeout_ms : 0;
}

int sr_append(sr_client *c, int method, const ProtobufCMessage *request, uint32_t *request_id) {
    const sr_method_info *info = sr_method_lookup(method);
    if (!info || method == SR_METHOD_HELLO)
        return sr_set_err(c, SR_ERR_ARGUMENT, "method %d is not a method this client can call", method);
    if (!request || request->descriptor != info->request)
        return sr_set_err(c, SR_ERR_ARGUMENT, "%s takes a %s", info->name, info->request->name);
    if (c->state == SR_CONN_GOAWAY)
        return sr_set_err(c, SR_ERR_GOAWAY, "the server sent GOAWAY: open a new connection for new requests");
    if (c->state != SR_CONN_READY) return sr_set_err(c, SR_ERR_NOT_CONNECTED, "not connected: %s", c->errstr);
    uint32_t id;
    if (sr_pending_add(&c->pending, method, &id)) return sr_set_err(c, SR_ERR_OOM, "out of memory");
    int err = sr_io_encode(c, SR_FRAME_REQUEST, (uint16_t)method, id, request, NULL, 0);
    if (err) {
        sr_pending_remove(&c->pending, sr_pending_find(&c->pending, id));
        return err;
    }
    if (request_id) *request_id = id;
    c->err = SR_OK;
    return SR_OK;
}

size_t sr_pending(const sr_client *c) { return c->pending.live; }

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

sr_reply *sr_call(sr_client *c, int method, const ProtobufCMessage *request, int timeout_ms) {
    uint64_t deadline = deadline_for(c, timeout_ms);
    /* After GOAWAY a new connection is the way on, once nothing is left to read here. */
    int stale = c->state == SR_CONN_BROKEN || (c->state == SR_CONN_GOAWAY && c->pending.live == 0);
    if (stale && c->opts.auto_reconnect && sr_client_reconnect(c)) return NULL;
    for (int attempt = 0;; attempt++) {
        uint32_t id;
        if (sr_append(c, method, request, &id)) return NULL;
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

#define SR_DEFINE_RPC(snake, Camel, id, request_descriptor, response_descriptor)                      \
    sr_reply *sr_##snake(sr_client *c, const Srp__##Camel##Request *request, int timeout_ms) {       \
        return sr_call(c, id, request ? &request->base : NULL, timeout_ms);                         \
    }
/* Every rpc but Hello, which only the handshake sends (generated/sr_methods_generated.h). */
SR_CALL_LIST(SR_DEFINE_RPC)
