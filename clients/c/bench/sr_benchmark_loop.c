/* The event loop: every connection in one epoll set, level-triggered, EPOLLOUT armed only
 * while output waits. Closed loop keeps `pipeline` requests in flight per connection
 * (a sliding window, topped up after each batch of replies); open loop sends on a fixed
 * schedule and measures each request from the time it was due, so a slow server cannot
 * hide its queueing (no coordinated omission). The same loop serves SRP and RESP. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "sr_benchmark.h"
#include "srclient.h"

#define BENCH_SUBJECT "sr-benchmark"
#define RESP_KEY "sr-benchmark:payload"

uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What the SRP requests ask for, set up once by bench_prepare. */
static char *schema_text;
static uint32_t schema_id;
static const char *valid_payload = "{\"id\":1,\"name\":\"benchmark\"}";

static char *make_schema(size_t size) {
    const char *head = "{\"type\":\"record\",\"name\":\"Bench\",\"doc\":\"";
    const char *tail = "\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"}]}";
    size_t fixed = strlen(head) + strlen(tail), pad = size > fixed ? size - fixed : 1;
    char *s = malloc(fixed + pad + 1);
    strcpy(s, head);
    size_t at = strlen(head);
    /* Text-like padding: LZ4 saves something on it, as on real schema docs, but not all. */
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < pad; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        s[at++] = (x % 6 == 0) ? ' ' : (char)('a' + x % 26);
    }
    strcpy(s + at, tail);
    return s;
}

/* A record of `size` bytes or so made of fields that differ only in their number, as wide
 * real schemas do: what LZ4 is for (the random doc above mostly defeats it). Every field is
 * optional with a default, so the sizes can follow one another under one subject. */
static char *make_fields_schema(size_t size) {
    const char *head = "{\"type\":\"record\",\"name\":\"BenchFields\",\"fields\":[";
    char *s = malloc(size + 128);
    size_t at = (size_t)sprintf(s, "%s", head);
    for (int n = 0; n == 0 || at + 64 < size; n++)
        at += (size_t)sprintf(s + at, "%s{\"name\":\"field_%06d\",\"type\":[\"null\",\"string\"],\"default\":null}",
                              n ? "," : "", n);
    strcpy(s + at, "]}");
    return s;
}

static sr_client *srp_connect(const bench_config *config) {
    sr_options *o = sr_options_new();
    sr_options_set_host(o, config->host);
    sr_options_set_port(o, config->port);
    sr_options_set_compression(o, config->lz4);
    sr_options_set_client_name(o, "sr-benchmark/" SR_VERSION_STRING);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    return c;
}

int bench_prepare(const bench_config *config, char *why, size_t why_size) {
    if (config->resp) return resp_set_blocking(config->host, config->port, RESP_KEY, config->payload, why, why_size);
    sr_client *c = srp_connect(config);
    if (!c || sr_client_err(c)) {
        snprintf(why, why_size, "connect: %s", c ? sr_client_errstr(c) : "out of memory");
        sr_client_free(c);
        return -1;
    }
    free(schema_text);
    schema_text = config->compressible ? make_fields_schema(config->payload) : make_schema(config->payload);
    Srp__RegisterSchemaRequest reg = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    reg.subject = config->compressible ? BENCH_SUBJECT "-fields" : BENCH_SUBJECT;
    reg.schema = schema_text;
    sr_reply *r = sr_register_schema(c, &reg, 10000);
    const Srp__RegisterSchemaResponse *ok = r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
    if (!ok) {
        snprintf(why, why_size, "register: %s", r ? sr_reply_error_message(r) : sr_client_errstr(c));
        sr_reply_free(r);
        sr_client_free(c);
        return -1;
    }
    schema_id = ok->id;
    sr_reply_free(r);
    sr_client_free(c);
    return 0;
}

typedef struct conn {
    int fd;
    sr_client *client; /* SRP */
    uint8_t *out;      /* RESP output */
    size_t out_length, out_sent, out_capacity;
    uint8_t *in; /* RESP input */
    size_t in_length, in_capacity;
    uint64_t *sent_at; /* SRP: by request id & mask; RESP: a FIFO (replies come in order) */
    uint32_t mask;
    uint64_t fifo_head, fifo_tail;
    int in_flight;
    int want_out;
    uint64_t next_due_ns; /* open loop */
    uint64_t interval_ns;
    int dead;
} conn;

