/* Just enough RESP for GET and SET: what --resp sends and reads. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sr_benchmark.h"

size_t resp_encode_get(uint8_t *out, size_t capacity, const char *key) {
    int n = snprintf((char *)out, capacity, "*2\r\n$3\r\nGET\r\n$%zu\r\n%s\r\n", strlen(key), key);
    return n > 0 && (size_t)n < capacity ? (size_t)n : 0;
}

size_t resp_parse(const uint8_t *buf, size_t length, int *replies, int *errors) {
    size_t at = 0;
    for (;;) {
        const uint8_t *line_end = at < length ? memchr(buf + at, '\n', length - at) : NULL;
        if (!line_end) return at;
        size_t line_length = (size_t)(line_end - (buf + at)) + 1;
        if (buf[at] == '$') {
            long n = strtol((const char *)buf + at + 1, NULL, 10);
            size_t need = line_length + (n >= 0 ? (size_t)n + 2 : 0);
            if (length - at < need) return at;
            at += need;
            (*replies)++;
        } else {
            if (buf[at] == '-') (*errors)++;
            at += line_length;
            (*replies)++;
        }
    }
}

/* SET key to value_size bytes over a short-lived blocking connection. */
int resp_set_blocking(const char *host, int port, const char *key, size_t value_size, char *why, size_t why_size) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {0}, *found;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, service, &hints, &found)) {
        snprintf(why, why_size, "cannot resolve %s", host);
        return -1;
    }
    int fd = socket(found->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, found->ai_addr, found->ai_addrlen)) {
        snprintf(why, why_size, "cannot connect to Redis at %s:%d", host, port);
        freeaddrinfo(found);
        if (fd >= 0) close(fd);
        return -1;
    }
    freeaddrinfo(found);
    size_t cap = value_size + 256;
    char *command = malloc(cap);
    int n = snprintf(command, cap, "*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n", strlen(key), key, value_size);
    for (size_t i = 0; i < value_size; i++) command[n + (int)i] = (char)('a' + (i * 7 + i / 13) % 26);
    memcpy(command + n + value_size, "\r\n", 2);
    size_t total = (size_t)n + value_size + 2, sent = 0;
    while (sent < total) {
        ssize_t w = send(fd, command + sent, total - sent, MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += (size_t)w;
    }
    free(command);
    char answer[64] = {0};
    ssize_t r = recv(fd, answer, sizeof answer - 1, 0);
    close(fd);
    if (r < 3 || strncmp(answer, "+OK", 3) != 0) {
        snprintf(why, why_size, "Redis SET failed: %s", r > 0 ? answer : "no answer");
        return -1;
    }
    return 0;
}
