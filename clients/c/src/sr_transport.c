/* The transport under the frames: plain TCP, or TLS (OpenSSL, when built with SR_HAS_TLS)
 * over the same non-blocking socket. The rest of the client sees send/recv semantics:
 * SSL_ERROR_WANT_READ/WANT_WRITE become EAGAIN (with a note of which direction TLS waits
 * for, so the poll loop arms it), a TLS failure becomes EPROTO with its reason in
 * c->tls_error, and a closed TLS stream is EOF as for TCP. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sr_client_internal.h"

#ifndef SR_HAS_TLS

int sr_tls_available(void) { return 0; }
ssize_t sr_transport_send(sr_client *c, const uint8_t *bytes, size_t length) {
    return send(c->fd, bytes, length, MSG_NOSIGNAL);
}
ssize_t sr_transport_recv(sr_client *c, uint8_t *bytes, size_t length) { return recv(c->fd, bytes, length, 0); }
size_t sr_transport_buffered(const sr_client *c) { return 0; }
int sr_transport_tls_connect(sr_client *c, uint64_t deadline) {
    return sr_break(c, SR_ERR_TLS, "TLS was asked for, but this libsrclient was built without OpenSSL");
}
void sr_transport_close(sr_client *c) {}

#else

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

int sr_tls_available(void) { return 1; }

/* Why the last TLS call failed, into c->tls_error; clears OpenSSL's error queue. */
static void tls_reason(sr_client *c, SSL *ssl, int saved_errno) {
    unsigned long e = ERR_peek_last_error();
    long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (verify != X509_V_OK) {
        snprintf(c->tls_error, sizeof c->tls_error, "certificate verification failed: %s",
                 X509_verify_cert_error_string(verify));
#ifdef ERR_SYSTEM_ERROR
    } else if (ERR_peek_error() && ERR_SYSTEM_ERROR(ERR_peek_error())) { /* a file that would not open */
        snprintf(c->tls_error, sizeof c->tls_error, "%s", strerror(ERR_GET_REASON(ERR_peek_error())));
#endif
    } else if (e) {
        const char *reason = ERR_reason_error_string(e);
        if (reason)
            snprintf(c->tls_error, sizeof c->tls_error, "%s", reason);
        else
            ERR_error_string_n(e, c->tls_error, sizeof c->tls_error);
    } else if (saved_errno) {
        snprintf(c->tls_error, sizeof c->tls_error, "%s", strerror(saved_errno));
    } else {
        snprintf(c->tls_error, sizeof c->tls_error, "the connection closed during TLS");
    }
    ERR_clear_error();
}

ssize_t sr_transport_send(sr_client *c, const uint8_t *bytes, size_t length) {
    if (!c->tls) return send(c->fd, bytes, length, MSG_NOSIGNAL);
    SSL *ssl = c->tls;
    ERR_clear_error();
    /* Partial writes are on, and the buffer may move between retries (SSL_MODE_*). */
    int n = SSL_write(ssl, bytes, length > INT_MAX ? INT_MAX : (int)length);
    if (n > 0) {
        c->tls_write_wants_read = 0;
        return n;
    }
    int saved_errno = errno;
    switch (SSL_get_error(ssl, n)) {
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_READ:
        c->tls_write_wants_read = 1;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_SYSCALL:
        if (saved_errno && ERR_peek_error() == 0) {
            errno = saved_errno; /* EPIPE, ECONNRESET: an ordinary I/O error */
            return -1;
        }
        /* fall through */
    default:
        tls_reason(c, ssl, saved_errno);
        errno = EPROTO;
        return -1;
    }
}

ssize_t sr_transport_recv(sr_client *c, uint8_t *bytes, size_t length) {
    if (!c->tls) return recv(c->fd, bytes, length, 0);
    SSL *ssl = c->tls;
    ERR_clear_error();
    int n = SSL_read(ssl, bytes, length > INT_MAX ? INT_MAX : (int)length);
    if (n > 0) {
        c->tls_wants_write = c->tls_write_wants_read = 0;
        return n;
    }
    int saved_errno = errno;
    switch (SSL_get_error(ssl, n)) {
    case SSL_ERROR_WANT_READ:
        c->tls_wants_write = 0;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        c->tls_wants_write = 1;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN: /* close_notify */
        return 0;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            if (!saved_errno) return 0; /* EOF without close_notify: a closed connection */
            errno = saved_errno;
            return -1;
        }
        /* fall through */
    default:
        tls_reason(c, ssl, saved_errno);
        errno = EPROTO;
        return -1;
    }
}

