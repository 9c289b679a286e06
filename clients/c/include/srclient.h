/*
 * srclient.h: the C client of the schema registry, speaking SRP (docs/PROTOCOL.md).
 *
 * One header, prefix sr_. The library's own objects (sr_options, sr_client, sr_reply,
 * sr_reader, sr_frame) are opaque handles with accessors and a paired free, so their
 * layout can change without breaking callers. Request and response messages are the
 * protobuf-c types generated from proto/srp.proto (srp.pb-c.h, installed next to this
 * header): they are the protocol's own vocabulary, evolve by protobuf's rules, and are
 * allocated by the library on the read side.
 *
 * Thread safety: an sr_client (and an sr_reader) is NOT thread-safe. Use one client per
 * thread, or guard each client with a mutex of your own. Distinct clients share nothing
 * and may be used from different threads at once. sr_reply objects are plain data once
 * returned and may be handed to another thread.
 *
 * Errors: functions that can fail return SR_OK (0) or an sr_err code and leave the code and
 * a message on the client (sr_client_err, sr_client_errstr), like hiredis's err/errstr.
 * SR_ERR_IO, SR_ERR_EOF, SR_ERR_PROTOCOL and SR_ERR_GOAWAY also mark the connection broken
 * until sr_client_reconnect. A RESPONSE whose status is not OK (a registry error,
 * THROTTLED, ...) is not a client error: it is a reply with that status.
 *
 * Compatibility: codes, statuses and enums only ever grow; a value never changes meaning.
 * Feature macros (SR_HAS_*) say what this version offers.
 *
 * Not yet: TLS. This version speaks plain TCP only; put it on a trusted network or behind a
 * TLS-terminating proxy (the server speaks TLS: docs/PROTOCOL.md section 18). SR_HAS_TLS will
 * be defined by the version that adds it. Nor does it send per-request deadlines (the DEADLINE
 * frame flag, PROTOCOL.md 6.1): its timeouts are local; SR_HAS_DEADLINES will announce them.
 */
#ifndef SRCLIENT_H
#define SRCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "srp.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SR_VERSION_MAJOR 0
#define SR_VERSION_MINOR 1
#define SR_VERSION_PATCH 0
#define SR_VERSION_STRING "0.1.0"

/* Feature macros: test these rather than version numbers. */
#define SR_HAS_PIPELINING 1     /* sr_append / sr_get_reply / sr_get_reply_for */
#define SR_HAS_LZ4 1            /* LZ4 bodies, both directions, when negotiated */
#define SR_HAS_CREDENTIALS 1    /* sr_options_set_api_key */
#define SR_HAS_THROTTLE_RETRY 1 /* sr_options_set_throttle_retries */
#define SR_HAS_NONBLOCKING_IO 1 /* sr_client_fd / sr_client_write_some / sr_client_read_some */
#define SR_HAS_READER 1         /* the I/O-free frame reader, sr_reader_* */

#if defined(__GNUC__) && __GNUC__ >= 4
#define SR_API __attribute__((visibility("default")))
#else
#define SR_API
#endif

/* ------------------------------------------------------------------ errors */

/* Client-side error codes. Only ever grow; a published value keeps its meaning. */
typedef enum sr_err {
    SR_OK = 0,
    SR_ERR_IO = 1,           /* a socket call failed (errno in the message) */
    SR_ERR_EOF = 2,          /* the server closed the connection */
    SR_ERR_PROTOCOL = 3,     /* the server broke the framing; the stream is unusable */
    SR_ERR_TIMEOUT = 4,      /* no answer within the call's timeout (connection stays up) */
    SR_ERR_OOM = 5,          /* out of memory */
    SR_ERR_GOAWAY = 6,       /* the server sent GOAWAY: no new requests on this connection */
    SR_ERR_HANDSHAKE = 7,    /* HELLO was refused or answered badly */
    SR_ERR_RESOLVE = 8,      /* the host name did not resolve */
    SR_ERR_ARGUMENT = 9,     /* a bad argument (unknown method, wrong message type, ...) */
    SR_ERR_NOT_CONNECTED = 10, /* the connection is broken: call sr_client_reconnect */
    SR_ERR_ENCODE = 11,      /* a request could not be encoded (too large for max_frame_size) */
    SR_ERR_NO_SUCH_REQUEST = 12 /* sr_get_reply_for: that id is not pending */
} sr_err;

/* A stable, upper-case name for an sr_err ("SR_ERR_TIMEOUT"); never NULL. */
SR_API const char *sr_err_name(int err);

