/* Fetches a batch of schemas by id over one connection, pipelined: every request is
 * appended first, then the replies are taken as they come (in any order) and matched to
 * their ids.
 *
 *   pipelined-fetch [host] [port] id...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srclient.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s host port id...\n", argv[0]);
        return 2;
    }
    sr_options *options = sr_options_new();
    sr_options_set_host(options, argv[1]);
    sr_options_set_port(options, atoi(argv[2]));
    sr_client *client = sr_connect(options);
    sr_options_free(options);
    if (!client || sr_client_err(client)) {
        fprintf(stderr, "connect: %s\n", client ? sr_client_errstr(client) : "out of memory");
        sr_client_free(client);
        return 1;
    }
    int count = argc - 3;
    uint32_t *request_ids = calloc((size_t)count, sizeof *request_ids);
    for (int i = 0; i < count; i++) {
        Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
        get.id = (uint32_t)strtoul(argv[3 + i], NULL, 10);
        /* The request is packed into the output buffer here, so `get` may go out of scope. */
        if (sr_append(client, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, &request_ids[i]) != SR_OK) {
            fprintf(stderr, "append: %s\n", sr_client_errstr(client));
            return 1;
        }
    }
    int failures = 0;
    for (int done = 0; done < count; done++) {
        sr_reply *reply;
        if (sr_get_reply(client, 10000, &reply) != SR_OK) {
            fprintf(stderr, "get reply: %s\n", sr_client_errstr(client));
            failures++;
            break;
        }
        int index = -1;
        for (int i = 0; i < count; i++)
            if (request_ids[i] == sr_reply_request_id(reply)) index = i;
        const Srp__GetSchemaByIdResponse *found =
            SR_REPLY_AS(reply, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID);
        if (found && found->schema)
            printf("id %s: %zu bytes of %s schema\n", argv[3 + index], strlen(found->schema->schema),
                   found->schema->schema_type == SRP__SCHEMA_TYPE__SCHEMA_TYPE_JSON ? "JSON" : "Avro");
        else {
            printf("id %s: %s %s\n", argv[3 + index], sr_status_name(sr_reply_status(reply)),
                   sr_reply_error_message(reply));
            failures++;
        }
        sr_reply_free(reply);
    }
    free(request_ids);
    sr_client_free(client);
    return failures ? 1 : 0;
}
