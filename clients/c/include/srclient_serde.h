/*
 * srclient_serde.h: Kafka payloads in Confluent's wire format, for C and for FFI bindings.
 * Included by srclient.h; usable on its own (it includes srclient_core.h).
 *
 *   wire    frame/unframe: magic byte 0, the schema id (4 bytes, big-endian), for Protobuf the
 *           message-index list (a zigzag varint count, then that many zigzag varint indexes;
 *           the single byte 0 means [0]), then the body.
 *   avro    an Avro schema compiled from its JSON text; values in Avro's JSON encoding (unions
 *           wrapped as {"branch": value}, bytes and fixed as strings of code points 0-255)
 *           to Avro binary and back. Our own code, checked against fastavro's bytes.
 *   json    the small JSON parser the codec uses, with a value tree for callers who want to
 *           parse once and encode many times (or read a decoded value without text).
 *   serde   a serializer (subject + schema: registered or looked up on first use, id cached)
 *           and a deserializer (schema fetched by id on first sight, cache bounded).
 *
 * Like srclient_core.h, the text between "srclient-cdef-begin" and "srclient-cdef-end" is
 * plain declarations that cffi.FFI().cdef() reads as they stand (after srclient_core.h's).
 *
 * Errors: every function returns SR_OK or an sr_err (SR_ERR_JSON, SR_ERR_SCHEMA,
 * SR_ERR_AVRO_VALUE, SR_ERR_AVRO_DATA, SR_ERR_WIRE_*, ...). Functions without an object take
 * errbuf/errbuf_size (errbuf may be NULL) and write a message there that says what and
 * where: "/orders/3/price: expected a double, found a string", "at byte 17: string length
 * 1000000 exceeds the 12 bytes left". Serializers and deserializers keep their last error
 * (sr_serializer_errstr, ...), as the client does.
 *
 * Hostile input: every read is bounds-checked; lengths and counts are checked against the
 * bytes left before anything is allocated; nesting is limited (128 levels); memory stays
 * proportional to the input. Malformed input is an error, never a crash.
 *
 * Ownership: what the library allocates for the caller is freed with sr_free (bytes, text)
 * or the object's own _free. A value tree decoded by sr_avro_decode_value refers to its
 * schema's names: free the tree before the schema. JSON numbers are read and written in
 * the "C" locale's format whatever LC_NUMERIC says (the parser and writer do not use it
 * for integers; doubles go through strtod/snprintf, so keep LC_NUMERIC "C").
 */
#ifndef SRCLIENT_SERDE_H
#define SRCLIENT_SERDE_H

#include <stddef.h>
#include <stdint.h>

#include "srclient_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility push(default)
#endif

/* srclient-cdef-begin */

/* The registry's schema types (proto/srp.proto's SchemaType). */
enum sr_schema_type { SR_SCHEMA_AVRO = 0, SR_SCHEMA_JSON = 1, SR_SCHEMA_PROTOBUF = 2 };

/* ------------------------------------------------------------------ wire format */

/* magic byte + id; the most message indexes unframing accepts (Protobuf nesting depth). */
enum sr_wire_limits { SR_WIRE_HEADER_SIZE = 5, SR_WIRE_MAX_INDEXES = 128 };

/* Frames an Avro or JSON body: [0][id, 4 bytes big-endian][body]. *payload is malloc'ed
 * (free with sr_free). SR_OK or SR_ERR_OOM. */
int sr_wire_frame(uint32_t schema_id, const uint8_t *body, size_t body_length, uint8_t **payload,
                  size_t *payload_length);
/* Frames a Protobuf body with its message indexes (the path to the message type in the
 * .proto file: [0] is its first message). index_count 0 or the list [0] is written as the
 * single byte 0, as Confluent does. Indexes must be >= 0 (else SR_ERR_ARGUMENT). */
int sr_wire_frame_protobuf(uint32_t schema_id, const int32_t *indexes, size_t index_count, const uint8_t *body,
                           size_t body_length, uint8_t **payload, size_t *payload_length);
/* Reads the header of an Avro or JSON payload: *schema_id, and *body_offset where the body
 * starts (the body is payload + *body_offset up to payload_length). SR_ERR_WIRE_MAGIC when
 * the first byte is not 0, SR_ERR_WIRE_TRUNCATED when fewer than 5 bytes. */
int sr_wire_unframe(const uint8_t *payload, size_t payload_length, uint32_t *schema_id, size_t *body_offset,
                    char *errbuf, size_t errbuf_size);
/* The same for Protobuf: also the message indexes, into indexes[0 .. max_indexes) with
 * *index_count set ([0] for the single byte 0). SR_ERR_WIRE_TRUNCATED when the list runs
 * past the end; SR_ERR_WIRE_INDEXES for a negative or too large count (more than
 * max_indexes, or than bytes left), a negative index or a varint longer than 5 bytes. */
int sr_wire_unframe_protobuf(const uint8_t *payload, size_t payload_length, uint32_t *schema_id,
                             int32_t *indexes, size_t max_indexes, size_t *index_count, size_t *body_offset,
                             char *errbuf, size_t errbuf_size);

