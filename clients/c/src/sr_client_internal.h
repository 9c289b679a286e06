/* Internal: the client's state, shared by the files that implement it. Not installed. */
#ifndef SR_CLIENT_INTERNAL_H
#define SR_CLIENT_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>

#include "sr_wire.h"

struct sr_options {
    char *host;
    int port;
    char *api_key;
    char *client_name;
    int lz4;
    unsigned compression_threshold;
    int connect_timeout_ms;
    int call_timeout_ms;
    int throttle_retries;
    int auto_reconnect;
    int request_deadlines;
    int tls;
    char *tls_ca_file, *tls_cert_file, *tls_key_file, *tls_server_name;
    unsigned watch_queue_events;
    size_t schema_cache_bytes;
    size_t mutable_cache_entries;
};

struct sr_reply {
    struct sr_reply *next; /* the ready queue */
    uint32_t request_id;
    int method;
    unsigned status;
    uint8_t *body; /* plain body */
    size_t body_length;
    ProtobufCMessage *message; /* parsed on first use */
    int parse_tried;
    Srp__ErrorBody *error;      /* non-OK statuses with a parsable ErrorBody */
    char *local_message;        /* a status this client made up (BAD_COMPRESSION, GOAWAY) */
};

/* Requests sent and not yet answered, in a ring indexed by request id: ids are handed out
 * in order, so the live ones always lie in the window [oldest, next_id). */
typedef struct sr_pending_slot {
    uint32_t id;
    uint16_t method;
    uint8_t live;
    uint8_t abandoned; /* its blocking call timed out: drop the answer when it comes */
} sr_pending_slot;

typedef struct sr_pending_ring {
    sr_pending_slot *slots;
    uint32_t capacity; /* a power of two */
    uint32_t oldest;
    uint32_t next_id;
    size_t live; /* not abandoned */
    size_t abandoned;
} sr_pending_ring;

enum sr_conn_state { SR_CONN_BROKEN = 0, SR_CONN_READY = 1, SR_CONN_GOAWAY = 2 };

/* The schema cache (sr_cache.c): a hash of ids plus a least-recently-used list. */
typedef struct sr_cache_entry sr_cache_entry;
typedef struct sr_schema_cache {
    size_t max_bytes, bytes, count;
    sr_cache_entry **buckets;
    size_t bucket_count; /* a power of two, or 0 before the first entry */
    sr_cache_entry *newest, *oldest;
    Srp__Schema *uncached; /* the last answer not cached (cache off, or too large): borrowed out */
} sr_schema_cache;

/* The mutable cache (sr_mcache.c): versions, config and mode, kept exact by an internal
 * watch. A hash of (kind, subject, version, flag) plus a least-recently-used list. */
typedef struct sr_mcache_entry sr_mcache_entry;
typedef struct sr_mutable_cache {
    size_t max_entries, count;
    sr_mcache_entry **buckets;
    size_t bucket_count; /* a power of two, or 0 before the first entry */
    sr_mcache_entry *newest, *oldest;
    sr_watch *watch;               /* the internal watch, open or ended; NULL before the first */
    uint64_t attempted_connection; /* the connection (sr_mcache_connection) last tried on */
    unsigned last_status;
    Srp__SchemaVersion *uncached; /* the last answer not kept: borrowed out */
} sr_mutable_cache;

struct sr_client {
    struct sr_options opts;
    int fd;
    enum sr_conn_state state;
    int err;
    char errstr[256];
    sr_reader *reader;

    uint8_t *out; /* frames appended and not yet written */
    size_t out_length, out_sent, out_capacity;
    uint8_t *scratch; /* packed plain bodies waiting to be compressed */
    size_t scratch_capacity;

    int lz4;
    int deadlines;               /* the option is on and HELLO_OK said request_deadlines */
    uint32_t append_deadline_ms; /* carried by sr_append/sr_append_bytes requests */
    void *tls;                   /* the OpenSSL connection (SSL *), NULL for plain TCP */
    int tls_wants_write;         /* a TLS read needs the socket writable first */
    int tls_write_wants_read;    /* a TLS write needs the socket readable first */
    char tls_error[200];         /* the last TLS failure, for the message on the client */
    uint32_t max_frame_size, max_in_flight, compression_threshold;
    char *server_id, *server_version;
    uint32_t goaway_last_id;
    uint64_t throttled_until_ms; /* honour retry_after_ms: write nothing before this */

