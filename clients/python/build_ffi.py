"""The cffi builder of srclient._native (out-of-line API mode).

The declarations are the C client's own: the text between the srclient-cdef-begin and
srclient-cdef-end markers of clients/c/include/srclient_core.h and of
clients/c/include/srclient_serde.h (the wire format, the Avro codec, the JSON parser,
serializers and deserializers), read as they stand, in that order, then those of
srclient_watch.h written out below (WATCH_CDEF: the functions without protobuf-c types, and
srpy_* wrappers that take and give Watch requests, event batches and cached schemas
serialized, for the protobuf runtime). The library
is not linked from a prebuilt file: its sources (clients/c/src/*.c and the protobuf-c code of
clients/c/generated) are compiled into the extension, so `pip install clients/python` needs
only a C compiler and the -dev packages (libprotobuf-c-dev, liblz4-dev, libssl-dev for TLS).

SRCLIENT_C_DIR overrides where the C client is (default: ../c beside this file).
SRCLIENT_TLS=0 builds without TLS even when OpenSSL is found.
"""
from __future__ import annotations

import glob
import os
import shlex
import subprocess

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
C_DIR = os.path.abspath(os.environ.get("SRCLIENT_C_DIR") or os.path.join(HERE, "..", "c"))
HEADERS = (os.path.join(C_DIR, "include", "srclient_core.h"), os.path.join(C_DIR, "include", "srclient_serde.h"))

# get_many's loop, compiled into the module: pipelining, the in-flight window and decoding the
# replies happen in C, and Python turns the results into Schema objects in one pass.
HELPERS_CDEF = """
typedef struct srpy_many {
    size_t count;            /* ids asked */
    /* The batch's state between srpy_many_step calls. */
    const uint32_t *ids;     /* borrowed from the caller, for the whole batch */
    size_t window, sent, outstanding;
    uint32_t first;
    /* OK replies decoded here, in the order they came: the index (into ids) of each, the
       schema's id and type, and its text in `texts`, every text followed by a NUL (none
       contains one: a text that does is handed over whole, below), so that Python makes all
       the strings with one decode and one split. */
    size_t decoded;
    uint32_t *order;
    uint32_t *schema_id;
    int *schema_type;
    uint8_t *texts;
    size_t texts_length;
    size_t texts_capacity;
    /* The rest (error statuses, responses with references): the whole body at
       bodies[offset, offset+length) for the protobuf runtime. */
    size_t others;
    uint32_t *other_order;
    unsigned *other_status;
    uint64_t *other_offset;
    uint64_t *other_length;
    uint8_t *bodies;
    size_t bodies_length;
    size_t bodies_capacity;
} srpy_many;
int srpy_many_start(sr_client *client, const uint32_t *ids, size_t count, size_t window, srpy_many *many);
int srpy_many_step(sr_client *client, srpy_many *many, size_t max_replies, int timeout_ms);
void srpy_many_free(srpy_many *many);
"""

# The definitions, after the declarations above (written once: the cdef is plain C).
HELPERS_SOURCE = r"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "srclient_core.h"
#include "srclient_serde.h"

""" + HELPERS_CDEF + r"""
void srpy_many_free(srpy_many *m) {
    free(m->order); free(m->schema_id); free(m->schema_type); free(m->texts);
    free(m->other_order); free(m->other_status); free(m->other_offset); free(m->other_length); free(m->bodies);
    memset(m, 0, sizeof *m);
}

static int srpy_varint(const uint8_t **p, const uint8_t *end, uint64_t *value) {
    uint64_t result = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t byte = *(*p)++;
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) { *value = result; return 1; }
    }
    return 0;
}

static int srpy_skip(const uint8_t **p, const uint8_t *end, unsigned wire) {
    uint64_t v;
    switch (wire) {
    case 0: return srpy_varint(p, end, &v);
    case 1: if (end - *p < 8) return 0; *p += 8; return 1;
    case 2: if (!srpy_varint(p, end, &v) || v > (uint64_t)(end - *p)) return 0; *p += v; return 1;
    case 5: if (end - *p < 4) return 0; *p += 4; return 1;
    default: return 0;
    }
}

/* GetSchemaByIdResponse { Schema schema = 1 { uint32 id = 1; SchemaType schema_type = 2;
 * string schema = 3; repeated SchemaReference references = 4; } }. 1 when decoded and without
 * references (else the caller hands the body to the protobuf runtime). */
