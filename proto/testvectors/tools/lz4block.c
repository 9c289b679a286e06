/* Reads stdin, writes one LZ4 *block* (not frame) of it to stdout, made by
 * LZ4_compress_default, or with -d N decompresses a block into N bytes using
 * LZ4_decompress_safe. Used by generate.py to compute the golden vectors.
 *   cc -O2 -o lz4block lz4block.c -llz4 */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(size_t *size) {
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    *size = n;
    return buf;
}

int main(int argc, char **argv) {
    size_t size;
    char *in = read_all(&size);
    if (argc == 3 && strcmp(argv[1], "-d") == 0) {
        int declared = atoi(argv[2]);
        char *out = malloc(declared > 0 ? declared : 1);
        int produced = LZ4_decompress_safe(in, out, (int)size, declared);
        if (produced < 0) { fprintf(stderr, "decompress failed: %d\n", produced); return 1; }
        fwrite(out, 1, produced, stdout);
        return produced == declared ? 0 : 2;
    }
    int bound = LZ4_compressBound((int)size);
    char *out = malloc(bound);
    int written = LZ4_compress_default(in, out, (int)size, bound);
    if (written <= 0) return 1;
    fwrite(out, 1, written, stdout);
    fprintf(stderr, "liblz4 %s: %zu -> %d bytes\n", LZ4_versionString(), size, written);
    return 0;
}
