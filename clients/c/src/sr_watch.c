/* Watch (docs/PROTOCOL.md 19): the one request answered more than once. The Watch request goes
 * through the pending ring like any other, so its first answer (the WatchResponse) reaches
 * sr_watch_start as an ordinary reply; that answer also opens the watch (sr_watch_answered,
 * called by the frame handler in order, so events read in the same pass are not lost), and from
 * then on RESPONSEs under its id answer no pending request and are routed here
 * (sr_watch_route), queued on the watch until sr_watch_next takes them. The id leaves the ring
 * at once, so a long-lived watch does not hold the ring's window open; sr_watch_id_reserved
 * keeps it from being handed out again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"

enum watch_state { WATCH_STARTING, WATCH_OPEN, WATCH_ENDED };

typedef struct batch {
    struct batch *next;
    Srp__WatchEvents *events;
} batch;

struct sr_watch {
    sr_client *client; /* NULL once the client was freed */
    sr_watch *next;    /* the client's list */
    uint32_t request_id;
    enum watch_state state;
    char *log_id;
    uint64_t position;
    int resync;
    batch *head, *tail;
    size_t queued_events;
    uint64_t dropped_events;
    int resync_pending; /* the queue bound dropped batches: a RESYNC comes next */
    uint64_t resync_position;
    int end_err;         /* what sr_watch_next returns once the queue is empty */
    unsigned end_status; /* the status of the RESPONSE that ended it, or 0 */
    char end_message[256];
};

static sr_watch *find(const sr_client *c, uint32_t id, enum watch_state state) {
    for (sr_watch *w = c->watches; w; w = w->next)
        if (w->request_id == id && w->state == state) return w;
    return NULL;
}

static void end_watch(sr_watch *w, int err, unsigned status, const char *message) {
    if (w->state == WATCH_ENDED) return;
    w->state = WATCH_ENDED;
    w->end_err = err;
    w->end_status = status;
    snprintf(w->end_message, sizeof w->end_message, "%s", message);
}