typedef struct loop {
    const bench_config *config;
    bench_result *result;
    int epoll;
    uint64_t issued, deadline_ns, start_ns, last_ns;
    uint8_t get_command[256];
    size_t get_command_length;
} loop;

static int issue_allowed(loop *l) {
    if (l->issued >= l->config->requests) return 0;
    if (l->deadline_ns && bench_now_ns() >= l->deadline_ns) return 0;
    return 1;
}

static int srp_append(loop *l, conn *c, uint64_t stamp) {
    bench_op op = l->config->op;
    if (op == OP_MIXED) {
        unsigned k = (unsigned)(l->issued % 20);
        op = k < 14 ? OP_GET_BY_ID : k < 17 ? OP_GET_LATEST : k < 19 ? OP_VALIDATE : OP_REGISTER;
    }
    uint32_t id = 0;
    int err;
    switch (op) {
    case OP_GET_LATEST: {
        Srp__GetSchemaByVersionRequest req = SRP__GET_SCHEMA_BY_VERSION_REQUEST__INIT;
        req.subject = BENCH_SUBJECT;
        req.version = -1;
        err = sr_append(c->client, SR_METHOD_GET_SCHEMA_BY_VERSION, &req.base, &id);
        break;
    }
    case OP_REGISTER: {
        /* A real write every time: a schema never registered before under a subject of its
         * own (new id, new version row). Re-registering one schema would only measure the
         * idempotent lookup path. The run's start time keeps names unique across runs. */
        char subject[96], text[192];
        unsigned long long n = (unsigned long long)l->issued;
        snprintf(subject, sizeof subject, "bench-write-%llu-%llu", (unsigned long long)l->start_ns, n);
        snprintf(text, sizeof text,
                 "{\"type\":\"record\",\"name\":\"W%llu_%llu\",\"fields\":[{\"name\":\"f\",\"type\":\"string\"}]}",
                 (unsigned long long)l->start_ns, n);
        Srp__RegisterSchemaRequest req = SRP__REGISTER_SCHEMA_REQUEST__INIT;
        req.subject = subject;
        req.schema = text;
        err = sr_append(c->client, SR_METHOD_REGISTER_SCHEMA, &req.base, &id);
        break;
    }
    case OP_VALIDATE: {
        Srp__ValidatePayloadRequest req = SRP__VALIDATE_PAYLOAD_REQUEST__INIT;
        req.target_case = SRP__VALIDATE_PAYLOAD_REQUEST__TARGET_ID;
        req.id = schema_id;
        req.payload.data = (uint8_t *)valid_payload;
        req.payload.len = strlen(valid_payload);
        err = sr_append(c->client, SR_METHOD_VALIDATE_PAYLOAD, &req.base, &id);
        break;
    }
    default: {
        Srp__GetSchemaByIdRequest req = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
        req.id = schema_id;
        err = sr_append(c->client, SR_METHOD_GET_SCHEMA_BY_ID, &req.base, &id);
        break;
    }
    }
    if (err) return -1;
    c->sent_at[id & c->mask] = stamp;
    return 0;
}

static int resp_append(loop *l, conn *c, uint64_t stamp) {
    if (c->out_length + l->get_command_length > c->out_capacity) {
        if (c->out_sent) {
            memmove(c->out, c->out + c->out_sent, c->out_length - c->out_sent);
            c->out_length -= c->out_sent;
            c->out_sent = 0;
        }
        while (c->out_length + l->get_command_length > c->out_capacity) {
            c->out_capacity *= 2;
            c->out = realloc(c->out, c->out_capacity);
        }
    }
    memcpy(c->out + c->out_length, l->get_command, l->get_command_length);
    c->out_length += l->get_command_length;
    c->sent_at[c->fifo_tail++ & c->mask] = stamp;
    return 0;
}

