/*
 * srclient_core.h: the plain C API of libsrclient, for C and for foreign-function
 * interfaces (Python's cffi or ctypes, ...). Included by srclient.h; usable on its own.
 *
 * Everything here is plain C: no protobuf-c types, no macros, no inline functions. Requests
 * and responses travel as serialized protobuf bytes (proto/srp.proto; proto/srp.desc is the
 * compiled descriptor set), so a binding needs no protobuf-c. The text between the
 * "srclient-cdef-begin" and "srclient-cdef-end" comments is declarations only and parses as
 * it stands with cffi.FFI().cdef() (tests/test_cffi.py does exactly that).
 *
 * Ownership: every pointer this library hands out is either owned by an object (documented
 * per accessor, valid until that object is freed) or malloc'ed for the caller, who frees it
 * with sr_free() (or the object's own sr_*_free). Strings passed in are copied.
 *
 * Thread safety and error reporting: see srclient.h (one client per thread; functions return
 * SR_OK or an sr_err and leave a message on the client: sr_client_err, sr_client_errstr).
 */
#ifndef SRCLIENT_CORE_H
#define SRCLIENT_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shared library exports these names (it is built with -fvisibility=hidden). */
#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility push(default)
#endif

/* srclient-cdef-begin */

/* Client-side error codes. Only ever grow; a published value keeps its meaning. */
typedef enum sr_err {
    SR_OK = 0,
    SR_ERR_IO = 1,              /* a socket call failed (errno in the message) */
    SR_ERR_EOF = 2,             /* the server closed the connection */
    SR_ERR_PROTOCOL = 3,        /* the server broke the framing; the stream is unusable */
    SR_ERR_TIMEOUT = 4,         /* no answer within the call's timeout (connection stays up) */
    SR_ERR_OOM = 5,             /* out of memory */
    SR_ERR_GOAWAY = 6,          /* the server sent GOAWAY: no new requests on this connection */
    SR_ERR_HANDSHAKE = 7,       /* HELLO was refused or answered badly */
    SR_ERR_RESOLVE = 8,         /* the host name did not resolve */
    SR_ERR_ARGUMENT = 9,        /* a bad argument (unknown method, wrong message type, ...) */
    SR_ERR_NOT_CONNECTED = 10,  /* the connection is broken: call sr_client_reconnect */
    SR_ERR_ENCODE = 11,         /* a request could not be encoded (too large for max_frame_size) */
    SR_ERR_NO_SUCH_REQUEST = 12, /* sr_get_reply_for: that id is not pending */
    SR_ERR_TLS = 13,            /* the TLS handshake failed (certificate, name, protocol) or
                                   TLS was asked of a library built without it */
    /* Serializers and codecs (srclient_serde.h): */
    SR_ERR_JSON = 14,           /* malformed JSON text (syntax, UTF-8, nesting, size) */
    SR_ERR_SCHEMA = 15,         /* a schema this library cannot compile (bad Avro schema) */
    SR_ERR_AVRO_VALUE = 16,     /* a value that does not fit its Avro schema (encoding) */
    SR_ERR_AVRO_DATA = 17,      /* Avro bytes that do not fit the schema (decoding) */
    SR_ERR_WIRE_MAGIC = 18,     /* a payload whose first byte is not the magic byte 0 */
    SR_ERR_WIRE_TRUNCATED = 19, /* a payload shorter than its frame (header, index list) */
    SR_ERR_WIRE_INDEXES = 20,   /* a malformed Protobuf message-index list */
    SR_ERR_UNKNOWN_SCHEMA = 21, /* the registry has no schema with the payload's id */
    SR_ERR_REGISTRY = 22,       /* the registry refused (status and message in the errstr) */
    /* Watch (srclient_watch.h): */
    SR_ERR_WATCH_ENDED = 23     /* the watch ended (Unwatch answered, or the server ended it) */
} sr_err;

/* Protocol and registry statuses (docs/PROTOCOL.md section 7): the u16 `code` of a
 * RESPONSE or GOAWAY. Registry statuses are Confluent's numbers (40403, 40901, ...). */
