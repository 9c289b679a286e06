/* quickstart [host] [port]: connect, one blocking call, then a pipeline of 100. */
#include <srclient.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    sr_options *o = sr_options_new();
    sr_options_set_host(o, argc > 1 ? argv[1] : "127.0.0.1");
    sr_options_set_port(o, argc > 2 ? atoi(argv[2]) : 7911);
    sr_options_set_api_key(o, "secret");         /* sent in HELLO's credentials */
    sr_client *c = sr_connect(o);                /* NULL only when out of memory */
    sr_options_free(o);
    if (!c || sr_client_err(c)) {
        fprintf(stderr, "%s\n", c ? sr_client_errstr(c) : "out of memory");
        sr_client_free(c);
        return 1;
    }

    /* Blocking: one call per RPC; the reply carries the status. */
    Srp__RegisterSchemaRequest reg = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    reg.subject = "quickstart";
    reg.schema = "{\"type\":\"record\",\"name\":\"Q\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
    sr_reply *r = sr_register_schema(c, &reg, 2000 /* ms, or SR_TIMEOUT_DEFAULT */);
    if (!r) { /* client error: sr_client_err(c) is SR_ERR_TIMEOUT, SR_ERR_EOF, ... */
        fprintf(stderr, "%s: %s\n", sr_err_name(sr_client_err(c)), sr_client_errstr(c));
        sr_client_free(c);
        return 1;
    }
    if (sr_reply_status(r) != SR_STATUS_OK) {
        printf("%s: %s\n", sr_status_name(sr_reply_status(r)), sr_reply_error_message(r));
        sr_reply_free(r);
        sr_client_free(c);
        return 1;
    }
    Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    get.id = SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA)->id;
    sr_reply_free(r);

    /* Pipelined: append many, then take replies in any order, matched by request id.
     * sr_pending counts the replies not yet taken, so this loop gets every one. */
    uint32_t ids[100];
    for (int i = 0; i < 100; i++) sr_append(c, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, &ids[i]);
    int ok = 0;
    while (sr_pending(c) > 0 && sr_get_reply(c, 5000, &r) == SR_OK) {
        const Srp__GetSchemaByIdResponse *found =
            SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID); /* NULL unless OK */
        ok += found != NULL && sr_reply_request_id(r) >= ids[0];
        sr_reply_free(r);
    }
    printf("schema %u fetched %d times\n", get.id, ok);
    sr_client_free(c);
    return ok == 100 ? 0 : 1;
}
