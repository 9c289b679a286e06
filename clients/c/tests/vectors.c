#include "vectors.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *hex_decode(const char *text, size_t *length) {
    size_t n = strlen(text);
    uint8_t *out = malloc(n / 2 + 1);
    size_t count = 0;
    int high = -1;
    for (size_t i = 0; i < n; i++) {
        char ch = text[i];
        if (ch == ' ' || ch == '\t') continue;
        int value = isdigit((unsigned char)ch) ? ch - '0' : (tolower((unsigned char)ch) - 'a' + 10);
        if (value < 0 || value > 15) {
            free(out);
            return NULL;
        }
        if (high < 0) {
            high = value;
        } else {
            out[count++] = (uint8_t)(high << 4 | value);
            high = -1;
        }
    }
    *length = count;
    return out;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

static int load_one(const char *path, vector *v) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    /* Lines are long (a 2 KiB body in hex with spaces): one generous buffer. */
    static char line[65536];
    v->lz4_negotiated = 1;
    v->max_body = 4194304;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (*s == '\0' || *s == '#') continue;
        char *colon = strchr(s, ':');
        if (!colon) continue;
        *colon = '\0';
        char *key = trim(s), *value = trim(colon + 1);
        if (!strcmp(key, "name")) snprintf(v->name, sizeof v->name, "%s", value);
        else if (!strcmp(key, "direction")) snprintf(v->direction, sizeof v->direction, "%s", value);
        else if (!strcmp(key, "expect")) snprintf(v->expect, sizeof v->expect, "%s", value);
        else if (!strcmp(key, "stage")) snprintf(v->stage, sizeof v->stage, "%s", value);
        else if (!strcmp(key, "message")) snprintf(v->message, sizeof v->message, "%s", value);
        else if (!strcmp(key, "hex")) v->hex = hex_decode(value, &v->hex_length);
        else if (!strcmp(key, "body_hex")) { v->body = hex_decode(value, &v->body_length); v->has_body = 1; }
        else if (!strcmp(key, "plain_body_hex")) { v->plain = hex_decode(value, &v->plain_length); v->has_plain = 1; }
        else if (!strcmp(key, "version")) v->version = strtol(value, NULL, 10);
        else if (!strcmp(key, "kind")) v->kind = strtol(value, NULL, 10);
        else if (!strcmp(key, "flags")) v->flags = strtol(value, NULL, 10);
        else if (!strcmp(key, "code")) v->code = strtol(value, NULL, 10);
        else if (!strcmp(key, "request_id")) v->request_id = strtol(value, NULL, 10);
        else if (!strcmp(key, "error_status")) v->error_status = strtol(value, NULL, 10);
        else if (!strcmp(key, "lz4_negotiated")) v->lz4_negotiated = strtol(value, NULL, 10);
        else if (!strcmp(key, "max_body")) v->max_body = strtol(value, NULL, 10);
        /* unknown keys are ignored, as the README asks */
    }
    fclose(f);
    return v->hex ? 0 : -1;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int vectors_load(const char *dir, vector **out) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    char *names[256];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < 256) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".txt")) names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], by_name);
    vector *v = calloc((size_t)count ? (size_t)count : 1, sizeof *v);
    for (int i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(v[i].file, sizeof v[i].file, "%s", names[i]);
        if (load_one(path, &v[i])) fprintf(stderr, "cannot read vector %s\n", path);
        free(names[i]);
    }
    *out = v;
    return count;
}

void vectors_free(vector *v, int count) {
    for (int i = 0; i < count; i++) {
        free(v[i].hex);
        free(v[i].body);
        free(v[i].plain);
    }
    free(v);
}