static int srpy_decode(const uint8_t *body, size_t length, uint32_t *id, int *type, const uint8_t **text,
                       size_t *text_length) {
    const uint8_t *p = body, *end = body + length, *s = NULL, *s_end = NULL;
    uint64_t key, v;
    int fields = 0;
    *id = 0; *type = 0; *text = NULL; *text_length = 0;
    while (p < end) {
        if (!srpy_varint(&p, end, &key)) return 0;
        if (key == ((1u << 3) | 2)) {
            if (s || !srpy_varint(&p, end, &v) || v > (uint64_t)(end - p)) return 0; /* twice: merge rules */
            s = p; s_end = p + v; p += v;
        } else if (!srpy_skip(&p, end, key & 7)) return 0;
    }
    if (!s) return 0;
    p = s;
    while (p < s_end) {
        if (!srpy_varint(&p, s_end, &key)) return 0;
        switch (key) {
        case (1u << 3) | 0: if (!srpy_varint(&p, s_end, &v)) return 0; *id = (uint32_t)v; break;
        case (2u << 3) | 0: if (!srpy_varint(&p, s_end, &v)) return 0; *type = (int)v; break;
        case (3u << 3) | 2:
            if (fields & 1) return 0;
            fields |= 1;
            if (!srpy_varint(&p, s_end, &v) || v > (uint64_t)(s_end - p)) return 0;
            *text = p; *text_length = (size_t)v; p += v; break;
        case (4u << 3) | 2: return 0; /* references: the runtime builds them */
        default: if (!srpy_skip(&p, s_end, key & 7)) return 0;
        }
    }
    return 1;
}

/* Appends length bytes (and a NUL when `terminate`) to a growing buffer. */
static int srpy_put(uint8_t **data, size_t *used, size_t *capacity, const uint8_t *bytes, size_t length,
                    int terminate) {
    size_t need = *used + length + (terminate ? 1 : 0);
    if (need < *used) return 0;
    if (need > *capacity || !*data) {
        size_t grown_capacity = *capacity ? *capacity : 65536;
        while (grown_capacity < need) grown_capacity *= 2;
        uint8_t *grown = realloc(*data, grown_capacity);
        if (!grown) return 0;
        *data = grown;
        *capacity = grown_capacity;
    }
    if (length) memcpy(*data + *used, bytes, length);
    *used += length;
    if (terminate) (*data)[(*used)++] = 0;
    return 1;
}

/* The offset of request id `id` in a batch whose first request was `first` (ids grow by one,
 * skipping 0 when they wrap). */
static size_t srpy_position(uint32_t id, uint32_t first) {
    uint32_t offset = id - first;
    if (id < first) offset -= 1;
    return offset;
}

static int srpy_append(sr_client *client, uint32_t id, uint32_t *request_id) {
    uint8_t body[6];
    size_t n = 0;
    body[n++] = 0x08; /* GetSchemaByIdRequest.id, varint */
    do {
        uint8_t byte = id & 0x7f;
        id >>= 7;
        body[n++] = byte | (id ? 0x80 : 0);
    } while (id);
    return sr_append_bytes(client, 10 /* GetSchemaById */, body, n, request_id);
}

static int srpy_send_next(sr_client *client, srpy_many *m) {
    uint32_t request_id;
    int err = srpy_append(client, m->ids[m->sent], &request_id);
    if (err != SR_OK) return err;
    if (m->sent == 0) m->first = request_id;
    if (srpy_position(request_id, m->first) != m->sent) return SR_ERR_ARGUMENT;
    m->sent++, m->outstanding++;
    return SR_OK;
}

/* GetSchemaById for ids[0..count) (ids must live until the batch is done), pipelined with at
 * most `window` unanswered: allocates the batch and appends the first window of requests.
 * SR_OK, or an error (free `m` with srpy_many_free in every case). */
int srpy_many_start(sr_client *client, const uint32_t *ids, size_t count, size_t window, srpy_many *m) {
    memset(m, 0, sizeof *m);
    if (count == 0) return SR_OK;
    m->count = count;
    m->ids = ids;
    m->window = window ? window : 1;
    if (count > UINT32_MAX) return SR_ERR_ARGUMENT;
    m->order = calloc(count, sizeof *m->order);
    m->schema_id = calloc(count, sizeof *m->schema_id);
    m->schema_type = calloc(count, sizeof *m->schema_type);
    m->other_order = calloc(count, sizeof *m->other_order);
    m->other_status = calloc(count, sizeof *m->other_status);
    m->other_offset = calloc(count, sizeof *m->other_offset);
    m->other_length = calloc(count, sizeof *m->other_length);
    if (!m->order || !m->schema_id || !m->schema_type || !m->other_order || !m->other_status || !m->other_offset ||
        !m->other_length)
        return SR_ERR_OOM;
    int err;
    while (m->sent < count && m->outstanding < m->window)
        if ((err = srpy_send_next(client, m)) != SR_OK) return err;
    return SR_OK;
}

