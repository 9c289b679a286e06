/*
 * srclient.h: the C client of the schema registry, speaking SRP (docs/PROTOCOL.md).
 *
 * Prefix sr_. The plain C part of the API (options, connect, replies, calls with serialized
 * bytes, pipelining, sr_free) is srclient_core.h, included here, which bindings can read
 * without protobuf-c; this header adds the protobuf-c typed calls and the frame reader.
 * The library's own objects (sr_options, sr_client, sr_reply,
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
 * TLS (SR_HAS_TLS, defined by builds with OpenSSL, which also pass -DSR_HAS_TLS=1 in
 * srclient.pc's Cflags; sr_tls_available() says so at run time) and per-request deadlines
 * (SR_HAS_DEADLINES: the DEADLINE frame flag, PROTOCOL.md 6.1): see srclient_core.h.
 */
#ifndef SRCLIENT_H
#define SRCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "srclient_core.h"
#include "srclient_serde.h"
#include "srclient_watch.h"
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
#define SR_HAS_BYTES 1          /* sr_call_bytes / sr_call_raw / sr_append_bytes / sr_free */
#define SR_HAS_DEADLINES 1      /* sr_options_set_request_deadlines, sr_client_set_append_deadline_ms */
#define SR_HAS_SERDE 1          /* srclient_serde.h: wire format, Avro codec, JSON, serializers */
#define SR_HAS_WATCH 1          /* srclient_watch.h: sr_watch_start / sr_watch_next / sr_watch_stop */
#define SR_HAS_SCHEMA_CACHE 1   /* srclient_watch.h: sr_schema_by_id, sr_options_set_schema_cache_bytes */
/* SR_HAS_TLS is defined (to 1) on the command line by builds with OpenSSL. */

#if defined(__GNUC__) && __GNUC__ >= 4
#define SR_API __attribute__((visibility("default")))
#else
#define SR_API
#endif

/* ------------------------------------------------------------------ methods */

/* Method ids, the `code` of a REQUEST: enum sr_method, one SR_METHOD_<RPC_NAME> per rpc (SR_METHOD_HELLO,
 * SR_METHOD_GET_SCHEMA_BY_ID, ...), rendered from proto/srp.proto's (srp.method_id) options by srp-codegen. */
#include "sr_methods_generated.h"

/* sr_method_name (srclient_core.h) gives the rpc name of an id. */

/* ------------------------------------------------------------------ replies */

/* (sr_reply and its plain accessors are in srclient_core.h.) */
/* The response message for status OK, parsed on first use (so a caller that needs only
 * the status never pays for parsing); NULL for other statuses or an unparsable body (then
 * sr_reply_status stays OK and this is NULL). Owned by the reply. Cast it to the method's
 * response type, or use the typed accessors below. */
SR_API const ProtobufCMessage *sr_reply_message(sr_reply *reply);

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
/* sr_get_reply, sr_get_reply_for, sr_pending, sr_append_bytes and the non-blocking I/O
 * functions are in srclient_core.h. */

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
#define SR_FLAG_DEADLINE 0x04u /* REQUEST only: the body starts with a u32 budget in ms (PROTOCOL.md 6.1) */
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