    sr_pending_ring pending;
    sr_reply *ready_head, *ready_tail;
    size_t ready_count;
    uint64_t stats[16];

    sr_watch *watches;           /* every watch not yet freed, open or ended (sr_watch.c) */
    int watch_available;         /* HELLO_OK said watch */
    unsigned watch_start_status; /* the status of the last refused sr_watch_start */
    sr_schema_cache cache;
    sr_mutable_cache mcache;
    uint64_t connections; /* handshakes completed: which connection a watch was started on */
};

int sr_options_copy(struct sr_options *to, const struct sr_options *from);
void sr_options_release(struct sr_options *o);

/* errors, the clock, breaking a connection (sr_errors.c) */
int sr_set_err(sr_client *c, int err, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Marks the connection broken, closes it and drops every pending request. */
int sr_break(sr_client *c, int err, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
uint64_t sr_now_ms(void);
/* Closes the socket and drops every pending request (replies already read stay takeable). */
void sr_close_socket(sr_client *c);

/* pending ring and ready queue (sr_pending.c) */
int sr_pending_add(sr_pending_ring *p, int method, uint32_t *id);
sr_pending_slot *sr_pending_find(sr_pending_ring *p, uint32_t id);
void sr_pending_remove(sr_pending_ring *p, sr_pending_slot *slot);
void sr_pending_clear(sr_pending_ring *p);
void sr_ready_push(sr_client *c, sr_reply *reply);
sr_reply *sr_ready_take(sr_client *c, int any, uint32_t id);

/* replies (sr_reply.c) */
sr_reply *sr_reply_new(uint32_t request_id, int method, unsigned status);
/* A reply from a RESPONSE frame: decompresses, parses an ErrorBody for non-OK statuses. */
sr_reply *sr_reply_from_frame(sr_client *c, const sr_frame *frame, int method);

/* I/O (sr_io.c): one pass of poll and the socket work it allows; deadline 0 = none.
 * sr_io_encode: budget_ms > 0 on a REQUEST sets the DEADLINE flag (the caller checks that
 * the connection has deadlines). */
int sr_io_encode(sr_client *c, uint8_t kind, uint16_t code, uint32_t request_id, const ProtobufCMessage *message,
                 const uint8_t *raw_body, size_t raw_length, uint32_t budget_ms);
int sr_io_wait_once(sr_client *c, uint64_t deadline_ms);

/* The transport (sr_transport.c): plain TCP or TLS over the non-blocking socket. Both
 * return bytes moved (> 0), 0 at EOF (recv only), or -1 with errno (EAGAIN when the socket
 * is not ready; EPROTO for a TLS failure, with the reason in *why when given). */
ssize_t sr_transport_send(sr_client *c, const uint8_t *bytes, size_t length);
ssize_t sr_transport_recv(sr_client *c, uint8_t *bytes, size_t length);
/* Bytes the TLS layer decrypted and holds already (poll would not see them). */
size_t sr_transport_buffered(const sr_client *c);
/* The TLS handshake on c->fd (after TCP connect) within deadline; SR_OK or SR_ERR_TLS. */
int sr_transport_tls_connect(sr_client *c, uint64_t deadline);
/* Frees the TLS state (the socket is closed by the caller). */
void sr_transport_close(sr_client *c);

/* watches (sr_watch.c). A RESPONSE answering no pending request may belong to an open watch:
 * sr_watch_route queues it there (or ends the watch) and returns 1, else 0. */
int sr_watch_route(sr_client *c, const sr_frame *frame);
/* The Watch request `id` was answered with `status`: an OK opens its watch. */
void sr_watch_answered(sr_client *c, uint32_t id, unsigned status);
/* A Watch whose caller gave up was answered OK: unwatch it (fire and forget). */
void sr_watch_unwatch_orphan(sr_client *c, uint32_t id);
/* 1 if `id` is the request id of an open watch (not to be handed out again). */
int sr_watch_id_reserved(const sr_client *c, uint32_t id);
/* The connection closed: every open watch ends with the client's error. */
void sr_watch_connection_closed(sr_client *c);
/* The client is being freed: watches forget it. */
void sr_watch_detach_all(sr_client *c);

/* schema cache (sr_cache.c) */
void sr_cache_release(sr_schema_cache *cache);
/* mutable cache (sr_mcache.c): frees entries and the internal watch (after the watches were
 * detached, so nothing is sent). */
void sr_mcache_release(sr_client *c);

#endif
