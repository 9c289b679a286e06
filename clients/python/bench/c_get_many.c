/* c_get_many: the C client doing what srclient.Client.get_many does, for get_many_bench.py.
 * One connection; GetSchemaById for every id read from a file (one per line), pipelined with
 * at most max_in_flight unanswered; each reply parsed (protobuf-c) and its schema kept, as
 * the Python client keeps a dataclass per id. Prints one line per round:
 *   round N: C ids, F found, S s, cpu U us/id, R ids/s (wall clock and process CPU time of the
 *   fetch only; the connection is made first)
 *
 *   c_get_many host port ids-file rounds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srclient.h"

static double clock_s(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s host port ids-file rounds\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[3], "r");
    if (!file) return perror(argv[3]), 2;
    size_t count = 0, capacity = 1024;
    uint32_t *ids = malloc(capacity * sizeof *ids);
    unsigned long value;
    while (fscanf(file, "%lu", &value) == 1) {
        if (count == capacity) ids = realloc(ids, (capacity *= 2) * sizeof *ids);
        ids[count++] = (uint32_t)value;
    }
    fclose(file);
    int rounds = atoi(argv[4]);

    sr_options *options = sr_options_new();
    sr_options_set_host(options, argv[1]);
    sr_options_set_port(options, atoi(argv[2]));
    sr_client *client = sr_connect(options);
    sr_options_free(options);
    if (!client || sr_client_err(client)) {
        fprintf(stderr, "connect: %s\n", client ? sr_client_errstr(client) : "out of memory");
        return 1;
    }
    size_t window = sr_client_max_in_flight(client);
    if (window == 0) window = 1;
    char **schemas = calloc(count, sizeof *schemas);
    /* request id -> index; request ids grow by one per request on a connection. */
    uint32_t *index_of = NULL;
    for (int round = 1; round <= rounds; round++) {
        double start = clock_s(CLOCK_MONOTONIC), cpu_start = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        uint32_t first_request = 0;
        size_t sent = 0, outstanding = 0, ok = 0;
        free(index_of);
        index_of = malloc(count * sizeof *index_of);
        while (sent < count && outstanding < window) {
            Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
            get.id = ids[sent];
            uint32_t request_id;
            if (sr_append(client, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, &request_id) != SR_OK) return 1;
            if (sent == 0) first_request = request_id;
            if (request_id - first_request != sent) {
                fprintf(stderr, "request ids are not consecutive on this connection\n");
                return 1;
            }
            index_of[request_id - first_request] = (uint32_t)sent;
            sent++, outstanding++;
        }
        while (outstanding > 0) {
            sr_reply *reply;
            if (sr_get_reply(client, 30000, &reply) != SR_OK) {
                fprintf(stderr, "get reply: %s\n", sr_client_errstr(client));
                return 1;
            }
            outstanding--;
            uint32_t offset = sr_reply_request_id(reply) - first_request;
            if (offset >= sent) {
                fprintf(stderr, "request ids are not consecutive on this connection\n");
                return 1;
            }
            uint32_t index = index_of[offset];
            const Srp__GetSchemaByIdResponse *found =
                SR_REPLY_AS(reply, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID);
            if (found && found->schema) {
                free(schemas[index]);
                schemas[index] = strdup(found->schema->schema);
                ok++;
            }
            sr_reply_free(reply);
            if (sent < count) {
                Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
                get.id = ids[sent];
                uint32_t request_id;
                if (sr_append(client, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, &request_id) != SR_OK) return 1;
                if (request_id - first_request != sent) {
                    fprintf(stderr, "request ids are not consecutive on this connection\n");
                    return 1;
                }
                index_of[request_id - first_request] = (uint32_t)sent;
                sent++, outstanding++;
            }
        }
        double elapsed = clock_s(CLOCK_MONOTONIC) - start, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
        printf("round %d: %zu ids, %zu found, %.4f s, cpu %.3f us/id, %.0f ids/s\n", round, count, ok, elapsed,
               cpu / (double)count * 1e6, count / elapsed);
        fflush(stdout);
        if (ok != count) return 1;
    }
    for (size_t i = 0; i < count; i++) free(schemas[i]);
    free(schemas);
    free(index_of);
    free(ids);
    sr_client_free(client);
    return 0;
}
