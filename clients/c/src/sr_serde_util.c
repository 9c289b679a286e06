/* The arena, the growable buffer, UTF-8 validation and the errbuf helper shared by the JSON
 * parser, the Avro codec and the serializers (sr_serde_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sr_serde_internal.h"

struct sr_arena_chunk {
    sr_arena_chunk *next;
    size_t capacity;
    /* Keeps data (right after the header) aligned for int64_t, double and pointers. */
    union { int64_t i; double d; void *p; } align;
};
#define SR_CHUNK_DATA(chunk) ((unsigned char *)((chunk) + 1))

#define SR_ARENA_FIRST 2048
#define SR_ARENA_MAX_CHUNK ((size_t)1 << 20)

void sr_arena_init(sr_arena *arena) {
    arena->head = NULL;
    arena->used = arena->capacity = 0;
    arena->next_size = SR_ARENA_FIRST;
}

void sr_arena_free(sr_arena *arena) {
    sr_arena_chunk *chunk = arena->head;
    while (chunk) {
        sr_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    sr_arena_init(arena);
}

void *sr_arena_alloc(sr_arena *arena, size_t size) {
    if (size > SIZE_MAX - 8) return NULL;
    size = (size + 7) & ~(size_t)7;
    if (size == 0) size = 8;
    if (!arena->head || arena->capacity - arena->used < size) {
        /* Chunks double up to 1 MiB so small trees stay small and big ones take few mallocs;
         * an allocation larger than that gets a chunk of its own. */
        size_t capacity = arena->next_size;
        if (capacity < size) capacity = size;
        if (capacity > SIZE_MAX - sizeof(sr_arena_chunk)) return NULL;
        sr_arena_chunk *chunk = malloc(sizeof(sr_arena_chunk) + capacity);
        if (!chunk) return NULL;
        chunk->capacity = capacity;
        chunk->next = arena->head;
        arena->head = chunk;
        arena->used = 0;
        arena->capacity = capacity;
        if (arena->next_size < SR_ARENA_MAX_CHUNK) arena->next_size *= 2;
    }
    void *p = SR_CHUNK_DATA(arena->head) + arena->used;
    arena->used += size;
    return p;
}

char *sr_arena_strndup(sr_arena *arena, const char *text, size_t length) {
    if (length == SIZE_MAX) return NULL;
    char *copy = sr_arena_alloc(arena, length + 1);
    if (!copy) return NULL;
    if (length) memcpy(copy, text, length);
    copy[length] = '\0';
    return copy;
}

int sr_buf_grow(sr_buf *buf, size_t more) {
    if (buf->oom) return -1;
    if (more > SIZE_MAX / 2 - buf->length) {
        buf->oom = 1;
        return -1;
    }
    size_t capacity = buf->capacity ? buf->capacity : 256;
    while (capacity - buf->length < more) capacity *= 2;
    uint8_t *data = realloc(buf->data, capacity);
    if (!data) {
        buf->oom = 1;
        return -1;
    }
    buf->data = data;
    buf->capacity = capacity;
    return 0;
}

void sr_buf_release(sr_buf *buf) {
    free(buf->data);
    buf->data = NULL;
    buf->length = buf->capacity = 0;
}

int sr_serde_fail(char *errbuf, size_t errbuf_size, int err, const char *format, ...) {
    if (errbuf && errbuf_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(errbuf, errbuf_size, format, args);
        va_end(args);
    }
    return err;
}

int sr_utf8_valid(const uint8_t *s, size_t length, size_t *bad_offset) {
    size_t i = 0;
    while (i < length) {
        /* ASCII runs are the common case: skip 8 bytes at a time. */
        while (i + 8 <= length) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (word & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= length) break;
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
        else goto bad;
        if (length - i <= n) goto bad;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += n + 1;
    }
    return 1;
bad:
    if (bad_offset) *bad_offset = i;
    return 0;
}

void sr_path_format(const sr_avro_path *p, char *out, size_t size) {
    size_t n = 0;
    if (size == 0) return;
    out[0] = '\0';
    int depth = p->depth < SR_AVRO_MAX_DEPTH + 2 ? p->depth : SR_AVRO_MAX_DEPTH + 2;
    for (int i = 0; i < depth && n + 1 < size; i++) {
        int w = p->at[i].name ? snprintf(out + n, size - n, "/%.*s", (int)(p->at[i].length > 64 ? 64 : p->at[i].length),
                                         p->at[i].name)
                              : snprintf(out + n, size - n, "/%zu", p->at[i].index);
        if (w < 0 || (size_t)w >= size - n) break;
        n += (size_t)w;
    }
    if (n == 0 && size > 1) out[0] = '/', out[1] = '\0';
}