/* ------------------------------------------------------------------ JSON */

typedef struct sr_json sr_json;             /* a parsed document: one arena, one free */
typedef struct sr_json_value sr_json_value; /* a node of it, owned by the document */
enum sr_json_type { SR_JSON_NULL = 0, SR_JSON_BOOL = 1, SR_JSON_NUMBER = 2, SR_JSON_STRING = 3, SR_JSON_ARRAY = 4,
                    SR_JSON_OBJECT = 5 };

/* Parses length bytes of JSON text (RFC 8259; UTF-8; at most 128 levels of nesting and
 * 1 GiB). SR_ERR_JSON with "at byte N (line L, column C): ..." in errbuf, or SR_ERR_OOM. */
int sr_json_parse(const char *text, size_t length, sr_json **document, char *errbuf, size_t errbuf_size);
void sr_json_free(sr_json *document);
/* The document as compact JSON text, malloc'ed and NUL-terminated (free with sr_free). */
int sr_json_write(const sr_json *document, char **text, size_t *length);
const sr_json_value *sr_json_root(const sr_json *document);
/* Accessors; a wrong type gives 0, NULL or an empty count rather than failing. */
int sr_json_type(const sr_json_value *value);
int sr_json_bool(const sr_json_value *value);
double sr_json_number(const sr_json_value *value);
/* 1 and *integer when the number was written as an integer that fits int64, else 0. */
int sr_json_integer(const sr_json_value *value, int64_t *integer);
/* UTF-8, NUL-terminated (it may also contain NULs: use *length). */
const char *sr_json_string(const sr_json_value *value, size_t *length);
/* Items of an array, members of an object. */
size_t sr_json_size(const sr_json_value *value);
const sr_json_value *sr_json_item(const sr_json_value *array, size_t index);
const char *sr_json_member_key(const sr_json_value *object, size_t index);
const sr_json_value *sr_json_member_value(const sr_json_value *object, size_t index);
/* The first member named key (NUL-terminated), or NULL. */
const sr_json_value *sr_json_get(const sr_json_value *object, const char *key);

/* ------------------------------------------------------------------ Avro */

typedef struct sr_avro_schema sr_avro_schema;

/* Compiles an Avro schema from its JSON text: primitives, records (field defaults kept),
 * enums, arrays, maps, unions, fixed; names with namespaces, references to named types
 * defined earlier in the text (or enclosing them: recursive types); logical types are
 * their underlying type. SR_ERR_JSON or SR_ERR_SCHEMA ("/fields/2/type: unknown type 'Foo'"). */
int sr_avro_schema_parse(const char *text, size_t length, sr_avro_schema **schema, char *errbuf,
                         size_t errbuf_size);
/* The same for a schema that uses named types defined in other schemas (Confluent's schema
 * references): references[0 .. reference_count) are those schemas' texts (NUL-terminated),
 * compiled first and in order, each able to use the named types of the ones before it. */
int sr_avro_schema_parse_with_references(const char *text, size_t length, const char *const *references,
                                         size_t reference_count, sr_avro_schema **schema, char *errbuf,
                                         size_t errbuf_size);
void sr_avro_schema_free(sr_avro_schema *schema);

/* A value in Avro's JSON encoding (text) to Avro binary (*out malloc'ed, sr_free).
 * SR_ERR_JSON for malformed text, SR_ERR_AVRO_VALUE when it does not fit the schema (the
 * message has the path: "/items/2/qty: expected an int, found a string"). A record field
 * missing from the object takes its default (else it is an error); members the schema does
 * not name are ignored. NaN and infinities are written as the strings "NaN", "Infinity",
 * "-Infinity" and read back from them. */
int sr_avro_encode_json(const sr_avro_schema *schema, const char *json, size_t json_length, uint8_t **out,
                        size_t *out_length, char *errbuf, size_t errbuf_size);
/* Avro binary (all length bytes: trailing bytes are an error) to Avro's JSON encoding, as
 * compact text (*json malloc'ed and NUL-terminated, sr_free). SR_ERR_AVRO_DATA when the
 * bytes do not fit the schema: truncated, lengths or counts past the end, a bad union or
 * enum index, a boolean other than 0/1, invalid UTF-8 in a string, an int out of range. */
int sr_avro_decode_json(const sr_avro_schema *schema, const uint8_t *data, size_t length, char **json,
                        size_t *json_length, char *errbuf, size_t errbuf_size);
/* The same without text: encode a parsed value (parse once, encode many times), decode into
 * a value tree (free with sr_json_free, before the schema). */
int sr_avro_encode_value(const sr_avro_schema *schema, const sr_json_value *value, uint8_t **out,
                         size_t *out_length, char *errbuf, size_t errbuf_size);
int sr_avro_decode_value(const sr_avro_schema *schema, const uint8_t *data, size_t length, sr_json **value,
                         char *errbuf, size_t errbuf_size);

/* ------------------------------------------------------------------ serializer */

typedef struct sr_serializer sr_serializer;