size_t sr_transport_buffered(const sr_client *c) { return c->tls ? (size_t)SSL_pending(c->tls) : 0; }

void sr_transport_close(sr_client *c) {
    if (c->tls) SSL_free(c->tls);
    c->tls = NULL;
    c->tls_wants_write = c->tls_write_wants_read = 0;
}

static SSL_CTX *new_context(sr_client *c) {
    const struct sr_options *o = &c->opts;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF); /* a peer that just closes: EOF */
#endif
    static const unsigned char alpn[] = {5, 's', 'r', 'p', '/', '1'};
    const char *failed = NULL, *path = NULL;
    if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn) != 0) failed = "ALPN";
    if (!failed && o->tls_ca_file && !SSL_CTX_load_verify_locations(ctx, o->tls_ca_file, NULL))
        failed = "cannot load the CA file", path = o->tls_ca_file;
    if (!failed && !o->tls_ca_file && !SSL_CTX_set_default_verify_paths(ctx)) failed = "cannot load the system CAs";
    if (!failed && o->tls_cert_file) {
        const char *key = o->tls_key_file ? o->tls_key_file : o->tls_cert_file;
        if (!SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert_file))
            failed = "cannot load the client certificate", path = o->tls_cert_file;
        else if (!SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) || !SSL_CTX_check_private_key(ctx))
            failed = "cannot load the client key", path = key;
    } else if (!failed && o->tls_key_file) {
        failed = "a client key without a client certificate", path = o->tls_key_file;
    }
    if (failed) {
        tls_reason(c, NULL, errno);
        char reason[sizeof c->tls_error];
        memcpy(reason, c->tls_error, sizeof reason);
        snprintf(c->tls_error, sizeof c->tls_error, "%s%s%.100s: %.50s", failed, path ? " " : "", path ? path : "",
                 reason);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The name the certificate must carry: an IP address (IP SANs) or a DNS name (and SNI). */
static int set_peer_name(SSL *ssl, const char *name) {
    struct in6_addr address;
    if (inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1;
    return SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1;
}

int sr_transport_tls_connect(sr_client *c, uint64_t deadline) {
    const char *name = c->opts.tls_server_name ? c->opts.tls_server_name : c->opts.host;
    SSL_CTX *ctx = new_context(c);
    if (!ctx) return sr_break(c, SR_ERR_TLS, "TLS: %s", c->tls_error);
    SSL *ssl = SSL_new(ctx);
    SSL_CTX_free(ctx); /* the SSL keeps its own reference */
    if (!ssl || !SSL_set_fd(ssl, c->fd) || !set_peer_name(ssl, name)) {
        if (ssl) SSL_free(ssl);
        ERR_clear_error();
        return sr_break(c, SR_ERR_TLS, "TLS: cannot set up a connection to check the name %s", name);
    }
    c->tls = ssl;
    for (;;) {
        ERR_clear_error();
        int rc = SSL_connect(ssl);
        if (rc == 1) return SR_OK;
        int saved_errno = errno;
        int e = SSL_get_error(ssl, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            tls_reason(c, ssl, saved_errno);
            return sr_break(c, SR_ERR_TLS, "TLS handshake with %s:%d (%s): %s", c->opts.host, c->opts.port, name,
                            c->tls_error);
        }
        int timeout = -1;
        if (deadline) {
            uint64_t now = sr_now_ms();
            if (now >= deadline) return sr_break(c, SR_ERR_TIMEOUT, "TLS handshake: no answer in time");
            timeout = (int)(deadline - now);
        }
        struct pollfd pfd = {.fd = c->fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
        if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
            return sr_break(c, SR_ERR_IO, "poll: %s", strerror(errno));
    }
}

#endif
