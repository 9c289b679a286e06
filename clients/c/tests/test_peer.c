/* The client against a scripted peer on a real loopback socket: the peer answers the
 * handshake with golden vector 02 and then sends what a server must not (or rarely does):
 * a PING the client must answer, a RESPONSE whose LZ4 body lies about its size (vector 33),
 * and a header of an unknown kind (vector 23). The client must answer the PING, fail only
 * that call with BAD_COMPRESSION, and then break the connection with SR_ERR_PROTOCOL. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "sr_wire.h"
#include "vectors.h"

static vector *vectors;
static int vector_count;

static const vector *named(const char *name) {
    for (int i = 0; i < vector_count; i++)
        if (!strcmp(vectors[i].name, name)) return &vectors[i];
    fprintf(stderr, "vector %s missing\n", name);
    exit(1);
}

static int read_exactly(int fd, uint8_t *buf, size_t n) {
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Reads one frame header and skips its body; returns its request id and kind. */
static int read_frame(int fd, uint32_t *request_id, uint8_t *kind, uint8_t *body, size_t capacity, size_t *length) {
    uint8_t h[SR_HEADER_SIZE];
    if (read_exactly(fd, h, sizeof h)) return -1;
    *length = sr_get_u32(h);
    *kind = h[4];
    *request_id = sr_get_u32(h + 8);
    if (*length > capacity) return -1;
    return read_exactly(fd, body, *length);
}

static void write_all(int fd, const uint8_t *b, size_t n) {
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w <= 0) _exit(3);
        b += w, n -= (size_t)w;
    }
}

/* A frame from a vector with its request id replaced. */
static void send_vector(int fd, const vector *v, uint32_t request_id) {
    uint8_t *copy = malloc(v->hex_length);
    memcpy(copy, v->hex, v->hex_length);
    sr_put_u32(copy + 8, request_id);
    write_all(fd, copy, v->hex_length);
    free(copy);
}

static int peer(int listener) {
    int fd = accept(listener, NULL, NULL);
    uint8_t preface[SR_PREFACE_SIZE], body[65536];
    uint32_t id;
    uint8_t kind;
    size_t length;
    if (read_exactly(fd, preface, sizeof preface) || memcmp(preface, sr_preface_bytes, sizeof preface)) return 10;
    if (read_frame(fd, &id, &kind, body, sizeof body, &length) || kind != SR_FRAME_REQUEST) return 11;
    send_vector(fd, named("hello-response"), id);
    /* First request: a PING first, then the lying LZ4 answer. */
    if (read_frame(fd, &id, &kind, body, sizeof body, &length) || kind != SR_FRAME_REQUEST) return 12;
    const vector *ping = named("ping");
    send_vector(fd, ping, 4242);
    send_vector(fd, named("lz4-declared-too-large"), id);
    /* The PONG must echo the PING's id and body, and come before the client's next request. */
    uint32_t pong_id;
    if (read_frame(fd, &pong_id, &kind, body, sizeof body, &length)) return 13;
    if (kind != SR_FRAME_PONG || pong_id != 4242 || length != ping->body_length ||
        (length && memcmp(body, ping->body, length)))
        return 14;
    /* Second request: a header no version defines. */
    if (read_frame(fd, &id, &kind, body, sizeof body, &length) || kind != SR_FRAME_REQUEST) return 15;
    send_vector(fd, named("unknown-kind"), id);
    sleep(1); /* let the client read it before the close */
    close(fd);
    return 0;
}

static void test_client_against_scripted_peer(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(listener, 1) == 0);
    getsockname(listener, (struct sockaddr *)&addr, &len);
    pid_t child = fork();
    if (child == 0) _exit(peer(listener));
    close(listener);

    sr_options *o = sr_options_new();
    sr_options_set_port(o, ntohs(addr.sin_port));
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    CHECK(sr_client_lz4(c) == 1 && !strcmp(sr_client_server_id(c), "sr-1"));
    Srp__GetSchemaByIdRequest req = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    req.id = 42;
    sr_reply *r = sr_get_schema_by_id(c, &req, 10000);
    CHECKF(r && sr_reply_status(r) == SR_STATUS_BAD_COMPRESSION, "%s", r ? sr_status_name(sr_reply_status(r)) : sr_client_errstr(c));
    CHECK(r && strstr(sr_reply_error_message(r), "declared") != NULL);
    CHECK(sr_client_is_connected(c)); /* a bad body fails the call, not the connection */
    sr_reply_free(r);
    r = sr_get_schema_by_id(c, &req, 10000);
    CHECK(r == NULL && sr_client_err(c) == SR_ERR_PROTOCOL && strstr(sr_client_errstr(c), "UNKNOWN_KIND"));
    CHECK(!sr_client_is_connected(c) && sr_pending(c) == 0);
    sr_client_free(c);
    int status = -1;
    waitpid(child, &status, 0);
    CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer exit %d", WEXITSTATUS(status));
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const char *dir = getenv("SR_TESTVECTORS") ? getenv("SR_TESTVECTORS") : "../../proto/testvectors";
    vector_count = vectors_load(dir, &vectors);
    if (vector_count <= 0) return 1;
    RUN(test_client_against_scripted_peer);
    vectors_free(vectors, vector_count);
    return check_summary();
}
