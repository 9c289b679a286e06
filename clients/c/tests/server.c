#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Every server started and not yet stopped, so no test exit can leave one behind. */
static pid_t running[16];

static void remember(pid_t pid) {
    for (int i = 0; i < 16; i++)
        if (!running[i]) {
            running[i] = pid;
            return;
        }
}
static void forget(pid_t pid) {
    for (int i = 0; i < 16; i++)
        if (running[i] == pid) running[i] = 0;
}

void test_server_kill_all(void) {
    for (int i = 0; i < 16; i++)
        if (running[i] > 0) {
            kill(running[i], SIGKILL);
            waitpid(running[i], NULL, 0);
            running[i] = 0;
        }
}

static void on_signal(int sig) {
    test_server_kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The port of "address=[IPv4]127.0.0.1/127.0.0.1:PORT" in the "listening" line. */
static int port_from_log(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[2048];
    int port = 0;
    while (!port && fgets(line, sizeof line, f)) {
        if (!strstr(line, "listening")) continue;
        char *address = strstr(line, "address=");
        char *end = address ? strchr(address, ' ') : NULL;
        if (!address || !end) continue;
        *end = '\0';
        char *colon = strrchr(address, ':');
        if (colon) port = atoi(colon + 1);
    }
    fclose(f);
    return port;
}

int test_server_start(test_server *s, const char *const *extra) { return test_server_start_on(s, 0, extra); }

int test_server_start_on(test_server *s, int port, const char *const *extra) {
    static int installed;
    if (!installed) {
        installed = 1;
        atexit(test_server_kill_all);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
    }
    const char *bin = getenv("SCHEMA_REGISTRY_BIN");
    if (!bin || !*bin) return -1;
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/srclient-test.XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
    const char *argv[64];
    int argc = 0;
    argv[argc++] = bin;
    argv[argc++] = "serve";
    argv[argc++] = "--store";
    argv[argc++] = "sqlite";
    argv[argc++] = "--data-dir";
    argv[argc++] = s->dir;
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    argv[argc++] = "--port";
    argv[argc++] = port_text;
    argv[argc++] = "--host";
    argv[argc++] = "127.0.0.1";
    /* Several servers run at once: a shared metrics or REST port would fail every start but the first. */
    argv[argc++] = "--set";
    argv[argc++] = "metrics-port=off";
    argv[argc++] = "--set";
    argv[argc++] = "rest-port=off";
    for (int i = 0; extra && extra[i] && argc < 62; i++) argv[argc++] = extra[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int log = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(log, 2);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    remember(pid);
    for (int i = 0; i < 600; i++) {
        if ((s->port = port_from_log(s->log)) > 0) return 0;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            forget(pid);
            s->pid = 0;
            fprintf(stderr, "server exited at start; log %s\n", s->log);
            return -1;
        }
        sleep_ms(100);
    }
    fprintf(stderr, "server never listened; log %s\n", s->log);
    test_server_stop(s, SIGKILL);
    return -1;
}

void test_server_stop(test_server *s, int sig) {
    if (s->pid > 0) {
        kill(s->pid, SIGCONT); /* a stopped server cannot exit */
        kill(s->pid, sig);
        int exited = 0;
        for (int i = 0; i < 200 && !exited; i++) {
            if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
                exited = 1;
            else
                sleep_ms(100);
        }
        if (!exited) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        forget(s->pid);
        s->pid = 0;
    }
    if (s->dir[0]) {
        char command[512];
        snprintf(command, sizeof command, "rm -rf '%s'", s->dir);
        if (system(command) != 0) fprintf(stderr, "could not remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}