/* Takes up to max_replies replies (each wait bounded by timeout_ms), appending the next
 * request for each, so the server keeps a full window while the caller turns this step's
 * results into objects. The results (decoded, others, texts, bodies) are this step's only:
 * they are reset first. Done when m->outstanding is 0 afterwards. */
int srpy_many_step(sr_client *client, srpy_many *m, size_t max_replies, int timeout_ms) {
    m->decoded = m->others = 0;
    m->texts_length = m->bodies_length = 0;
    int err;
    for (size_t taken = 0; taken < max_replies && m->outstanding > 0; taken++) {
        sr_reply *reply;
        if ((err = sr_get_reply(client, timeout_ms, &reply)) != SR_OK) return err;
        m->outstanding--;
        size_t index = srpy_position(sr_reply_request_id(reply), m->first);
        if (index >= m->sent || m->decoded + m->others >= m->count) { sr_reply_free(reply); return SR_ERR_ARGUMENT; }
        size_t length;
        const uint8_t *body = sr_reply_body(reply, &length);
        unsigned status = sr_reply_status(reply);
        const uint8_t *text;
        size_t text_length;
        uint32_t number;
        int type, ok;
        if (status == 0 && srpy_decode(body, length, &number, &type, &text, &text_length) &&
            (text_length == 0 || !memchr(text, 0, text_length))) {
            size_t k = m->decoded++;
            m->order[k] = (uint32_t)index;
            m->schema_id[k] = number;
            m->schema_type[k] = type;
            ok = srpy_put(&m->texts, &m->texts_length, &m->texts_capacity, text, text_length, 1);
        } else {
            size_t k = m->others++;
            m->other_order[k] = (uint32_t)index;
            m->other_status[k] = status;
            m->other_offset[k] = m->bodies_length;
            m->other_length[k] = length;
            ok = srpy_put(&m->bodies, &m->bodies_length, &m->bodies_capacity, body, length, 0);
        }
        sr_reply_free(reply);
        if (!ok) return SR_ERR_OOM;
        if (m->sent < m->count && (err = srpy_send_next(client, m)) != SR_OK) return err;
    }
    if (m->outstanding > 0) { /* on the wire now, not in our buffer, while the caller works */
        int done;
        if ((err = sr_client_write_some(client, &done)) != SR_OK) return err;
    }
    return SR_OK;
}
"""


# srclient_watch.h (Watch, the schema cache, the mutable cache): its functions that take or give
# protobuf-c messages are reached through the srpy_* wrappers below, which take and give the
# messages serialized (the protobuf runtime builds and reads them, as for every other call);
# the rest are declared as they stand.
WATCH_CDEF = """
typedef struct sr_watch sr_watch;
int sr_options_set_watch_queue_events(sr_options *options, unsigned events);
int sr_client_watch_available(const sr_client *client);
unsigned sr_watch_start_status(const sr_client *client);
int sr_watch_stop(sr_watch *watch, int timeout_ms);
void sr_watch_free(sr_watch *watch);
const char *sr_watch_log_id(const sr_watch *watch);
uint64_t sr_watch_position(const sr_watch *watch);
int sr_watch_resync(const sr_watch *watch);
uint32_t sr_watch_request_id(const sr_watch *watch);
int sr_watch_is_open(const sr_watch *watch);
size_t sr_watch_queued_events(const sr_watch *watch);
uint64_t sr_watch_dropped_events(const sr_watch *watch);
unsigned sr_watch_end_status(const sr_watch *watch);
int sr_options_set_schema_cache_bytes(sr_options *options, size_t bytes);
int sr_client_set_schema_cache_bytes(sr_client *client, size_t bytes);
void sr_schema_cache_usage(const sr_client *client, size_t *bytes, size_t *entries);
int sr_options_set_mutable_cache_entries(sr_options *options, size_t max_entries);
int sr_client_set_mutable_cache_entries(sr_client *client, size_t max_entries);
unsigned sr_mutable_lookup_status(const sr_client *client);
size_t sr_mutable_cache_entries(const sr_client *client);
int sr_mutable_cache_live(const sr_client *client);