/* Protocol and registry statuses (docs/PROTOCOL.md section 7): the u16 `code` of a
 * RESPONSE or GOAWAY. Registry statuses are Confluent's numbers (40403, 40901, ...). */
enum {
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

/* "THROTTLED", "SCHEMA_NOT_FOUND", ...; never NULL. Unknown codes get a name by range:
 * handle them by range (404xx not found, 409xx conflict, 422xx invalid, 500xx server). */
SR_API const char *sr_status_name(unsigned status);

/* ------------------------------------------------------------------ methods */

/* Method ids, the `code` of a REQUEST: enum sr_method, one SR_METHOD_<RPC_NAME> per rpc (SR_METHOD_HELLO,
 * SR_METHOD_GET_SCHEMA_BY_ID, ...), rendered from proto/srp.proto's (srp.method_id) options by srp-codegen. */
#include "sr_methods_generated.h"

/* The rpc name ("GetSchemaById"), or NULL for an id this library does not know. */
SR_API const char *sr_method_name(int method);

/* ------------------------------------------------------------------ options */

typedef struct sr_options sr_options;

/* Defaults: 127.0.0.1:7911, LZ4 offered, connect timeout 5000 ms, call timeout 30000 ms,
 * no throttle retries, no automatic reconnect, client name "srclient/<version>". */
SR_API sr_options *sr_options_new(void);
SR_API void sr_options_free(sr_options *options);
/* Setters copy their strings and return SR_OK, SR_ERR_OOM or SR_ERR_ARGUMENT. */
SR_API int sr_options_set_host(sr_options *options, const char *host);
SR_API int sr_options_set_port(sr_options *options, int port);
SR_API int sr_options_set_api_key(sr_options *options, const char *api_key);
SR_API int sr_options_set_client_name(sr_options *options, const char *name);
/* Offer LZ4 in HELLO (default 1). */
SR_API int sr_options_set_compression(sr_options *options, int offer_lz4);
/* Bodies below this are sent plain (the server's threshold wins when higher). */
SR_API int sr_options_set_compression_threshold(sr_options *options, unsigned bytes);
SR_API int sr_options_set_connect_timeout_ms(sr_options *options, int ms);
/* Timeout of calls that pass SR_TIMEOUT_DEFAULT; 0 waits forever. */
SR_API int sr_options_set_call_timeout_ms(sr_options *options, int ms);
/* Blocking calls answered THROTTLED (or OVERLOADED) wait retry_after_ms and resend, up to
 * this many times (default 0: the THROTTLED reply is returned to the caller). */
SR_API int sr_options_set_throttle_retries(sr_options *options, int retries);
/* A blocking call on a broken connection (or one that got GOAWAY and has nothing pending)
 * reconnects first (default 0). */
SR_API int sr_options_set_auto_reconnect(sr_options *options, int on);

/* ------------------------------------------------------------------ client */

typedef struct sr_client sr_client;

/* Timeouts of single calls: a number of milliseconds, or one of these. */
#define SR_TIMEOUT_DEFAULT (-1) /* the client's call timeout */
#define SR_TIMEOUT_NONE 0       /* wait forever */

/* Connects and shakes hands (preface, HELLO with credentials, HELLO_OK). Returns NULL only
 * when out of memory; otherwise check sr_client_err: the client exists even when the
 * connection failed, so the reason can be read (hiredis's redisConnect model). NULL options
 * mean the defaults. The options
 * are copied; free them when you like. */
SR_API sr_client *sr_connect(const sr_options *options);
/* Closes the connection and frees everything, pending replies included. NULL is ignored. */
SR_API void sr_client_free(sr_client *client);
/* Closes, reconnects and shakes hands again. Pending requests of the old connection are
 * dropped (their ids will never be answered). */
SR_API int sr_client_reconnect(sr_client *client);

/* The error of the last call (SR_OK if it succeeded) and its message (never NULL). */
SR_API int sr_client_err(const sr_client *client);
SR_API const char *sr_client_errstr(const sr_client *client);
/* 1 while the connection can take requests (connected, handshake done, no GOAWAY). */
SR_API int sr_client_is_connected(const sr_client *client);

/* What HELLO_OK negotiated (valid after a successful connect). */
SR_API int sr_client_lz4(const sr_client *client);
SR_API uint32_t sr_client_max_frame_size(const sr_client *client);
SR_API uint32_t sr_client_max_in_flight(const sr_client *client);
SR_API const char *sr_client_server_id(const sr_client *client);
SR_API const char *sr_client_server_version(const sr_client *client);

/* Counters since the client was created, for tests and monitoring. */
typedef enum sr_stat {
    SR_STAT_FRAMES_SENT = 0,
    SR_STAT_FRAMES_RECEIVED = 1,
    SR_STAT_LZ4_FRAMES_SENT = 2,
    SR_STAT_LZ4_FRAMES_RECEIVED = 3,
    SR_STAT_BYTES_SENT = 4,
    SR_STAT_BYTES_RECEIVED = 5,
    SR_STAT_THROTTLED = 6,
    SR_STAT_RECONNECTS = 7
} sr_stat;
SR_API uint64_t sr_client_stat(const sr_client *client, sr_stat stat);

/* ------------------------------------------------------------------ replies */

typedef struct sr_reply sr_reply;

SR_API void sr_reply_free(sr_reply *reply);
SR_API uint32_t sr_reply_request_id(const sr_reply *reply);
SR_API int sr_reply_method(const sr_reply *reply);
/* SR_STATUS_OK, a protocol status or a registry status. */
SR_API unsigned sr_reply_status(const sr_reply *reply);
/* For a status other than OK: the ErrorBody's message ("" if none), retry_after_ms, and its
 * details (the reasons of a 40901, in order). A BAD_COMPRESSION found by this client in the
 * server's answer also comes back as a reply, with a message that says so. */
SR_API const char *sr_reply_error_message(const sr_reply *reply);
SR_API uint32_t sr_reply_retry_after_ms(const sr_reply *reply);
SR_API size_t sr_reply_error_detail_count(const sr_reply *reply);
SR_API const char *sr_reply_error_detail(const sr_reply *reply, size_t index);
/* The response message for status OK, parsed on first use (so a caller that needs only
 * the status never pays for parsing); NULL for other statuses or an unparsable body (then
 * sr_reply_status stays OK and this is NULL). Owned by the reply. Cast it to the method's
 * response type, or use the typed accessors below. */
SR_API const ProtobufCMessage *sr_reply_message(sr_reply *reply);
/* The plain (decompressed) body as received. */
SR_API const uint8_t *sr_reply_body(const sr_reply *reply, size_t *length);

/* ------------------------------------------------------------------ blocking calls */

/* One call per RPC. Each sends the request, waits for its answer (other replies that arrive
 * meanwhile are kept for sr_get_reply) and returns it; NULL on a client error (read
 * sr_client_err). THROTTLED is returned as a reply unless throttle retries are on. The
 * reply's sr_reply_message is the method's response type; typed accessors follow. */
SR_API sr_reply *sr_call(sr_client *client, int method, const ProtobufCMessage *request, int timeout_ms);

/* sr_ping, sr_server_info, sr_get_schema_by_id, ...: sr_<rpc name in snake case>(c, request, timeout_ms)
 * for every rpc but Hello, rendered from proto/srp.proto by srp-codegen. CreateApiKey, ListApiKeys and
 * RevokeApiKey need an admin key (one not limited to subject prefixes). */
#include "sr_calls_generated.h"

/* Typed views of sr_reply_message: NULL unless the reply is OK and of that method. */
#define SR_REPLY_AS(reply, Type, method)                                                              \
    ((sr_reply_method(reply) == (method)) ? (const Type *)sr_reply_message(reply) : (const Type *)0)

/* ------------------------------------------------------------------ pipelining */

/* Appends a request to the output buffer (no I/O, like redisAppendCommand) and gives its
 * request id. Replies come back in any order; match them by id. Fails with SR_ERR_GOAWAY
 * after a GOAWAY, SR_ERR_NOT_CONNECTED on a broken connection. */
SR_API int sr_append(sr_client *client, int method, const ProtobufCMessage *request, uint32_t *request_id);
/* Sends what was appended and waits for the next reply, whichever request it answers.
 * SR_OK with *reply set; SR_ERR_TIMEOUT; or a connection error, after which every pending
 * request is dropped (sr_pending is 0). Never blocks when nothing is pending: then it
 * returns SR_ERR_NO_SUCH_REQUEST. */
SR_API int sr_get_reply(sr_client *client, int timeout_ms, sr_reply **reply);
/* Like sr_get_reply, but for one request id; replies to others are kept for later. */
SR_API int sr_get_reply_for(sr_client *client, uint32_t request_id, int timeout_ms, sr_reply **reply);
/* Requests appended and not yet answered (replies already read but not taken excluded). */
SR_API size_t sr_pending(const sr_client *client);

/* ------------------------------------------------------------------ non-blocking I/O */

/* For event loops (the sr-benchmark tool uses these with epoll). Shape of hiredis's
 * redisBufferWrite / redisBufferRead: the socket is non-blocking throughout. */
SR_API int sr_client_fd(const sr_client *client);
/* Writes as much of the output buffer as the socket takes; *done = 1 when it is empty. */
SR_API int sr_client_write_some(sr_client *client, int *done);
/* Reads what the socket has and turns whole frames into ready replies (no blocking). */
SR_API int sr_client_read_some(sr_client *client);
/* Takes a reply that was already read, if any (*reply = NULL if none); no I/O. */
SR_API int sr_take_ready_reply(sr_client *client, sr_reply **reply);

/* ------------------------------------------------------------------ the frame reader */

/* An I/O-free SRP frame reader: feed it bytes, take whole frames out (hiredis's
 * redisReaderFeed / redisReaderGetReply shape). It enforces the header checks of
 * docs/PROTOCOL.md 4.4 from the 12 header bytes alone, before buffering any body. */
typedef struct sr_reader sr_reader;
typedef struct sr_frame sr_frame;

enum {
    SR_FRAME_REQUEST = 1,
    SR_FRAME_RESPONSE = 2,
    SR_FRAME_PING = 3,
    SR_FRAME_PONG = 4,
    SR_FRAME_GOAWAY = 5
};
#define SR_FLAG_LZ4 0x01u
#define SR_PREHANDSHAKE_MAX_BODY 16384u
#define SR_DEFAULT_MAX_FRAME_SIZE 4194304u

/* What sr_reader_get found. */
typedef enum sr_read {
    SR_READ_ERROR = -1,    /* a header-level violation: sr_reader_status / sr_reader_errstr */
    SR_READ_NEED_MORE = 0, /* no whole frame yet */
    SR_READ_FRAME = 1,     /* *frame is set; free it with sr_frame_free */
    SR_READ_PREFACE = 2    /* (expect_preface readers) the preface; sr_reader_preface_version */
} sr_read;

/* expect_preface: 1 for the server side of a connection (the client's 8-byte preface comes
 * first). max_body: the largest body accepted (+4 for an LZ4 body). */
SR_API sr_reader *sr_reader_new(int expect_preface, uint32_t max_body);
SR_API void sr_reader_free(sr_reader *reader);
SR_API void sr_reader_set_max_body(sr_reader *reader, uint32_t max_body);
/* Copies the bytes in; SR_OK, SR_ERR_OOM, or SR_ERR_PROTOCOL once the reader failed. */
SR_API int sr_reader_feed(sr_reader *reader, const void *bytes, size_t length);
SR_API sr_read sr_reader_get(sr_reader *reader, sr_frame **frame);
/* At end of stream: SR_OK if no partial frame is left, else SR_READ_ERROR semantics
 * (status PROTOCOL_ERROR, "truncated frame"). Returns an sr_read. */
SR_API sr_read sr_reader_finish(sr_reader *reader);
/* After SR_READ_ERROR: the protocol status (SR_STATUS_UNKNOWN_KIND, ...) and a message. */
SR_API unsigned sr_reader_status(const sr_reader *reader);
SR_API const char *sr_reader_errstr(const sr_reader *reader);
SR_API unsigned sr_reader_preface_version(const sr_reader *reader);
/* Bytes fed and not yet returned as frames. */
SR_API size_t sr_reader_buffered(const sr_reader *reader);

SR_API void sr_frame_free(sr_frame *frame);
SR_API unsigned sr_frame_kind(const sr_frame *frame);
SR_API unsigned sr_frame_flags(const sr_frame *frame);
SR_API unsigned sr_frame_code(const sr_frame *frame);
SR_API uint32_t sr_frame_request_id(const sr_frame *frame);
/* The body as on the wire (for LZ4: the 4-byte length and the block). */
SR_API const uint8_t *sr_frame_body(const sr_frame *frame, size_t *length);
/* Undoes compression (docs/PROTOCOL.md 9.4): a malloc'ed plain body in *plain (free() it;
 * NULL for an empty body) and SR_STATUS_OK, or SR_STATUS_BAD_COMPRESSION with a reason in
 * errbuf. lz4_allowed: whether LZ4 was negotiated; max_size: the plain size limit. */
SR_API unsigned sr_frame_plain_body(const sr_frame *frame, int lz4_allowed, uint32_t max_size, uint8_t **plain,
                                    size_t *plain_length, char *errbuf, size_t errbuf_size);

#ifdef __cplusplus
}
#endif

#endif /* SRCLIENT_H */