static void unlink_watch(sr_watch *w) {
    if (!w->client) return;
    for (sr_watch **p = &w->client->watches; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    w->next = NULL;
}

static void drop_queue(sr_watch *w) {
    while (w->head) {
        batch *b = w->head;
        w->head = b->next;
        srp__watch_events__free_unpacked(b->events, NULL);
        free(b);
    }
    w->tail = NULL;
    w->queued_events = 0;
}

/* A batch counts as its events, and an empty one (it only moves the position) as one, so
 * that no kind of batch can pile up without bound. */
static size_t weight(const Srp__WatchEvents *e) { return e->n_events ? e->n_events : 1; }

static void enqueue(sr_client *c, sr_watch *w, Srp__WatchEvents *events) {
    size_t limit = c->opts.watch_queue_events ? c->opts.watch_queue_events : 1024;
    if (w->queued_events + weight(events) > limit) {
        /* Nobody reads this watch while the client works: rather than hold memory without
         * bound, drop what is queued and tell the reader it missed changes (RESYNC), exactly
         * as the server does for a slow socket (PROTOCOL.md 19.4). */
        w->dropped_events += w->queued_events + events->n_events;
        w->resync_pending = 1;
        if (events->position > w->resync_position) w->resync_position = events->position;
        for (batch *b = w->head; b; b = b->next)
            if (b->events->position > w->resync_position) w->resync_position = b->events->position;
        drop_queue(w);
        srp__watch_events__free_unpacked(events, NULL);
        return;
    }
    batch *b = malloc(sizeof *b);
    if (!b) {
        /* Out of memory: the same answer as an overflow, without the batch. */
        w->dropped_events += events->n_events;
        w->resync_pending = 1;
        if (events->position > w->resync_position) w->resync_position = events->position;
        srp__watch_events__free_unpacked(events, NULL);
        return;
    }
    b->next = NULL;
    b->events = events;
    if (w->tail)
        w->tail->next = b;
    else
        w->head = b;
    w->tail = b;
    w->queued_events += weight(events);
}

int sr_watch_route(sr_client *c, const sr_frame *f) {
    sr_watch *w = find(c, f->request_id, WATCH_OPEN);
    if (!w) return 0; /* an Unwatch'ed watch's stragglers, or a request dropped by a reconnect */
    sr_reply *r = sr_reply_from_frame(c, f, SR_METHOD_WATCH);
    if (!r) {
        sr_break(c, SR_ERR_OOM, "out of memory for watch events");
        return 1;
    }
    if (r->status != SR_STATUS_OK) {
        char message[200];
        snprintf(message, sizeof message, "the server ended watch %u: %s (%u): %s", w->request_id,
                 sr_status_name(r->status), r->status, sr_reply_error_message(r));
        end_watch(w, SR_ERR_WATCH_ENDED, r->status, message);
    } else {
        Srp__WatchEvents *events = srp__watch_events__unpack(NULL, r->body_length, r->body);
        if (events) {
            enqueue(c, w, events);
        } else {
            /* The framing is intact, but a batch is lost: tell the reader (RESYNC). */
            w->resync_pending = 1;
        }
    }
    sr_reply_free(r);
    return 1;
}

void sr_watch_answered(sr_client *c, uint32_t id, unsigned status) {
    sr_watch *w = find(c, id, WATCH_STARTING);
    if (w && status == SR_STATUS_OK) w->state = WATCH_OPEN;
}

void sr_watch_unwatch_orphan(sr_client *c, uint32_t id) {
    Srp__UnwatchRequest req = SRP__UNWATCH_REQUEST__INIT;
    req.watch_request_id = id;
    uint32_t unwatch_id;
    int saved_err = c->err;
    char saved[sizeof c->errstr];
    memcpy(saved, c->errstr, sizeof saved);
    if (sr_append(c, SR_METHOD_UNWATCH, &req.base, &unwatch_id) == SR_OK) {
        /* Nobody waits for the answer either: drop it when it comes. */
        sr_pending_slot *slot = sr_pending_find(&c->pending, unwatch_id);
        if (slot) {
            slot->abandoned = 1;
            c->pending.live--;
            c->pending.abandoned++;
        }
    }
    /* Best effort, from inside the frame handler: leave the caller's error as it was. */
    c->err = saved_err;
    memcpy(c->errstr, saved, sizeof saved);
}

int sr_watch_id_reserved(const sr_client *c, uint32_t id) {
    for (sr_watch *w = c->watches; w; w = w->next)
        if (w->request_id == id && w->state != WATCH_ENDED) return 1;
    return 0;
}

/* The errors that break a connection are what its watches end with; anything else on the
 * client (a reconnect after an earlier timeout, ...) is not why they ended, and a TIMEOUT from
 * sr_watch_next would read as "the watch goes on". */
static int closing_error(const sr_client *c) {
    switch (c->err) {
    case SR_ERR_IO: case SR_ERR_EOF: case SR_ERR_PROTOCOL: case SR_ERR_GOAWAY: case SR_ERR_TLS: case SR_ERR_OOM:
        return c->err;
    default:
        return SR_ERR_NOT_CONNECTED;
    }
}

void sr_watch_connection_closed(sr_client *c) {
    int err = closing_error(c);
    for (sr_watch *w = c->watches; w; w = w->next) {
        char message[200];
        snprintf(message, sizeof message, "the connection closed: %.150s",
                 err != SR_ERR_NOT_CONNECTED && c->errstr[0] ? c->errstr : "closed or reconnected by the client");
        end_watch(w, err, 0, message);
    }
}

void sr_watch_detach_all(sr_client *c) {
    while (c->watches) {
        sr_watch *w = c->watches;
        c->watches = w->next;
        end_watch(w, SR_ERR_NOT_CONNECTED, 0, "the client was freed");
        w->client = NULL;
        w->next = NULL;
    }
}

/* ------------------------------------------------------------------ the public API */

static uint64_t deadline_for(const sr_client *c, int timeout_ms) {
    if (timeout_ms == SR_TIMEOUT_DEFAULT) timeout_ms = c->opts.call_timeout_ms;
    return timeout_ms > 0 ? sr_now_ms() + (uint64_t)timeout_ms : 0;
}

int sr_watch_start(sr_client *c, const Srp__WatchRequest *request, int timeout_ms, sr_watch **out) {
    *out = NULL;
    if (!request) return sr_set_err(c, SR_ERR_ARGUMENT, "no WatchRequest");
    int stale = c->state == SR_CONN_BROKEN || (c->state == SR_CONN_GOAWAY && c->pending.live == 0);
    if (stale && c->opts.auto_reconnect && sr_client_reconnect(c)) return c->err;
    sr_watch *w = calloc(1, sizeof *w);
    if (!w) return sr_set_err(c, SR_ERR_OOM, "out of memory");
    uint32_t id;
    int err = sr_append(c, SR_METHOD_WATCH, &request->base, &id);
    if (err) {
        free(w);
        return err;
    }
    /* Linked before any I/O, so the answer finds it (and events read with it find it open). */
    w->client = c;
    w->request_id = id;
    w->state = WATCH_STARTING;
    w->next = c->watches;
    c->watches = w;
    sr_reply *r = NULL;
    err = sr_get_reply_for(c, id, timeout_ms, &r);
    if (err) {
        sr_pending_slot *slot = sr_pending_find(&c->pending, id);
        if (slot && !slot->abandoned) {
            /* A late WatchResponse is answered with an Unwatch (sr_watch_unwatch_orphan). */
            slot->abandoned = 1;
            c->pending.live--;
            c->pending.abandoned++;
        }
        unlink_watch(w);
        free(w);
        return err;
    }
    const Srp__WatchResponse *ok = SR_REPLY_AS(r, Srp__WatchResponse, SR_METHOD_WATCH);
    if (!ok) {
        unsigned status = sr_reply_status(r);
        c->watch_start_status = status ? status : SR_STATUS_INTERNAL;
        if (status == SR_STATUS_OK)
            sr_set_err(c, SR_ERR_REGISTRY, "Watch: the server's WatchResponse does not parse");
        else
            sr_set_err(c, SR_ERR_REGISTRY, "Watch refused: %s (%u): %s", sr_status_name(status), status,
                       sr_reply_error_message(r));
        /* An OK answer that did not parse opened the watch on the server: end it there. */
        if (w->state == WATCH_OPEN) sr_watch_unwatch_orphan(c, id);
        sr_reply_free(r);
        unlink_watch(w);
        drop_queue(w);
        free(w);
        return c->err;
    }
    w->log_id = strdup(ok->log_id ? ok->log_id : "");
    w->position = ok->position;
    w->resync = ok->resync;
    sr_reply_free(r);
    if (!w->log_id) {
        sr_watch_free(w);
        return sr_set_err(c, SR_ERR_OOM, "out of memory");
    }
    /* A connection that broke right after the answer has ended it already (state ENDED): the
     * caller learns that from sr_watch_next. */
    c->err = SR_OK;
    *out = w;
    return SR_OK;
}

unsigned sr_watch_start_status(const sr_client *c) { return c->watch_start_status; }

/* The batch the queue bound stands for: one RESYNC event. Packed and unpacked so that it is
 * freed like any batch the server sent. */
static Srp__WatchEvents *made_up_resync(uint64_t position) {
    Srp__WatchEvent event = SRP__WATCH_EVENT__INIT;
    Srp__WatchEvent *list[1] = {&event};
    Srp__WatchEvents batch_message = SRP__WATCH_EVENTS__INIT;
    event.type = SRP__WATCH_EVENT_TYPE__WATCH_EVENT_TYPE_RESYNC;
    event.position = position;
    batch_message.n_events = 1;
    batch_message.events = list;
    batch_message.position = position;
    uint8_t bytes[64];
    size_t length = srp__watch_events__pack(&batch_message, bytes);
    return srp__watch_events__unpack(NULL, length, bytes);
}

/* The next batch from the queue (or the RESYNC standing for dropped ones), if any. */
static int take(sr_watch *w, Srp__WatchEvents **events) {
    if (w->resync_pending) {
        *events = made_up_resync(w->resync_position > w->position ? w->resync_position : w->position);
        if (!*events) return 0;
        w->resync_pending = 0;
    } else if (w->head) {
        batch *b = w->head;
        w->head = b->next;
        if (!w->head) w->tail = NULL;
        w->queued_events -= weight(b->events);
        *events = b->events;
        free(b);
    } else {
        return 0;
    }
    if ((*events)->position > w->position) w->position = (*events)->position;
    return 1;
}

int sr_watch_next(sr_watch *w, int timeout_ms, Srp__WatchEvents **events) {
    *events = NULL;
    sr_client *c = w->client;
    uint64_t deadline = c ? deadline_for(c, timeout_ms) : 0;
    for (;;) {
        if (take(w, events)) {
            if (c) c->err = SR_OK;
            return SR_OK;
        }
        if (w->state == WATCH_ENDED) {
            if (c) sr_set_err(c, w->end_err, "%s", w->end_message);
            return w->end_err;
        }
        if (w->state != WATCH_OPEN || !c) return SR_ERR_ARGUMENT; /* cannot happen after sr_watch_start */
        /* Any frame may come: other calls' replies are kept for them, PINGs answered, events
         * queued; a broken connection ends the watch (sr_watch_connection_closed). */
        if (sr_io_wait_once(c, deadline) == SR_ERR_TIMEOUT)
            return sr_set_err(c, SR_ERR_TIMEOUT, "no watch events within the timeout");
    }
}

int sr_watch_take_ready(sr_watch *w, Srp__WatchEvents **events) {
    *events = NULL;
    if (take(w, events)) return SR_OK;
    if (w->state == WATCH_ENDED) {
        if (w->client) sr_set_err(w->client, w->end_err, "%s", w->end_message);
        return w->end_err;
    }
    return SR_OK;
}

void sr_watch_events_free(Srp__WatchEvents *events) {
    if (events) srp__watch_events__free_unpacked(events, NULL);
}

int sr_watch_stop(sr_watch *w, int timeout_ms) {
    sr_client *c = w->client;
    if (w->state != WATCH_OPEN || !c) return SR_OK;
    Srp__UnwatchRequest req = SRP__UNWATCH_REQUEST__INIT;
    req.watch_request_id = w->request_id;
    sr_reply *r = sr_unwatch(c, &req, timeout_ms);
    if (!r) return c->err ? c->err : SR_ERR_NOT_CONNECTED;
    /* OK, or 42209 (not an active watch: it ended meanwhile): either way nothing more comes,
     * and whatever the server sent before its answer is queued already. */
    char message[200];
    snprintf(message, sizeof message, "watch %u was unwatched", w->request_id);
    end_watch(w, SR_ERR_WATCH_ENDED, 0, message);
    sr_reply_free(r);
    c->err = SR_OK;
    return SR_OK;
}

void sr_watch_free(sr_watch *w) {
    if (!w) return;
    sr_client *c = w->client;
    if (c && w->state == WATCH_OPEN) {
        sr_watch_unwatch_orphan(c, w->request_id);
        /* Send it now if the socket takes it; otherwise with the client's next I/O. */
        if (c->state != SR_CONN_BROKEN) {
            int saved_err = c->err;
            sr_client_write_some(c, NULL);
            if (c->state != SR_CONN_BROKEN) c->err = saved_err;
        }
    }
    unlink_watch(w);
    drop_queue(w);
    free(w->log_id);
    free(w);
}

const char *sr_watch_log_id(const sr_watch *w) { return w->log_id ? w->log_id : ""; }
uint64_t sr_watch_position(const sr_watch *w) { return w->position; }
int sr_watch_resync(const sr_watch *w) { return w->resync; }
uint32_t sr_watch_request_id(const sr_watch *w) { return w->request_id; }
int sr_watch_is_open(const sr_watch *w) { return w->state == WATCH_OPEN; }
size_t sr_watch_queued_events(const sr_watch *w) { return w->queued_events; }
uint64_t sr_watch_dropped_events(const sr_watch *w) { return w->dropped_events; }
unsigned sr_watch_end_status(const sr_watch *w) { return w->end_status; }
