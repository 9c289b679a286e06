/*
 * srclient_watch.h: changes pushed by the server (Watch, docs/PROTOCOL.md 19) and the client's
 * caches of schemas by id and of the answers that can change (versions, config, mode), the
 * latter kept exact by a watch. Included by srclient.h; needs protobuf-c (srp.pb-c.h).
 *
 * Watch is the one request answered more than once: its first RESPONSE carries a
 * WatchResponse, every later one under the same request id a WatchEvents batch, and a RESPONSE
 * with a non-zero status ends it. An sr_watch lives on its client's connection, next to the
 * client's other calls: while a blocking call (or sr_get_reply) waits for its own answer,
 * event batches that arrive are queued on their watch, and sr_watch_next answers PINGs and
 * keeps other replies for their callers while it waits. Same thread rules as the client: an
 * sr_watch is used from the thread that uses its client.
 */
#ifndef SRCLIENT_WATCH_H
#define SRCLIENT_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "srclient_core.h"
#include "srp.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility push(default)
#endif

/* ------------------------------------------------------------------ watch */

/* Start watches with sr_watch_start only: a Watch sent with sr_call, sr_append or
 * sr_call_bytes is answered once (its WatchResponse) and the events that follow under its id
 * are dropped, since no sr_watch takes them. */
typedef struct sr_watch sr_watch;

/* Batches queued on one watch and not yet taken by sr_watch_next, counted in events: beyond
 * this bound (default 1,024; at least 1) the queue is dropped and the next sr_watch_next
 * returns a RESYNC event instead (see sr_watch_next). */
int sr_options_set_watch_queue_events(sr_options *options, unsigned events);

/* 1 if the server said in HELLO_OK that it offers Watch (its store keeps a change log). */
int sr_client_watch_available(const sr_client *client);

/* Sends Watch and waits (timeout_ms, or SR_TIMEOUT_DEFAULT / SR_TIMEOUT_NONE) for its
 * WatchResponse. SR_OK with *watch set; SR_ERR_REGISTRY when the server refused (the status,
 * e.g. 42209 or 40301, and its message are in sr_client_errstr; sr_watch_start_status gives the
 * status of the last refusal); or a client error (SR_ERR_TIMEOUT, SR_ERR_EOF, ...). To resume
 * after a reconnect, set request->after_position and request->log_id from sr_watch_position and
 * sr_watch_log_id of the previous watch. The request is not kept. Free the watch with
 * sr_watch_free (before or after the client). */
int sr_watch_start(sr_client *client, const Srp__WatchRequest *request, int timeout_ms, sr_watch **watch);
/* The status of the last refused sr_watch_start on this client (0 if none was refused). */
unsigned sr_watch_start_status(const sr_client *client);

/* The next batch of events, in position order: SR_OK with *events set (the caller's: free it
 * with sr_watch_events_free); SR_ERR_TIMEOUT when nothing came within timeout_ms (the watch goes
 * on; 0 = wait forever, SR_TIMEOUT_DEFAULT = the client's call timeout); SR_ERR_WATCH_ENDED once
 * the watch has ended (Unwatch answered, or the server ended it: sr_watch_end_status, e.g.
 * SHUTTING_DOWN (16) while a server drains) and every batch before the end was taken; or the
 * connection's error (SR_ERR_EOF, SR_ERR_IO, ...) when the connection broke, likewise after the
 * batches read before the break. Batches may hold no event (they only move the position); event
 * types this library does not know are passed through: skip them.
 * RESYNC: when more than the queue bound of events piled up unread (the application made other
 * calls on the client and did not take events), the queued batches are dropped and the next
 * batch returned is made up here: one WATCH_EVENT_TYPE_RESYNC event at the position of the last
 * batch dropped. As for the server's RESYNC, drop every mutable thing cached and read it again. */
int sr_watch_next(sr_watch *watch, int timeout_ms, Srp__WatchEvents **events);
/* The same without I/O, for event loops that read with sr_client_read_some: SR_OK with the next
 * queued batch, or with *events NULL when none is queued; the end error as sr_watch_next. */
int sr_watch_take_ready(sr_watch *watch, Srp__WatchEvents **events);
/* Frees a batch returned by sr_watch_next or sr_watch_take_ready (NULL is ignored). */
void sr_watch_events_free(Srp__WatchEvents *events);

/* Sends Unwatch and waits for its answer; batches that arrived before it stay takeable with
 * sr_watch_next, which then returns SR_ERR_WATCH_ENDED. SR_OK also when the watch had already
 * ended. The watch is still to be freed with sr_watch_free. */
int sr_watch_stop(sr_watch *watch, int timeout_ms);
/* Frees the watch. A watch still open is unwatched first (best effort: the Unwatch is
 * appended and sent when the client next does I/O; what still arrives is dropped). */
void sr_watch_free(sr_watch *watch);

/* The change log's id (from the WatchResponse; owned by the watch) and the position up to
 * which every change was delivered by sr_watch_next (the WatchResponse's position until the
 * first batch is taken): the after_position and log_id of a WatchRequest that resumes. */
const char *sr_watch_log_id(const sr_watch *watch);
uint64_t sr_watch_position(const sr_watch *watch);
/* 1 if the WatchResponse said resync: the resume position could not be honoured, so drop what
 * is cached that can change before using the events. */
int sr_watch_resync(const sr_watch *watch);
/* The Watch's request id on its connection (what Unwatch names). */
uint32_t sr_watch_request_id(const sr_watch *watch);
/* 1 while the server may still send events under the watch (started, not ended). */
int sr_watch_is_open(const sr_watch *watch);
/* Events queued and not yet taken, and events dropped by the queue bound so far. */
size_t sr_watch_queued_events(const sr_watch *watch);
uint64_t sr_watch_dropped_events(const sr_watch *watch);
/* The status of the RESPONSE that ended the watch (SHUTTING_DOWN, ...), 0 if it ended by
 * Unwatch, the connection closing, or has not ended. */
