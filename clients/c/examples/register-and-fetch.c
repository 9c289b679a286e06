/* Registers an Avro schema under a subject and fetches it back by id.
 *
 *   register-and-fetch [host] [port]
 */
#include <stdio.h>
#include <stdlib.h>

#include "srclient.h"

int main(int argc, char **argv) {
    sr_options *options = sr_options_new();
    if (argc > 1) sr_options_set_host(options, argv[1]);
    if (argc > 2) sr_options_set_port(options, atoi(argv[2]));
    sr_client *client = sr_connect(options);
    sr_options_free(options);
    if (!client || sr_client_err(client)) {
        fprintf(stderr, "connect: %s\n", client ? sr_client_errstr(client) : "out of memory");
        sr_client_free(client);
        return 1;
    }

    Srp__RegisterSchemaRequest reg = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    reg.subject = "example-users";
    reg.schema = "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}";
    sr_reply *reply = sr_register_schema(client, &reg, SR_TIMEOUT_DEFAULT);
    if (!reply) {
        fprintf(stderr, "register: %s\n", sr_client_errstr(client));
        sr_client_free(client);
        return 1;
    }
    if (sr_reply_status(reply) != SR_STATUS_OK) {
        fprintf(stderr, "register: %s: %s\n", sr_status_name(sr_reply_status(reply)), sr_reply_error_message(reply));
        sr_reply_free(reply);
        sr_client_free(client);
        return 1;
    }
    const Srp__RegisterSchemaResponse *registered =
        SR_REPLY_AS(reply, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA);
    uint32_t id = registered->id;
    printf("registered id %u version %d (%s)\n", id, registered->version, registered->created ? "new" : "existing");
    sr_reply_free(reply);

    Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    get.id = id;
    reply = sr_get_schema_by_id(client, &get, 5000);
    const Srp__GetSchemaByIdResponse *found =
        reply ? SR_REPLY_AS(reply, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID) : NULL;
    if (found && found->schema) {
        printf("schema %u: %s\n", found->schema->id, found->schema->schema);
    } else {
        fprintf(stderr, "fetch: %s\n",
                reply ? sr_reply_error_message(reply) : sr_client_errstr(client));
    }
    sr_reply_free(reply);
    sr_client_free(client);
    return found ? 0 : 1;
}
