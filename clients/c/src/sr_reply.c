/* Replies: a RESPONSE's status, plain body, and the message parsed on first use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"
#include "sr_methods.h"

sr_reply *sr_reply_new(uint32_t request_id, int method, unsigned status) {
    sr_reply *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->request_id = request_id;
    r->method = method;
    r->status = status;
    return r;
}

sr_reply *sr_reply_from_frame(sr_client *c, const sr_frame *frame, int method) {
    sr_reply *r = sr_reply_new(frame->request_id, method, frame->code);
    if (!r) return NULL;
    char why[160];
    unsigned status = sr_frame_plain_body(frame, c->lz4, c->max_frame_size, &r->body, &r->body_length, why, sizeof why);
    if (status != SR_STATUS_OK) {
        /* The server's answer is unusable, but the framing is intact: fail this call only. */
        r->status = status;
        r->local_message = strdup(why);
        return r;
    }
    if (r->status != SR_STATUS_OK) {
        r->error = srp__error_body__unpack(NULL, r->body_length, r->body);
    }
    return r;
}

void sr_reply_free(sr_reply *reply) {
    if (!reply) return;
    if (reply->message) protobuf_c_message_free_unpacked(reply->message, NULL);
    if (reply->error) srp__error_body__free_unpacked(reply->error, NULL);
    free(reply->local_message);
    free(reply->body);
    free(reply);
}

uint32_t sr_reply_request_id(const sr_reply *reply) { return reply->request_id; }
int sr_reply_method(const sr_reply *reply) { return reply->method; }
unsigned sr_reply_status(const sr_reply *reply) { return reply->status; }

const char *sr_reply_error_message(const sr_reply *reply) {
    if (reply->local_message) return reply->local_message;
    if (reply->error && reply->error->message) return reply->error->message;
    return "";
}

uint32_t sr_reply_retry_after_ms(const sr_reply *reply) { return reply->error ? reply->error->retry_after_ms : 0; }

size_t sr_reply_error_detail_count(const sr_reply *reply) { return reply->error ? reply->error->n_details : 0; }

const char *sr_reply_error_detail(const sr_reply *reply, size_t index) {
    if (!reply->error) return NULL;
    /* Details are keyed "0", "1", ... but protobuf maps have no wire order: look the key up. */
    char key[24];
    snprintf(key, sizeof key, "%zu", index);
    for (size_t i = 0; i < reply->error->n_details; i++) {
        if (strcmp(reply->error->details[i]->key, key) == 0) return reply->error->details[i]->value;
    }
    return NULL;
}

const ProtobufCMessage *sr_reply_message(sr_reply *reply) {
    if (reply->status != SR_STATUS_OK) return NULL;
    if (!reply->parse_tried) {
        reply->parse_tried = 1;
        const sr_method_info *info = sr_method_lookup(reply->method);
        if (info) reply->message = protobuf_c_message_unpack(info->response, NULL, reply->body_length, reply->body);
    }
    return reply->message;
}

const uint8_t *sr_reply_body(const sr_reply *reply, size_t *length) {
    if (length) *length = reply->body_length;
    return reply->body;
}