int srpy_watch_start(sr_client *client, const uint8_t *request, size_t length, int timeout_ms, sr_watch **watch);
int srpy_watch_next(sr_watch *watch, int timeout_ms, int no_io, uint8_t **body, size_t *length);
int srpy_schema_by_id(sr_client *client, uint32_t id, int timeout_ms, uint8_t **body, size_t *length);
int srpy_schema_by_version(sr_client *client, const char *subject, int32_t version, int timeout_ms,
                           uint8_t **body, size_t *length);
int srpy_config_by_subject(sr_client *client, const char *subject, int default_to_global, int timeout_ms, int *level);
int srpy_mode_by_subject(sr_client *client, const char *subject, int default_to_global, int timeout_ms, int *mode);
void srpy_free(void *pointer);
"""

WATCH_SOURCE = r"""
#include "srclient_watch.h"

void srpy_free(void *pointer) { free(pointer); }

/* A protobuf-c message serialized into a malloc'd buffer (the caller frees it with srpy_free). */
#define SRPY_PACK(type_lower, message, body, length)                                  \
    do {                                                                              \
        size_t n_ = srp__##type_lower##__get_packed_size(message);                    \
        uint8_t *out_ = malloc(n_ ? n_ : 1);                                          \
        if (!out_) return SR_ERR_OOM;                                                 \
        srp__##type_lower##__pack(message, out_);                                     \
        *(body) = out_;                                                               \
        *(length) = n_;                                                               \
    } while (0)

/* sr_watch_start with the WatchRequest serialized. */
int srpy_watch_start(sr_client *client, const uint8_t *request, size_t length, int timeout_ms, sr_watch **watch) {
    *watch = NULL;
    Srp__WatchRequest *req = srp__watch_request__unpack(NULL, length, request);
    if (!req) return SR_ERR_ARGUMENT;
    int err = sr_watch_start(client, req, timeout_ms, watch);
    srp__watch_request__free_unpacked(req, NULL);
    return err;
}

/* sr_watch_next (or, with no_io, sr_watch_take_ready) with the batch serialized as WatchEvents:
 * SR_OK with *body NULL when take_ready found nothing queued. */
int srpy_watch_next(sr_watch *watch, int timeout_ms, int no_io, uint8_t **body, size_t *length) {
    *body = NULL;
    *length = 0;
    Srp__WatchEvents *events = NULL;
    int err = no_io ? sr_watch_take_ready(watch, &events) : sr_watch_next(watch, timeout_ms, &events);
    if (err != SR_OK || !events) return err;
    size_t n = srp__watch_events__get_packed_size(events);
    uint8_t *out = malloc(n ? n : 1);
    if (!out) { sr_watch_events_free(events); return SR_ERR_OOM; }
    srp__watch_events__pack(events, out);
    sr_watch_events_free(events);
    *body = out;
    *length = n;
    return SR_OK;
}

int srpy_schema_by_id(sr_client *client, uint32_t id, int timeout_ms, uint8_t **body, size_t *length) {
    const Srp__Schema *schema = NULL;
    *body = NULL;
    int err = sr_schema_by_id(client, id, timeout_ms, &schema);
    if (err != SR_OK) return err;
    SRPY_PACK(schema, schema, body, length);
    return SR_OK;
}

int srpy_schema_by_version(sr_client *client, const char *subject, int32_t version, int timeout_ms,
                           uint8_t **body, size_t *length) {
    const Srp__SchemaVersion *schema = NULL;
    *body = NULL;
    int err = sr_schema_by_version(client, subject, version, timeout_ms, &schema);
    if (err != SR_OK) return err;
    SRPY_PACK(schema_version, schema, body, length);
    return SR_OK;
}

int srpy_config_by_subject(sr_client *client, const char *subject, int default_to_global, int timeout_ms, int *level) {
    Srp__CompatibilityLevel value = 0;
    int err = sr_config_by_subject(client, subject, default_to_global, timeout_ms, &value);
    *level = (int)value;
    return err;
}