enum sr_status_code {
    SR_STATUS_OK = 0,
    SR_STATUS_PROTOCOL_ERROR = 1,
    SR_STATUS_BAD_PREFACE = 2,
    SR_STATUS_UNSUPPORTED_VERSION = 3,
    SR_STATUS_FRAME_TOO_LARGE = 4,
    SR_STATUS_BAD_FLAGS = 5,
    SR_STATUS_UNKNOWN_KIND = 6,
    SR_STATUS_HANDSHAKE_REQUIRED = 7,
    SR_STATUS_HANDSHAKE_TIMEOUT = 8,
    SR_STATUS_UNAUTHENTICATED = 9,
    SR_STATUS_UNKNOWN_METHOD = 10,
    SR_STATUS_MALFORMED_REQUEST = 11,
    SR_STATUS_BAD_COMPRESSION = 12,
    SR_STATUS_THROTTLED = 13,
    SR_STATUS_OVERLOADED = 14,
    SR_STATUS_DEADLINE_EXCEEDED = 15,
    SR_STATUS_SHUTTING_DOWN = 16,
    SR_STATUS_IDLE_TIMEOUT = 17,
    SR_STATUS_INTERNAL = 18,
    SR_STATUS_SCHEMA_NOT_FOUND = 40403,
    SR_STATUS_INCOMPATIBLE = 40901
};

/* Timeouts of single calls: a number of milliseconds, or one of these. */
enum sr_timeout { SR_TIMEOUT_DEFAULT = -1 /* the client's call timeout */, SR_TIMEOUT_NONE = 0 /* forever */ };

/* A stable, upper-case name for an sr_err ("SR_ERR_TIMEOUT"); never NULL. */
const char *sr_err_name(int err);
/* "THROTTLED", "SCHEMA_NOT_FOUND", ...; never NULL. Unknown codes get a name by range:
 * handle them by range (404xx not found, 409xx conflict, 422xx invalid, 500xx server). */
const char *sr_status_name(unsigned status);
/* The rpc name ("RegisterSchema") of a method id, or NULL for an id this library does not
 * know. Bindings without srclient.h's enum find ids by name: ids are 1..65535. */
const char *sr_method_name(int method);
/* "0.1.0" */
const char *sr_version(void);
/* 1 if this build of the library speaks TLS (it was built with OpenSSL), else 0. */
int sr_tls_available(void);
/* Frees anything this library malloc'ed for the caller (sr_call_bytes's response, ...). */
void sr_free(void *pointer);

/* ------------------------------------------------------------------ options */

typedef struct sr_options sr_options;

/* Defaults: 127.0.0.1:7911, LZ4 offered, connect timeout 5000 ms, call timeout 30000 ms,
 * no throttle retries, no automatic reconnect, client name "srclient/<version>", plain TCP,
 * request deadlines on. */
sr_options *sr_options_new(void);
void sr_options_free(sr_options *options);
/* Setters copy their strings and return SR_OK, SR_ERR_OOM or SR_ERR_ARGUMENT. */
int sr_options_set_host(sr_options *options, const char *host);
int sr_options_set_port(sr_options *options, int port);
int sr_options_set_api_key(sr_options *options, const char *api_key);
int sr_options_set_client_name(sr_options *options, const char *name);
/* Offer LZ4 in HELLO (default 1). */
int sr_options_set_compression(sr_options *options, int offer_lz4);
/* Bodies below this are sent plain (the server's threshold wins when higher). */
int sr_options_set_compression_threshold(sr_options *options, unsigned bytes);
int sr_options_set_connect_timeout_ms(sr_options *options, int ms);
/* Timeout of calls that pass SR_TIMEOUT_DEFAULT; 0 waits forever. */
int sr_options_set_call_timeout_ms(sr_options *options, int ms);
/* Blocking calls answered THROTTLED (or OVERLOADED) wait retry_after_ms and resend, up to
 * this many times (default 0: the THROTTLED reply is returned to the caller). */
int sr_options_set_throttle_retries(sr_options *options, int retries);
/* A blocking call on a broken connection (or one that got GOAWAY and has nothing pending)
 * reconnects first (default 0). */
int sr_options_set_auto_reconnect(sr_options *options, int on);
/* Per-request deadlines (docs/PROTOCOL.md 6.1; default 1): a blocking call with a timeout
 * sends the time it has left as the REQUEST's DEADLINE, so the server answers
 * DEADLINE_EXCEEDED and frees its slot when the budget runs out instead of working for a
 * caller that has gone. Sent only to servers whose HELLO_OK says request_deadlines. */
int sr_options_set_request_deadlines(sr_options *options, int on);