static void arm(loop *l, conn *c, int want_out) {
    if (want_out == c->want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(l->epoll, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want_out;
}

static void kill_conn(loop *l, conn *c) {
    if (c->dead) return;
    c->dead = 1;
    l->result->connection_errors++;
    epoll_ctl(l->epoll, EPOLL_CTL_DEL, c->fd, NULL);
}

static void flush(loop *l, conn *c) {
    if (c->dead) return;
    int done = 1;
    if (c->client) {
        if (sr_client_write_some(c->client, &done)) return kill_conn(l, c);
    } else {
        while (c->out_sent < c->out_length) {
            ssize_t n = send(c->fd, c->out + c->out_sent, c->out_length - c->out_sent, MSG_NOSIGNAL);
            if (n > 0) {
                c->out_sent += (size_t)n;
            } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                break;
            } else {
                return kill_conn(l, c);
            }
        }
        done = c->out_sent == c->out_length;
        if (done) c->out_sent = c->out_length = 0;
    }
    arm(l, c, !done);
}

/* Sends what the schedule allows: up to the window (closed loop) or every due request
 * (open loop, the window being only a safety cap). */
static void top_up(loop *l, conn *c) {
    if (c->dead) return;
    int sent = 0;
    uint64_t now = bench_now_ns();
    while (c->in_flight < l->config->pipeline && issue_allowed(l)) {
        uint64_t stamp = now;
        if (l->config->rate > 0) {
            if (c->next_due_ns > now) break;
            stamp = c->next_due_ns;
            c->next_due_ns += c->interval_ns;
        }
        if ((c->client ? srp_append(l, c, stamp) : resp_append(l, c, stamp)) != 0) return kill_conn(l, c);
        c->in_flight++;
        l->issued++;
        sent++;
    }
    if (sent) flush(l, c);
}

static void complete(loop *l, conn *c, uint64_t sent_at, unsigned status, uint64_t now) {
    c->in_flight--;
    l->result->completed++;
    if (status == 0)
        l->result->ok++;
    else if (status == SR_STATUS_THROTTLED)
        l->result->throttled++;
    else
        l->result->errors++;
    hist_record(&l->result->latency, now > sent_at ? now - sent_at : 0);
    l->last_ns = now;
}

static void on_readable(loop *l, conn *c) {
    uint64_t now;
    if (c->client) {
        if (sr_client_read_some(c->client)) return kill_conn(l, c);
        now = bench_now_ns();
        sr_reply *r;
        while (sr_take_ready_reply(c->client, &r) == SR_OK && r) {
            complete(l, c, c->sent_at[sr_reply_request_id(r) & c->mask], sr_reply_status(r), now);
            sr_reply_free(r);
        }
    } else {
        for (;;) {
            if (c->in_capacity - c->in_length < 65536) {
                c->in_capacity *= 2;
                c->in = realloc(c->in, c->in_capacity);
            }
            ssize_t n = recv(c->fd, c->in + c->in_length, c->in_capacity - c->in_length, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return kill_conn(l, c);
            if (n < 0) break;
            c->in_length += (size_t)n;
            if ((size_t)n < 65536) break;
        }
        now = bench_now_ns();
        int replies = 0, errors = 0;
        size_t used = resp_parse(c->in, c->in_length, &replies, &errors);
        memmove(c->in, c->in + used, c->in_length - used);
        c->in_length -= used;
        for (int i = 0; i < replies; i++)
            complete(l, c, c->sent_at[c->fifo_head++ & c->mask], i < errors ? 1 : 0, now);
    }
    top_up(l, c);
}

static int open_resp(const bench_config *config) {
    char service[16];
    snprintf(service, sizeof service, "%d", config->port);
    struct addrinfo hints = {0}, *found;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(config->host, service, &hints, &found)) return -1;
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) && errno != EINPROGRESS) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    int one = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Arms the timer for the earliest due request of a connection with room in its window. */
static void arm_timer(loop *l, conn *conns, int timer) {
    uint64_t next = 0;
    for (int i = 0; i < l->config->connections; i++) {
        conn *c = &conns[i];
        if (c->dead || c->in_flight >= l->config->pipeline) continue;
        if (!next || c->next_due_ns < next) next = c->next_due_ns;
    }
    if (!next || !issue_allowed(l)) return;
    struct itimerspec when = {{0, 0}, {(time_t)(next / 1000000000ull), (long)(next % 1000000000ull)}};
    if (next <= bench_now_ns()) when.it_value.tv_nsec += 1; /* already due: fire at once */
    if (when.it_value.tv_nsec >= 1000000000L) when.it_value.tv_sec++, when.it_value.tv_nsec -= 1000000000L;
    timerfd_settime(timer, TFD_TIMER_ABSTIME, &when, NULL);
}