int srpy_mode_by_subject(sr_client *client, const char *subject, int default_to_global, int timeout_ms, int *mode) {
    Srp__Mode value = 0;
    int err = sr_mode_by_subject(client, subject, default_to_global, timeout_ms, &value);
    *mode = (int)value;
    return err;
}
"""


def _cdef_section(header: str) -> str:
    try:
        text = open(header, encoding="utf-8").read()
    except OSError as error:
        raise SystemExit(f"srclient: the C client's header is missing ({error}); build from the repository "
                         "checkout (clients/python beside clients/c) or set SRCLIENT_C_DIR") from None
    begin = text.index("/* srclient-cdef-begin */")
    end = text.index("/* srclient-cdef-end */")
    return text[begin:end]


def core_declarations() -> str:
    """The cdef sections of srclient_core.h and srclient_serde.h (the second uses the first's
    types: sr_client, the sr_err codes)."""
    return "\n".join(_cdef_section(header) for header in HEADERS)


def pkg_config(*args: str):
    try:
        done = subprocess.run(["pkg-config", *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return shlex.split(done.stdout) if done.returncode == 0 else None


def _header_exists(relative: str, include_dirs) -> bool:
    return any(os.path.exists(os.path.join(d, relative)) for d in [*include_dirs, "/usr/include", "/usr/local/include"])


def library_flags():
    """(include dirs, libraries, library dirs, macros) of protobuf-c, lz4 and, if present, OpenSSL
    (pkg-config when it is there, else the Debian paths)."""
    includes, libraries, library_dirs, macros = [], [], [], []
    deps = pkg_config("--cflags", "--libs", "libprotobuf-c", "liblz4")
    if deps is None:
        deps = ["-lprotobuf-c", "-llz4"]
    tls_wanted = os.environ.get("SRCLIENT_TLS", "1") != "0"
    tls = pkg_config("--cflags", "--libs", "libssl", "libcrypto") if tls_wanted else None
    if tls is None and tls_wanted and _header_exists("openssl/ssl.h", []):
        tls = ["-lssl", "-lcrypto"]
    if tls is not None:
        deps += tls
        macros.append(("SR_HAS_TLS", "1"))
    for flag in deps:
        if flag.startswith("-I"):
            includes.append(flag[2:])
        elif flag.startswith("-l"):
            libraries.append(flag[2:])
        elif flag.startswith("-L"):
            library_dirs.append(flag[2:])
    for header, package in (("protobuf-c/protobuf-c.h", "libprotobuf-c-dev"), ("lz4.h", "liblz4-dev")):
        if not _header_exists(header, includes):
            raise SystemExit(f"srclient: {header} not found: install {package} (Debian/Ubuntu: "
                             "apt-get install libprotobuf-c-dev liblz4-dev libssl-dev python3-dev pkg-config)")
    return includes, libraries, library_dirs, macros


def c_sources(absolute: bool = False):
    sources = sorted(glob.glob(os.path.join(C_DIR, "src", "*.c")))
    sources += sorted(glob.glob(os.path.join(C_DIR, "generated", "**", "*.pb-c.c"), recursive=True))
    if not sources:
        raise SystemExit(f"srclient: no C sources under {C_DIR}")
    if absolute:
        return sources
    # setuptools wants paths relative to setup.py for sources outside the package. Their
    # objects still go under build_temp: setup.py's build_ext maps "../c/src/x.c" to
    # <build_temp>/libsrclient/c/src/x.o (plain distutils would write <build_temp>/../c/src/x.o,
    # which is clients/c/src itself when build_temp is ".").
    return [os.path.relpath(path, HERE) for path in sources]


def make_builder(absolute_sources: bool = False) -> FFI:
    builder = FFI()
    builder.cdef(core_declarations() + HELPERS_CDEF + WATCH_CDEF)
    includes, libraries, library_dirs, macros = library_flags()
    builder.set_source(
        "srclient._native",
        HELPERS_SOURCE + WATCH_SOURCE,
        sources=c_sources(absolute_sources),
        include_dirs=[os.path.join(C_DIR, "include"), os.path.join(C_DIR, "generated"), *includes],
        libraries=libraries,
        library_dirs=library_dirs,
        define_macros=[("_POSIX_C_SOURCE", "200809L"), ("_DEFAULT_SOURCE", None), *macros],
        extra_compile_args=["-O2", "-fvisibility=hidden"],
    )
    return builder


ffibuilder = make_builder()

if __name__ == "__main__":
    # A build by hand (python build_ffi.py): everything in build/ffi beside this file, the
    # objects of the C sources under it too (absolute sources: their objects are written at
    # build/ffi/<their path>), never beside the sources.
    make_builder(absolute_sources=True).compile(tmpdir=os.path.join(HERE, "build", "ffi"), verbose=True)