/* TLS (docs/PROTOCOL.md 18). sr_options_set_tls(o, 1) turns it on; the other setters
 * do too. The server's certificate is checked against ca_file (default: the system's
 * trusted CAs) and against server_name (default: the host; an IP address is matched
 * against the certificate's IP addresses, a name against its DNS names, and sent as SNI).
 * cert_file and key_file (PEM) are the client certificate for servers that require one
 * (mTLS). A library built without TLS (sr_tls_available() == 0) accepts these settings,
 * and sr_connect then fails with SR_ERR_TLS. */
int sr_options_set_tls(sr_options *options, int on);
int sr_options_set_tls_ca_file(sr_options *options, const char *path);
int sr_options_set_tls_cert_file(sr_options *options, const char *path);
int sr_options_set_tls_key_file(sr_options *options, const char *path);
int sr_options_set_tls_server_name(sr_options *options, const char *name);

/* ------------------------------------------------------------------ client */

typedef struct sr_client sr_client;

/* Connects and shakes hands (TCP, TLS when asked, preface, HELLO with credentials,
 * HELLO_OK). Returns NULL only when out of memory; otherwise check sr_client_err: the
 * client exists even when the connection failed, so the reason can be read. NULL options
 * mean the defaults. The options are copied; free them when you like. */
sr_client *sr_connect(const sr_options *options);
/* Closes the connection and frees everything, pending replies included. NULL is ignored. */
void sr_client_free(sr_client *client);
/* Closes, reconnects and shakes hands again. Pending requests of the old connection are
 * dropped (their ids will never be answered). */
int sr_client_reconnect(sr_client *client);

/* The error of the last call (SR_OK if it succeeded) and its message (never NULL, owned by
 * the client, valid until its next call). */
int sr_client_err(const sr_client *client);
const char *sr_client_errstr(const sr_client *client);
/* 1 while the connection can take requests (connected, handshake done, no GOAWAY). */
int sr_client_is_connected(const sr_client *client);

/* What HELLO_OK negotiated (valid after a successful connect). */
int sr_client_lz4(const sr_client *client);
uint32_t sr_client_max_frame_size(const sr_client *client);
uint32_t sr_client_max_in_flight(const sr_client *client);
const char *sr_client_server_id(const sr_client *client);
const char *sr_client_server_version(const sr_client *client);
/* 1 when requests on this connection carry deadlines (the option is on and the server
 * announced request_deadlines). */
int sr_client_request_deadlines(const sr_client *client);
/* 1 when the connection is TLS. */
int sr_client_tls(const sr_client *client);

/* Counters since the client was created, for tests and monitoring. */
typedef enum sr_stat {
    SR_STAT_FRAMES_SENT = 0,
    SR_STAT_FRAMES_RECEIVED = 1,
    SR_STAT_LZ4_FRAMES_SENT = 2,
    SR_STAT_LZ4_FRAMES_RECEIVED = 3,
    SR_STAT_BYTES_SENT = 4,
    SR_STAT_BYTES_RECEIVED = 5,
    SR_STAT_THROTTLED = 6,
    SR_STAT_RECONNECTS = 7,
    SR_STAT_SCHEMA_CACHE_HITS = 8,      /* sr_schema_by_id answered from the cache */
    SR_STAT_SCHEMA_CACHE_MISSES = 9,    /* sr_schema_by_id asked the server */
    SR_STAT_SCHEMA_CACHE_EVICTIONS = 10, /* entries evicted to stay within the cache's bytes */
    SR_STAT_MUTABLE_CACHE_HITS = 11,     /* versions, config, mode answered from memory */
    SR_STAT_MUTABLE_CACHE_MISSES = 12,   /* ... asked the server (cache on: not held, or the watch not live) */
    SR_STAT_MUTABLE_CACHE_RESETS = 13,   /* the mutable cache emptied: RESYNC, watch ended or (re)started */
    SR_STAT_MUTABLE_CACHE_EVICTIONS = 14 /* mutable entries evicted to stay within the bound */
} sr_stat;
uint64_t sr_client_stat(const sr_client *client, sr_stat stat);

/* ------------------------------------------------------------------ replies */

typedef struct sr_reply sr_reply;

void sr_reply_free(sr_reply *reply);
uint32_t sr_reply_request_id(const sr_reply *reply);
int sr_reply_method(const sr_reply *reply);
/* SR_STATUS_OK, a protocol status or a registry status. */
unsigned sr_reply_status(const sr_reply *reply);
/* For a status other than OK: the ErrorBody's message ("" if none), retry_after_ms, and its
 * details (the reasons of a 40901, in order). Strings are owned by the reply. */