/* A serializer of values for `subject` (e.g. "orders-value") with `schema` (its text) of
 * schema_type. The client is borrowed: it must outlive the serializer, and the serializer
 * is as thread-unsafe as the client. NULL only when out of memory; otherwise check
 * sr_serializer_err (an AVRO schema is compiled here: SR_ERR_SCHEMA). Nothing is sent
 * until the first sr_serialize. */
sr_serializer *sr_serializer_new(sr_client *client, const char *subject, const char *schema, int schema_type);
void sr_serializer_free(sr_serializer *serializer);
int sr_serializer_err(const sr_serializer *serializer);
const char *sr_serializer_errstr(const sr_serializer *serializer);
/* On (default): the first sr_serialize registers the schema under the subject (a lookup if it
 * is already there). Off: it only looks the schema up (LookupSchema), failing with
 * SR_ERR_REGISTRY (SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND) when it is not registered. */
int sr_serializer_set_auto_register(sr_serializer *serializer, int on);
/* PROTOBUF: the message indexes framed with every payload (default [0]: the first message). */
int sr_serializer_set_message_indexes(sr_serializer *serializer, const int32_t *indexes, size_t count);
/* A schema reference (before the first sr_serialize): the schema uses the named type `name`
 * defined by `subject`'s version `version` (-1: the latest). It is registered with the
 * schema, and the referenced schemas (and theirs) are fetched to compile an Avro schema on
 * first use. */
int sr_serializer_add_reference(sr_serializer *serializer, const char *name, const char *subject, int32_t version);
/* The timeout of the registry calls (default SR_TIMEOUT_DEFAULT). */
int sr_serializer_set_timeout_ms(sr_serializer *serializer, int timeout_ms);
/* The schema id, once resolved (0 before the first successful sr_serialize). */
uint32_t sr_serializer_schema_id(const sr_serializer *serializer);
/* One value to one Kafka payload (*payload malloc'ed, sr_free): AVRO takes the value in
 * Avro's JSON encoding (text) and writes Avro binary; JSON takes JSON text (checked to be
 * well-formed) and writes it as it is; PROTOBUF takes the serialized message. The first call
 * resolves the schema id through the client: client errors (SR_ERR_TIMEOUT, ...) or
 * SR_ERR_REGISTRY with the registry's status and message ("INCOMPATIBLE: ..."). */
int sr_serialize(sr_serializer *serializer, const char *data, size_t length, uint8_t **payload,
                 size_t *payload_length);
/* AVRO only: a parsed value (see sr_avro_encode_value). */
int sr_serialize_value(sr_serializer *serializer, const sr_json_value *value, uint8_t **payload,
                       size_t *payload_length);

/* ------------------------------------------------------------------ deserializer */

typedef struct sr_deserializer sr_deserializer;
typedef struct sr_datum sr_datum; /* one deserialized payload */

/* Reads payloads of any subject: the id in the frame selects the schema, fetched with
 * GetSchemaById on first sight and cached (at most 1000 schemas by default, the oldest
 * dropped first); schemas it references are fetched too (GetSchemaByVersion). The client
 * is borrowed, as for the serializer. NULL only when out of memory. */
sr_deserializer *sr_deserializer_new(sr_client *client);
void sr_deserializer_free(sr_deserializer *deserializer);
int sr_deserializer_err(const sr_deserializer *deserializer);
const char *sr_deserializer_errstr(const sr_deserializer *deserializer);
int sr_deserializer_set_cache_size(sr_deserializer *deserializer, size_t schemas);
int sr_deserializer_set_timeout_ms(sr_deserializer *deserializer, int timeout_ms);
/* How many schemas are cached now (for tests and monitoring). */
size_t sr_deserializer_cached(const sr_deserializer *deserializer);
/* One payload to one datum (free with sr_datum_free): Avro binary decoded with the writer's
 * schema into Avro's JSON encoding; JSON checked to be well-formed; Protobuf's indexes read
 * and its body returned as it is. Errors: SR_ERR_WIRE_MAGIC, SR_ERR_WIRE_TRUNCATED,
 * SR_ERR_WIRE_INDEXES, SR_ERR_UNKNOWN_SCHEMA (the registry does not know the id),
 * SR_ERR_SCHEMA (it holds an Avro schema this library cannot compile), SR_ERR_AVRO_DATA,
 * SR_ERR_JSON, client errors. */
int sr_deserialize(sr_deserializer *deserializer, const uint8_t *payload, size_t length, sr_datum **datum);
void sr_datum_free(sr_datum *datum);
uint32_t sr_datum_schema_id(const sr_datum *datum);
int sr_datum_schema_type(const sr_datum *datum);
/* AVRO and JSON: JSON text, NUL-terminated; PROTOBUF: the serialized message. Owned by the
 * datum. */
const char *sr_datum_body(const sr_datum *datum, size_t *length);
size_t sr_datum_index_count(const sr_datum *datum);
int32_t sr_datum_index(const sr_datum *datum, size_t index);

/* srclient-cdef-end */

#if defined(__GNUC__) && __GNUC__ >= 4
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* SRCLIENT_SERDE_H */
