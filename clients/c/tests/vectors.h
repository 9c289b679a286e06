/* Reads the vector files of proto/testvectors (format: proto/testvectors/README.md) with nothing but
 * fgets, strchr and strtol, as the README promises a C reader can. */
#ifndef VECTORS_H
#define VECTORS_H

#include <stddef.h>
#include <stdint.h>

typedef struct vector {
    char file[128];
    char name[96];
    char direction[32];
    char expect[16];
    char stage[16];
    char message[96];
    uint8_t *hex;
    size_t hex_length;
    uint8_t *body;
    size_t body_length;
    int has_body;
    uint8_t *plain;
    size_t plain_length;
    int has_plain;
    long version, kind, flags, code, request_id, error_status;
    long lz4_negotiated; /* default 1 */
    long max_body;       /* default 4194304 */
} vector;

/* Loads every *.txt in dir, sorted by name; returns the count (-1 on error). */
int vectors_load(const char *dir, vector **out);
void vectors_free(vector *v, int count);
/* Decodes hex (spaces ignored) into a malloc'ed buffer. */
uint8_t *hex_decode(const char *text, size_t *length);

#endif
