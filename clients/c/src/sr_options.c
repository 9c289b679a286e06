/* Options: copied into the client at connect, so callers may free them at once. */
#include <stdlib.h>
#include <string.h>

#include "sr_client_internal.h"

static int replace(char **field, const char *value) {
    char *copy = NULL;
    if (value) {
        copy = strdup(value);
        if (!copy) return SR_ERR_OOM;
    }
    free(*field);
    *field = copy;
    return SR_OK;
}

sr_options *sr_options_new(void) {
    sr_options *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->port = 7911;
    o->lz4 = 1;
    o->compression_threshold = 512;
    o->connect_timeout_ms = 5000;
    o->call_timeout_ms = 30000;
    o->request_deadlines = 1;
    o->watch_queue_events = 1024;
    if (replace(&o->host, "127.0.0.1") || replace(&o->client_name, "srclient/" SR_VERSION_STRING)) {
        sr_options_free(o);
        return NULL;
    }
    return o;
}

void sr_options_free(sr_options *o) {
    if (!o) return;
    free(o->host);
    free(o->api_key);
    free(o->client_name);
    free(o->tls_ca_file);
    free(o->tls_cert_file);
    free(o->tls_key_file);
    free(o->tls_server_name);
    free(o);
}

int sr_options_set_host(sr_options *o, const char *host) { return host ? replace(&o->host, host) : SR_ERR_ARGUMENT; }
int sr_options_set_port(sr_options *o, int port) {
    if (port <= 0 || port > 65535) return SR_ERR_ARGUMENT;
    o->port = port;
    return SR_OK;
}
int sr_options_set_api_key(sr_options *o, const char *api_key) { return replace(&o->api_key, api_key); }
int sr_options_set_client_name(sr_options *o, const char *name) {
    return name ? replace(&o->client_name, name) : SR_ERR_ARGUMENT;
}
int sr_options_set_compression(sr_options *o, int offer_lz4) {
    o->lz4 = offer_lz4 != 0;
    return SR_OK;
}
int sr_options_set_compression_threshold(sr_options *o, unsigned bytes) {
    o->compression_threshold = bytes;
    return SR_OK;
}
int sr_options_set_connect_timeout_ms(sr_options *o, int ms) {
    if (ms < 0) return SR_ERR_ARGUMENT;
    o->connect_timeout_ms = ms;
    return SR_OK;
}
int sr_options_set_call_timeout_ms(sr_options *o, int ms) {
    if (ms < 0) return SR_ERR_ARGUMENT;
    o->call_timeout_ms = ms;
    return SR_OK;
}
int sr_options_set_throttle_retries(sr_options *o, int retries) {
    if (retries < 0) return SR_ERR_ARGUMENT;
    o->throttle_retries = retries;
    return SR_OK;
}
int sr_options_set_auto_reconnect(sr_options *o, int on) {
    o->auto_reconnect = on != 0;
    return SR_OK;
}

int sr_options_set_request_deadlines(sr_options *o, int on) {
    o->request_deadlines = on != 0;
    return SR_OK;
}
int sr_options_set_tls(sr_options *o, int on) {
    o->tls = on != 0;
    return SR_OK;
}
/* Each TLS path or name also turns TLS on; NULL goes back to the default. */
static int set_tls_string(sr_options *o, char **field, const char *value) {
    int err = replace(field, value);
    if (!err) o->tls = 1;
    return err;
}
int sr_options_set_tls_ca_file(sr_options *o, const char *path) { return set_tls_string(o, &o->tls_ca_file, path); }
int sr_options_set_tls_cert_file(sr_options *o, const char *path) {
    return set_tls_string(o, &o->tls_cert_file, path);
}
int sr_options_set_tls_key_file(sr_options *o, const char *path) { return set_tls_string(o, &o->tls_key_file, path); }
int sr_options_set_tls_server_name(sr_options *o, const char *name) {
    return set_tls_string(o, &o->tls_server_name, name);
}

int sr_options_set_watch_queue_events(sr_options *o, unsigned events) {
    if (events == 0) return SR_ERR_ARGUMENT;
    o->watch_queue_events = events;
    return SR_OK;
}
int sr_options_set_schema_cache_bytes(sr_options *o, size_t bytes) {
    o->schema_cache_bytes = bytes;
    return SR_OK;
}

int sr_options_set_mutable_cache_entries(sr_options *o, size_t max_entries) {
    o->mutable_cache_entries = max_entries;
    return SR_OK;
}

/* Deep copy into the client (sr_client.c). */
int sr_options_copy(struct sr_options *to, const struct sr_options *from) {
    *to = *from;
    to->host = to->api_key = to->client_name = NULL;
    to->tls_ca_file = to->tls_cert_file = to->tls_key_file = to->tls_server_name = NULL;
    if (replace(&to->host, from->host) || replace(&to->api_key, from->api_key) ||
        replace(&to->client_name, from->client_name) || replace(&to->tls_ca_file, from->tls_ca_file) ||
        replace(&to->tls_cert_file, from->tls_cert_file) || replace(&to->tls_key_file, from->tls_key_file) ||
        replace(&to->tls_server_name, from->tls_server_name))
        return SR_ERR_OOM;
    return SR_OK;
}
void sr_options_release(struct sr_options *o) {
    free(o->host);
    free(o->api_key);
    free(o->client_name);
    free(o->tls_ca_file);
    free(o->tls_cert_file);
    free(o->tls_key_file);
    free(o->tls_server_name);
}
