/* The err/errstr pair, the clock, and breaking a connection: what both the connection life
 * (sr_client.c) and the socket I/O (sr_io.c) need, kept apart so they do not depend on each
 * other. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sr_client_internal.h"

uint64_t sr_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int vset_err(sr_client *c, int err, const char *format, va_list args) {
    /* Through a copy: messages often wrap the previous one ("handshake: %s", c->errstr). */
    char message[sizeof c->errstr];
    c->err = err;
    vsnprintf(message, sizeof message, format, args);
    memcpy(c->errstr, message, sizeof message);
    return err;
}

int sr_set_err(sr_client *c, int err, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vset_err(c, err, format, args);
    va_end(args);
    return err;
}

void sr_close_socket(sr_client *c) {
    sr_transport_close(c);
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->state = SR_CONN_BROKEN;
    c->out_length = c->out_sent = 0;
    /* Nothing pending will be answered now; replies already read stay takeable. */
    sr_pending_clear(&c->pending);
    /* Nor will any watch send more: batches already queued stay takeable. */
    if (c->watches) sr_watch_connection_closed(c);
}

int sr_break(sr_client *c, int err, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vset_err(c, err, format, args);
    va_end(args);
    sr_close_socket(c);
    return err;
}