const char *sr_reply_error_message(const sr_reply *reply);
uint32_t sr_reply_retry_after_ms(const sr_reply *reply);
size_t sr_reply_error_detail_count(const sr_reply *reply);
const char *sr_reply_error_detail(const sr_reply *reply, size_t index);
/* The plain (decompressed) body as received, owned by the reply: for status OK the
 * method's serialized response message, otherwise the serialized ErrorBody (possibly
 * empty). NULL with *length 0 for an empty body. */
const uint8_t *sr_reply_body(const sr_reply *reply, size_t *length);

/* ------------------------------------------------------------------ calls with bytes */

/* One blocking call with a serialized request: sends `request` (request_length bytes of
 * the method's request message, serialized) as method `method` and waits up to timeout_ms
 * (or SR_TIMEOUT_DEFAULT / SR_TIMEOUT_NONE). Returns SR_OK with *status set (SR_STATUS_OK
 * or the server's status) and *response a malloc'ed copy of the reply's body (see
 * sr_reply_body; free it with sr_free; NULL when the body is empty), or a client error
 * (SR_ERR_TIMEOUT, SR_ERR_EOF, ...; then *response is NULL and *status 0). Any method id
 * but Hello's may be sent: an id the server does not know is answered UNKNOWN_METHOD.
 * THROTTLED is a status unless throttle retries are on. */
int sr_call_bytes(sr_client *client, int method, const uint8_t *request, size_t request_length, int timeout_ms,
                  uint8_t **response, size_t *response_length, unsigned *status);
/* The same, returning the reply object (NULL on a client error): its status, body, error
 * message, retry_after_ms and details are all readable without protobuf. */
sr_reply *sr_call_raw(sr_client *client, int method, const uint8_t *request, size_t request_length,
                      int timeout_ms);

/* ------------------------------------------------------------------ pipelining */

/* Appends a serialized request to the output buffer (no I/O) and gives its request id.
 * Replies come back in any order; match them by id. Fails with SR_ERR_GOAWAY after a
 * GOAWAY, SR_ERR_NOT_CONNECTED on a broken connection. */
int sr_append_bytes(sr_client *client, int method, const uint8_t *request, size_t request_length,
                    uint32_t *request_id);
/* The deadline (ms, 0 = none, the default) that requests appended from now on carry, on a
 * connection with sr_client_request_deadlines. Blocking calls send their own timeout. */
int sr_client_set_append_deadline_ms(sr_client *client, uint32_t ms);
/* Sends what was appended and waits for the next reply, whichever request it answers.
 * SR_OK with *reply set; SR_ERR_TIMEOUT; or a connection error, after which every request
 * still unanswered is dropped. Never blocks when nothing is pending: then it returns
 * SR_ERR_NO_SUCH_REQUEST. */
int sr_get_reply(sr_client *client, int timeout_ms, sr_reply **reply);
/* Like sr_get_reply, but for one request id; replies to others are kept for later. (Watch
 * events are not replies: they are queued on their sr_watch, srclient_watch.h.) */
int sr_get_reply_for(sr_client *client, uint32_t request_id, int timeout_ms, sr_reply **reply);
/* The replies still to take with sr_get_reply: requests appended and not yet answered,
 * plus answers already read from the socket and not yet taken. So
 *     while (sr_pending(c) > 0 && sr_get_reply(c, timeout, &r) == SR_OK) { ...; sr_reply_free(r); }
 * collects every reply. (Requests whose blocking call timed out are not counted: their
 * late answers are dropped.) After a connection error it counts only the replies read
 * before the break. */
size_t sr_pending(const sr_client *client);

/* ------------------------------------------------------------------ non-blocking I/O */

/* For event loops (sr-benchmark uses these with epoll): the socket is non-blocking
 * throughout. With TLS, call sr_client_read_some whenever the fd is readable or writable
 * (a TLS record may need either). */
int sr_client_fd(const sr_client *client);
/* Writes as much of the output buffer as the socket takes; *done = 1 when it is empty. */
int sr_client_write_some(sr_client *client, int *done);
/* Reads what the socket has and turns whole frames into ready replies (no blocking). */
int sr_client_read_some(sr_client *client);
/* Takes a reply that was already read, if any (*reply = NULL if none); no I/O. */
int sr_take_ready_reply(sr_client *client, sr_reply **reply);

/* srclient-cdef-end */

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* SRCLIENT_CORE_H */