unsigned sr_watch_end_status(const sr_watch *watch);

/* ------------------------------------------------------------------ schema cache */

/* A cache of GetSchemaById answers on the client, bounded by bytes (the serialized schema plus a
 * fixed overhead per entry, sr_schema_cache_usage), evicting the least recently used. Off by
 * default (0 bytes). Schemas are immutable under their id, so entries are never invalidated: a
 * schema deleted for good (a permanent VERSIONS_DELETED/SUBJECT_DELETED, which names no id) may
 * stay readable from the cache until evicted. */
int sr_options_set_schema_cache_bytes(sr_options *options, size_t bytes);
/* Changes the bound on a live client; 0 turns the cache off and empties it. */
int sr_client_set_schema_cache_bytes(sr_client *client, size_t bytes);

/* The schema with this id: from the cache (a hit: no round trip, no allocation) or from the
 * server (GetSchemaById, then cached when the cache is on). SR_OK with *schema borrowed from
 * the client: valid until the next sr_schema_by_id, sr_client_set_schema_cache_bytes or
 * sr_client_free on this client (copy what you keep). SR_ERR_UNKNOWN_SCHEMA for 40403,
 * SR_ERR_REGISTRY for another refusal (status in the errstr), or a client error.
 * SR_STAT_SCHEMA_CACHE_HITS / _MISSES (sr_client_stat) count hits and misses. */
int sr_schema_by_id(sr_client *client, uint32_t id, int timeout_ms, const Srp__Schema **schema);
/* Bytes and entries held now. */
void sr_schema_cache_usage(const sr_client *client, size_t *bytes, size_t *entries);

/* ------------------------------------------------------------------ mutable cache */

/* A cache of the answers that can change: a subject's version (latest included), its
 * compatibility level and its mode (the global ones with subject "" or NULL). Off by default;
 * with max_entries > 0 the client opens, on the first lookup below, a watch of everything the
 * API key may read on its own connection (an internal sr_watch, PROTOCOL.md 19), and answers
 * from memory only while that watch is open. Bounded by entries, least recently used evicted.
 *
 * Exactness, without a thread: before answering from memory, a lookup reads what the socket
 * holds without waiting (one non-blocking read pass, up to 1 MiB) and applies every event of
 * the internal watch: VERSION_REGISTERED drops the subject's versions; VERSIONS_DELETED and
 * SUBJECT_DELETED everything of the subject; CONFIG_CHANGED / MODE_CHANGED the subject's level
 * or mode, or, for the global one (empty subject), every level or mode held (subjects without
 * their own inherit it); RESYNC everything. A fetched answer is kept only if no event touching
 * it arrived while it was fetched. So an answer from memory reflects every event the server had
 * written to the socket before the lookup began: the staleness bound is the time from a commit
 * to its event reaching this client's socket (milliseconds on a healthy connection), the same
 * as for any watcher. When the watch ends (the connection broke, was reconnected, or the server
 * ended it), everything is dropped and lookups go to the server until a new watch is open: the
 * next lookup starts one, at most once per connection (a refusal, e.g. a server whose store
 * keeps no change log, leaves that connection uncached). Events that arrive during other
 * calls are queued on the internal watch (sr_options_set_watch_queue_events bounds them; an
 * overflow is a RESYNC) and applied by the next lookup.
 *
 * A hit makes no round trip and no allocation: a hash lookup, one recv() that finds nothing,
 * and a move to the front of the recency list (cache-bench counts malloc calls over hits). */
int sr_options_set_mutable_cache_entries(sr_options *options, size_t max_entries);
/* Changes the bound on a live client; 0 turns the cache off, empties it and ends its watch. */
int sr_client_set_mutable_cache_entries(sr_client *client, size_t max_entries);

/* GetSchemaByVersion(subject, version; -1 = the latest), through the mutable cache when it is on.
 * SR_OK with *schema borrowed from the client: valid until the next mutable lookup
 * (sr_schema_by_version, sr_config_by_subject, sr_mode_by_subject),
 * sr_client_set_mutable_cache_entries or sr_client_free (copy what you keep). SR_ERR_REGISTRY
 * when the registry refused (40401 no such subject, 40402 no such version, ...:
 * sr_mutable_lookup_status; the message in the errstr), or a client error. Soft-deleted
 * versions are not returned (include_deleted false). Errors are never cached. */
int sr_schema_by_version(sr_client *client, const char *subject, int32_t version, int timeout_ms,
                         const Srp__SchemaVersion **schema);
/* GetConfig / GetMode of a subject (NULL or "" = the global one); default_to_global: when the
 * subject has none of its own, answer the global one (else the registry refuses, e.g. 40408).
 * SR_OK with *level / *mode set; errors as sr_schema_by_version. */
int sr_config_by_subject(sr_client *client, const char *subject, int default_to_global, int timeout_ms,
                         Srp__CompatibilityLevel *level);
int sr_mode_by_subject(sr_client *client, const char *subject, int default_to_global, int timeout_ms,
                       Srp__Mode *mode);
/* The registry status of the last refused mutable lookup (0 if the last one succeeded). */
unsigned sr_mutable_lookup_status(const sr_client *client);
/* Entries held now, and 1 if the internal watch is open (answers may come from memory). */
size_t sr_mutable_cache_entries(const sr_client *client);
int sr_mutable_cache_live(const sr_client *client);

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* SRCLIENT_WATCH_H */