int bench_run(const bench_config *config, bench_result *result, char *why, size_t why_size) {
    memset(result, 0, sizeof *result);
    loop l = {.config = config, .result = result};
    l.get_command_length = resp_encode_get(l.get_command, sizeof l.get_command, RESP_KEY);
    l.epoll = epoll_create1(EPOLL_CLOEXEC);
    conn *conns = calloc((size_t)config->connections, sizeof *conns);
    uint32_t slots = 1024;
    while (slots < (uint32_t)config->pipeline * 64u) slots *= 2;
    int failed = 0;
    for (int i = 0; i < config->connections && !failed; i++) {
        conn *c = &conns[i];
        c->mask = slots - 1;
        c->sent_at = calloc(slots, sizeof *c->sent_at);
        if (config->resp) {
            c->fd = open_resp(config);
            c->out_capacity = c->in_capacity = 65536 * 2;
            c->out = malloc(c->out_capacity);
            c->in = malloc(c->in_capacity);
        } else {
            c->client = srp_connect(config);
            c->fd = c->client && !sr_client_err(c->client) ? sr_client_fd(c->client) : -1;
            if (c->fd < 0)
                snprintf(why, why_size, "connect: %s", c->client ? sr_client_errstr(c->client) : "out of memory");
        }
        if (c->fd < 0) {
            if (config->resp) snprintf(why, why_size, "cannot connect to %s:%d", config->host, config->port);
            failed = 1;
            break;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(l.epoll, EPOLL_CTL_ADD, c->fd, &ev);
    }
    if (!failed) {
        l.start_ns = l.last_ns = bench_now_ns();
        if (config->duration_s > 0) l.deadline_ns = l.start_ns + (uint64_t)(config->duration_s * 1e9);
        for (int i = 0; i < config->connections; i++) {
            if (config->rate > 0) {
                conns[i].interval_ns = (uint64_t)(1e9 * config->connections / config->rate);
                /* Spread the connections' schedules over one interval. */
                conns[i].next_due_ns = l.start_ns + conns[i].interval_ns * (uint64_t)i / (uint64_t)config->connections;
            }
            top_up(&l, &conns[i]);
        }
        struct epoll_event events[256];
        /* Open loop: a timerfd wakes the loop at the next due time, to the microsecond,
         * where epoll_wait's millisecond timeout would add up to 1 ms to every latency. */
        int timer = -1;
        if (config->rate > 0) {
            timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
            epoll_ctl(l.epoll, EPOLL_CTL_ADD, timer, &ev);
        }
        for (;;) {
            int busy = 0;
            for (int i = 0; i < config->connections; i++) busy |= !conns[i].dead && conns[i].in_flight > 0;
            if (!busy && !issue_allowed(&l)) break;
            int alive = 0;
            for (int i = 0; i < config->connections; i++) alive |= !conns[i].dead;
            if (!alive) break;
            if (config->rate > 0) arm_timer(&l, conns, timer);
            int n = epoll_wait(l.epoll, events, 256, 1000);
            for (int i = 0; i < n; i++) {
                conn *c = events[i].data.ptr;
                if (!c) { /* the schedule's timer */
                    uint64_t expirations;
                    if (read(timer, &expirations, sizeof expirations) < 0) expirations = 0;
                    continue;
                }
                if (events[i].events & EPOLLOUT) flush(&l, c);
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(&l, c);
            }
            if (config->rate > 0)
                for (int i = 0; i < config->connections; i++) top_up(&l, &conns[i]);
            /* A server that stops answering must not hang the tool: 30 s without a reply ends it. */
            if (bench_now_ns() - l.last_ns > 30000000000ull) {
                snprintf(why, why_size, "no reply for 30 s; giving up");
                failed = 1;
                break;
            }
        }
        result->elapsed_s = (double)(l.last_ns - l.start_ns) / 1e9;
        if (timer >= 0) close(timer);
    }
    for (int i = 0; i < config->connections; i++) {
        conn *c = &conns[i];
        if (c->client)
            sr_client_free(c->client);
        else if (c->fd > 0)
            close(c->fd);
        free(c->sent_at);
        free(c->out);
        free(c->in);
    }
    free(conns);
    close(l.epoll);
    if (!failed && result->connection_errors) {
        snprintf(why, why_size, "%llu connections failed", (unsigned long long)result->connection_errors);
        failed = 1;
    }
    return failed ? -1 : 0;
}
