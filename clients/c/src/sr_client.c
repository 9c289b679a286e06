/* Connection life: connect with a timeout, the handshake (preface + HELLO with
 * credentials, HELLO_OK), reconnect, free. (Errors and the broken state: sr_errors.c, which
 * sr_io.c uses too, so that neither this file nor sr_io.c needs the other's internals.) */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sr_client_internal.h"

/* A non-blocking TCP connection to host:port within timeout_ms (0 = forever). */
static int open_socket(sr_client *c, uint64_t deadline) {
    char port[16];
    snprintf(port, sizeof port, "%d", c->opts.port);
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(c->opts.host, port, &hints, &found);
    if (rc != 0) return sr_set_err(c, SR_ERR_RESOLVE, "cannot resolve %s: %s", c->opts.host, gai_strerror(rc));
    int last_errno = 0;
    for (struct addrinfo *a = found; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        int one = 1;
        /* Small request frames must not wait for Nagle's timer. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int timeout = -1;
            if (deadline) {
                uint64_t now = sr_now_ms();
                timeout = now >= deadline ? 0 : (int)(deadline - now);
            }
            int ready;
            do ready = poll(&pfd, 1, timeout);
            while (ready < 0 && errno == EINTR);
            int so_error = 0;
            socklen_t len = sizeof so_error;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0) {
                freeaddrinfo(found);
                c->fd = fd;
                return SR_OK;
            }
            last_errno = ready == 0 ? ETIMEDOUT : so_error ? so_error : errno;
        } else {
            last_errno = errno;
        }
        close(fd);
    }
    freeaddrinfo(found);
    return sr_set_err(c, last_errno == ETIMEDOUT ? SR_ERR_TIMEOUT : SR_ERR_IO, "cannot connect to %s:%d: %s",
                      c->opts.host, c->opts.port, strerror(last_errno));
}

/* Handshake reads bypass the reply machinery: HELLO_OK answers no pending request. */
static int recv_into_reader(sr_client *c, uint64_t deadline) {
    struct pollfd pfd = {.fd = c->fd, .events = (short)(POLLIN | (c->tls_wants_write ? POLLOUT : 0))};
    int timeout = -1;
    if (deadline) {
        uint64_t now = sr_now_ms();
        if (now >= deadline) return sr_break(c, SR_ERR_TIMEOUT, "handshake: no HELLO_OK in time");
        timeout = (int)(deadline - now);
    }
    /* TLS may hold decrypted bytes already, which poll cannot see. */
    int ready = sr_transport_buffered(c) > 0 ? 1 : poll(&pfd, 1, timeout);
    if (ready < 0 && errno == EINTR) return SR_OK;
    if (ready < 0) return sr_break(c, SR_ERR_IO, "poll: %s", strerror(errno));
    if (ready == 0) return SR_OK;
    uint8_t buf[4096];
    ssize_t n = sr_transport_recv(c, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return SR_OK;
    /* With TLS 1.3 a server refusing the client's certificate says so only now (an alert). */
    if (n < 0 && errno == EPROTO && c->tls) return sr_break(c, SR_ERR_TLS, "TLS: %s", c->tls_error);
    if (n < 0) return sr_break(c, SR_ERR_HANDSHAKE, "handshake: recv: %s", strerror(errno));
    if (n == 0) return sr_break(c, SR_ERR_HANDSHAKE, "handshake: the server closed the connection");
    c->stats[SR_STAT_BYTES_RECEIVED] += (uint64_t)n;
    if (sr_reader_feed(c->reader, buf, (size_t)n)) return sr_break(c, SR_ERR_OOM, "out of memory");
    return SR_OK;
}

static int read_hello_ok(sr_client *c, uint64_t deadline) {
    for (;;) {
        sr_frame *f = NULL;
        sr_read got = sr_reader_get(c->reader, &f);
        if (got == SR_READ_ERROR)
            return sr_break(c, SR_ERR_HANDSHAKE, "handshake: %s", sr_reader_errstr(c->reader));
        if (got == SR_READ_FRAME) {
            int err = SR_OK;
            Srp__ErrorBody *e = NULL;
            Srp__HelloResponse *hello = NULL;
            if (f->kind == SR_FRAME_RESPONSE && f->code == SR_STATUS_OK && !(f->flags & SR_FLAG_LZ4) &&
                (hello = srp__hello_response__unpack(NULL, f->length, f->body)) != NULL) {
                c->lz4 = c->opts.lz4 && hello->compression == SRP__COMPRESSION__COMPRESSION_LZ4;
                c->max_frame_size = hello->max_frame_size ? hello->max_frame_size : SR_DEFAULT_MAX_FRAME_SIZE;
                c->max_in_flight = hello->max_in_flight;
                c->deadlines = c->opts.request_deadlines && hello->request_deadlines;
                c->watch_available = hello->watch;
                c->compression_threshold = hello->compression_threshold > c->opts.compression_threshold
                                               ? hello->compression_threshold
                                               : c->opts.compression_threshold;
                free(c->server_id);
                free(c->server_version);
                c->server_id = strdup(hello->server_id ? hello->server_id : "");
                c->server_version = strdup(hello->server_version ? hello->server_version : "");
                srp__hello_response__free_unpacked(hello, NULL);
                sr_reader_set_max_body(c->reader, c->max_frame_size);
            } else {
                if (f->kind == SR_FRAME_GOAWAY || f->kind == SR_FRAME_RESPONSE)
                    e = srp__error_body__unpack(NULL, f->length, f->body);
                err = sr_break(c, SR_ERR_HANDSHAKE, "handshake refused: %s %s: %s",
                               f->kind == SR_FRAME_GOAWAY ? "GOAWAY" : "RESPONSE", sr_status_name(f->code),
                               e && e->message ? e->message : "(no HelloResponse)");
                if (e) srp__error_body__free_unpacked(e, NULL);
            }
            sr_frame_free(f);
            return err;
        }
        int err = recv_into_reader(c, deadline);
        if (err) return err;
    }
}

/* Preface and HELLO go out in one write; HELLO_OK is taken straight from the reader. */
static int handshake(sr_client *c, uint64_t deadline) {
    Srp__HelloRequest hello = SRP__HELLO_REQUEST__INIT;
    Srp__Credentials credentials = SRP__CREDENTIALS__INIT;
    uint32_t versions[] = {1};
    Srp__Compression compressions[] = {SRP__COMPRESSION__COMPRESSION_LZ4};
    hello.n_protocol_versions = 1;
    hello.protocol_versions = versions;
    hello.client_name = c->opts.client_name;
    if (c->opts.lz4) {
        hello.n_compressions = 1;
        hello.compressions = compressions;
    }
    if (c->opts.api_key) {
        credentials.api_key = c->opts.api_key;
        hello.credentials = &credentials;
    }
    c->lz4 = 0; /* HELLO is never compressed */
    c->max_frame_size = SR_PREHANDSHAKE_MAX_BODY;
    c->state = SR_CONN_READY;
    /* Preface and HELLO in one write. */
    if (c->out_capacity < SR_PREFACE_SIZE) {
        c->out = realloc(c->out, 16384);
        if (!c->out) return sr_break(c, SR_ERR_OOM, "out of memory");
        c->out_capacity = 16384;
    }
    memcpy(c->out, sr_preface_bytes, SR_PREFACE_SIZE);
    c->out_length = SR_PREFACE_SIZE;
    c->out_sent = 0;
    int err = sr_io_encode(c, SR_FRAME_REQUEST, SR_METHOD_HELLO, 0, &hello.base, NULL, 0, 0);
    if (err) return sr_break(c, err, "handshake: %s", c->errstr);
    while (c->out_sent < c->out_length) {
        err = sr_client_write_some(c, NULL);
        if (err) return sr_set_err(c, err == SR_ERR_TLS ? SR_ERR_TLS : SR_ERR_HANDSHAKE, "handshake: %s", c->errstr);
        if (c->out_sent < c->out_length) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLOUT | POLLIN};
            poll(&pfd, 1, 100);
            if (deadline && sr_now_ms() >= deadline) return sr_break(c, SR_ERR_TIMEOUT, "handshake: write timed out");
        }
    }
    return read_hello_ok(c, deadline);
}

static int connect_and_handshake(sr_client *c) {
    sr_close_socket(c);
    sr_reader_free(c->reader);
    c->reader = sr_reader_new(0, SR_PREHANDSHAKE_MAX_BODY);
    if (!c->reader) return sr_set_err(c, SR_ERR_OOM, "out of memory");
    c->goaway_last_id = 0;
    c->throttled_until_ms = 0;
    uint64_t deadline = c->opts.connect_timeout_ms ? sr_now_ms() + (uint64_t)c->opts.connect_timeout_ms : 0;
    if (c->opts.tls && !sr_tls_available())
        return sr_set_err(c, SR_ERR_TLS, "TLS was asked for, but this libsrclient was built without OpenSSL");
    int err = open_socket(c, deadline);
    if (err) return err;
    if (c->opts.tls && (err = sr_transport_tls_connect(c, deadline)) != SR_OK) return err;
    err = handshake(c, deadline);
    if (err) return err;
    c->connections++;
    c->err = SR_OK;
    c->errstr[0] = '\0';
    return SR_OK;
}

sr_client *sr_connect(const sr_options *options) {
    sr_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = -1;
    sr_options *defaults = NULL;
    if (!options) options = defaults = sr_options_new();
    if (!options || sr_options_copy(&c->opts, options)) {
        sr_options_free(defaults);
        sr_options_release(&c->opts);
        free(c);
        return NULL;
    }
    sr_options_free(defaults);
    c->cache.max_bytes = c->opts.schema_cache_bytes;
    c->mcache.max_entries = c->opts.mutable_cache_entries;
    connect_and_handshake(c);
    return c;
}

int sr_client_reconnect(sr_client *c) {
    c->stats[SR_STAT_RECONNECTS]++;
    return connect_and_handshake(c);
}

void sr_client_free(sr_client *c) {
    if (!c) return;
    sr_close_socket(c);
    sr_watch_detach_all(c);
    sr_cache_release(&c->cache);
    sr_mcache_release(c);
    sr_reply *r;
    while ((r = sr_ready_take(c, 1, 0)) != NULL) sr_reply_free(r);
    sr_reader_free(c->reader);
    sr_options_release(&c->opts);
    free(c->pending.slots);
    free(c->out);
    free(c->scratch);
    free(c->server_id);
    free(c->server_version);
    free(c);
}

int sr_client_err(const sr_client *c) { return c->err; }
const char *sr_client_errstr(const sr_client *c) { return c->errstr; }
int sr_client_is_connected(const sr_client *c) { return c->state == SR_CONN_READY; }
int sr_client_fd(const sr_client *c) { return c->fd; }
int sr_client_lz4(const sr_client *c) { return c->lz4; }
uint32_t sr_client_max_frame_size(const sr_client *c) { return c->max_frame_size; }
uint32_t sr_client_max_in_flight(const sr_client *c) { return c->max_in_flight; }
const char *sr_client_server_id(const sr_client *c) { return c->server_id ? c->server_id : ""; }
const char *sr_client_server_version(const sr_client *c) { return c->server_version ? c->server_version : ""; }
int sr_client_request_deadlines(const sr_client *c) { return c->deadlines; }
int sr_client_tls(const sr_client *c) { return c->tls != NULL; }
int sr_client_watch_available(const sr_client *c) { return c->watch_available; }
uint64_t sr_client_stat(const sr_client *c, sr_stat stat) {
    return (unsigned)stat < sizeof c->stats / sizeof c->stats[0] ? c->stats[stat] : 0;
}
