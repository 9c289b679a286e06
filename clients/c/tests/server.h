/* Starts and stops real `schema-registry serve` processes for the integration tests. */
#ifndef TEST_SERVER_H
#define TEST_SERVER_H

#include <sys/types.h>

typedef struct test_server {
    pid_t pid;
    int port;
    char dir[256]; /* temporary data directory, removed by test_server_stop */
    char log[300];
} test_server;

/* Starts $SCHEMA_REGISTRY_BIN on port 0 with a temporary SQLite store and the given extra
 * arguments (NULL-terminated), and waits (up to 60 s) for its "listening" log line. */
int test_server_start(test_server *s, const char *const *extra);
/* The same on a given port (to restart a server where its clients expect it). */
int test_server_start_on(test_server *s, int port, const char *const *extra);
/* Sends `signal`, waits up to 20 s, then SIGKILL; removes the data directory. */
void test_server_stop(test_server *s, int signal);
/* Kills every server still running; installed with atexit and for SIGINT/SIGTERM. */
void test_server_kill_all(void);

#endif
