/* call-bytes [host] [port]: the plain C API of srclient_core.h, as a binding uses it: a
 * serialized request in, a serialized response out (here one hand-encoded protobuf field:
 * GetSchemaByIdRequest{id: 1}, and ServerInfo's empty request). */
#include <srclient_core.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    sr_options *o = sr_options_new();
    sr_options_set_host(o, argc > 1 ? argv[1] : "127.0.0.1");
    sr_options_set_port(o, argc > 2 ? atoi(argv[2]) : 7911);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    if (!c || sr_client_err(c)) return 1;

    const uint8_t request[] = {0x08, 0x01}; /* field 1 (id), varint 1 */
    uint8_t *response;
    size_t length;
    unsigned status;
    int err = sr_call_bytes(c, 10 /* GetSchemaById */, request, sizeof request, SR_TIMEOUT_DEFAULT, &response,
                            &length, &status);
    if (err != SR_OK) {
        fprintf(stderr, "%s: %s\n", sr_err_name(err), sr_client_errstr(c));
        sr_client_free(c);
        return 1;
    }
    /* status OK: a GetSchemaByIdResponse; otherwise an ErrorBody (SCHEMA_NOT_FOUND, ...). */
    printf("GetSchemaById: %s, %zu bytes\n", sr_status_name(status), length);
    sr_free(response);

    sr_reply *r = sr_call_raw(c, 3 /* ServerInfo */, NULL, 0, SR_TIMEOUT_DEFAULT);
    if (r) {
        size_t body_length;
        sr_reply_body(r, &body_length); /* owned by the reply */
        printf("ServerInfo: %s, %zu bytes\n", sr_status_name(sr_reply_status(r)), body_length);
    }
    sr_reply_free(r);
    sr_client_free(c);
    return r ? 0 : 1;
}
