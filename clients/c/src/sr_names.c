/* Names of error codes, statuses and methods, and the method table. */
#include <stdio.h>

#include "sr_methods.h"

static const sr_method_info methods[] = {
#define SR_METHOD_ROW(snake, Camel, id, req, resp) {id, #Camel, &req, &resp},
    SR_METHOD_LIST(SR_METHOD_ROW)
#undef SR_METHOD_ROW
};

const sr_method_info *sr_method_all(size_t *count) {
    *count = sizeof methods / sizeof methods[0];
    return methods;
}

const sr_method_info *sr_method_lookup(int id) {
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (methods[i].id == id) return &methods[i];
    return NULL;
}

const char *sr_method_name(int method) {
    const sr_method_info *info = sr_method_lookup(method);
    return info ? info->name : NULL;
}

const char *sr_version(void) { return SR_VERSION_STRING; }

const char *sr_err_name(int err) {
    static const char *const names[] = {
        "SR_OK",      "SR_ERR_IO",       "SR_ERR_EOF",      "SR_ERR_PROTOCOL",      "SR_ERR_TIMEOUT",
        "SR_ERR_OOM", "SR_ERR_GOAWAY",   "SR_ERR_HANDSHAKE", "SR_ERR_RESOLVE",      "SR_ERR_ARGUMENT",
        "SR_ERR_NOT_CONNECTED", "SR_ERR_ENCODE", "SR_ERR_NO_SUCH_REQUEST", "SR_ERR_TLS",
        "SR_ERR_JSON", "SR_ERR_SCHEMA", "SR_ERR_AVRO_VALUE", "SR_ERR_AVRO_DATA", "SR_ERR_WIRE_MAGIC",
        "SR_ERR_WIRE_TRUNCATED", "SR_ERR_WIRE_INDEXES", "SR_ERR_UNKNOWN_SCHEMA", "SR_ERR_REGISTRY",
        "SR_ERR_WATCH_ENDED",
    };
    if (err >= 0 && (size_t)err < sizeof names / sizeof names[0]) return names[err];
    return "SR_ERR_UNKNOWN";
}

const char *sr_status_name(unsigned status) {
    static const char *const names[] = {
        "OK",           "PROTOCOL_ERROR",     "BAD_PREFACE",       "UNSUPPORTED_VERSION", "FRAME_TOO_LARGE",
        "BAD_FLAGS",    "UNKNOWN_KIND",       "HANDSHAKE_REQUIRED", "HANDSHAKE_TIMEOUT",  "UNAUTHENTICATED",
        "UNKNOWN_METHOD", "MALFORMED_REQUEST", "BAD_COMPRESSION",  "THROTTLED",           "OVERLOADED",
        "DEADLINE_EXCEEDED", "SHUTTING_DOWN", "IDLE_TIMEOUT",      "INTERNAL",
    };
    if (status < sizeof names / sizeof names[0]) return names[status];
    switch (status) {
    case 40401: return "SUBJECT_NOT_FOUND";
    case 40402: return "VERSION_NOT_FOUND";
    case 40403: return "SCHEMA_NOT_FOUND";
    case 40404: return "SUBJECT_SOFT_DELETED";
    case 40405: return "SUBJECT_NOT_SOFT_DELETED";
    case 40406: return "VERSION_SOFT_DELETED";
    case 40407: return "VERSION_NOT_SOFT_DELETED";
    case 40408: return "SUBJECT_LEVEL_NOT_FOUND";
    case 40409: return "SUBJECT_MODE_NOT_FOUND";
    case 40901: return "INCOMPATIBLE_SCHEMA";
    case 42201: return "INVALID_SCHEMA";
    case 42202: return "INVALID_VERSION";
    case 42203: return "INVALID_COMPATIBILITY_LEVEL";
    case 42204: return "INVALID_MODE";
    case 42205: return "OPERATION_NOT_PERMITTED";
    case 42206: return "REFERENCE_EXISTS";
    case 42207: return "ID_CONFLICT";
    case 42208: return "INVALID_SUBJECT";
    case 42209: return "INVALID_REQUEST";
    case 42210: return "NO_COMPATIBILITY_CHECKER";
    case 50001: return "STORE_ERROR";
    case 50002: return "OPERATION_TIMEOUT";
    case 50003: return "STORE_UNAVAILABLE";
    default: break;
    }
    /* Unknown codes by range (docs/PROTOCOL.md 7): static strings keep this thread-safe. */
    if (status < 100) return "UNKNOWN_PROTOCOL_STATUS";
    if (status >= 40400 && status < 40500) return "UNKNOWN_NOT_FOUND";
    if (status >= 40900 && status < 41000) return "UNKNOWN_CONFLICT";
    if (status >= 42200 && status < 42300) return "UNKNOWN_INVALID_REQUEST";
    if (status >= 50000 && status < 50100) return "UNKNOWN_SERVER_ERROR";
    return "UNKNOWN_STATUS";
}
