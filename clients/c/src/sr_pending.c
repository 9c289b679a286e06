/* Pending requests (a ring indexed by request id) and the queue of replies read but not
 * yet taken. Replies may come in any order; both structures make matching O(1) for the
 * common in-order case and never scan the whole pipeline. */
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"

/* Ids run 1, 2, 3, ... wrapping after 2^32 - 1 and skipping 0 (docs/PROTOCOL.md 6):
 * GOAWAY uses 0 for "no request". */
static uint32_t next_after(uint32_t id) { return id == UINT32_MAX ? 1 : id + 1; }

static int grow(sr_pending_ring *p) {
    uint32_t capacity = p->capacity ? p->capacity * 2 : 256;
    if (capacity == 0) return SR_ERR_OOM; /* 2^32 requests in flight: cannot happen */
    sr_pending_slot *slots = calloc(capacity, sizeof *slots);
    if (!slots) return SR_ERR_OOM;
    for (uint32_t i = 0; i < p->capacity; i++) {
        if (p->slots[i].live) slots[p->slots[i].id & (capacity - 1)] = p->slots[i];
    }
    free(p->slots);
    p->slots = slots;
    p->capacity = capacity;
    return SR_OK;
}

int sr_pending_add(sr_pending_ring *p, int method, uint32_t *id) {
    if (p->next_id == 0) p->next_id = p->oldest = 1;
    /* The window [oldest, next_id] must fit the ring. */
    while (p->capacity == 0 || (uint32_t)(p->next_id - p->oldest) >= p->capacity - 1) {
        int err = grow(p);
        if (err) return err;
    }
    uint32_t assigned = p->next_id;
    sr_pending_slot *slot = &p->slots[assigned & (p->capacity - 1)];
    slot->id = assigned;
    slot->method = (int16_t)method;
    slot->live = 1;
    slot->abandoned = 0;
    p->live++;
    p->next_id = next_after(assigned);
    *id = assigned;
    return SR_OK;
}

sr_pending_slot *sr_pending_find(sr_pending_ring *p, uint32_t id) {
    if (!p->capacity || id == 0) return NULL;
    if ((uint32_t)(id - p->oldest) >= (uint32_t)(p->next_id - p->oldest)) return NULL;
    sr_pending_slot *slot = &p->slots[id & (p->capacity - 1)];
    return slot->live && slot->id == id ? slot : NULL;
}

void sr_pending_remove(sr_pending_ring *p, sr_pending_slot *slot) {
    if (slot->abandoned)
        p->abandoned--;
    else
        p->live--;
    slot->live = 0;
    /* Advance the window past answered requests so it stays as short as the pipeline. */
    while (p->oldest != p->next_id && !p->slots[p->oldest & (p->capacity - 1)].live) p->oldest = next_after(p->oldest);
}

void sr_pending_clear(sr_pending_ring *p) {
    if (p->slots) memset(p->slots, 0, p->capacity * sizeof *p->slots);
    p->oldest = p->next_id;
    p->live = p->abandoned = 0;
}

void sr_ready_push(sr_client *c, sr_reply *reply) {
    reply->next = NULL;
    if (c->ready_tail)
        c->ready_tail->next = reply;
    else
        c->ready_head = reply;
    c->ready_tail = reply;
    c->ready_count++;
}

sr_reply *sr_ready_take(sr_client *c, int any, uint32_t id) {
    sr_reply *previous = NULL;
    for (sr_reply *r = c->ready_head; r; previous = r, r = r->next) {
        if (!any && r->request_id != id) continue;
        if (previous)
            previous->next = r->next;
        else
            c->ready_head = r->next;
        if (c->ready_tail == r) c->ready_tail = previous;
        c->ready_count--;
        r->next = NULL;
        return r;
    }
    return NULL;
}
