/* avro-bench: Avro binary encode+decode of one record, N times, with libsrclient's codec
 * (not a test; bench/avro_bench.py runs it beside fastavro on the same record).
 *
 *   avro-bench schema.json datum.avro [N]
 *
 * datum.avro is the record in Avro binary (as fastavro wrote it). The bench decodes it once
 * to get the value in Avro's JSON encoding, checks that encoding that gives the same bytes,
 * then times two loops of N operations, each one encode plus one decode:
 *   text:  JSON text -> Avro binary -> JSON text  (sr_avro_encode_json, sr_avro_decode_json)
 *   value: parsed value -> Avro binary -> value tree (sr_avro_encode_value, sr_avro_decode_value),
 *          the fair match for fastavro's dict -> bytes -> dict.
 * Prints one line per loop: "text: N ops in S s = R ops/s". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srclient.h>

static char *slurp(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data) data[size] = '\0', *length = (size_t)size;
    return data;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s schema.json datum.avro [N]\n", argv[0]);
        return 2;
    }
    long n = argc > 3 ? atol(argv[3]) : 100000;
    char errbuf[512];
    size_t schema_length, datum_length;
    char *schema_text = slurp(argv[1], &schema_length);
    uint8_t *datum = (uint8_t *)slurp(argv[2], &datum_length);
    sr_avro_schema *schema = NULL;
    if (!schema_text || !datum || sr_avro_schema_parse(schema_text, schema_length, &schema, errbuf, sizeof errbuf) != SR_OK) {
        fprintf(stderr, "cannot load %s / %s: %s\n", argv[1], argv[2], schema_text && datum ? errbuf : "unreadable");
        return 1;
    }
    char *json;
    size_t json_length;
    if (sr_avro_decode_json(schema, datum, datum_length, &json, &json_length, errbuf, sizeof errbuf) != SR_OK) {
        fprintf(stderr, "decode: %s\n", errbuf);
        return 1;
    }
    uint8_t *bytes;
    size_t length;
    if (sr_avro_encode_json(schema, json, json_length, &bytes, &length, errbuf, sizeof errbuf) != SR_OK ||
        length != datum_length || memcmp(bytes, datum, length) != 0) {
        fprintf(stderr, "re-encoding does not give fastavro's bytes\n");
        return 1;
    }
    sr_free(bytes);
    printf("record: %zu bytes of Avro, %zu bytes of JSON\n", datum_length, json_length);

    double start = now();
    for (long i = 0; i < n; i++) {
        char *text;
        size_t text_length;
        if (sr_avro_encode_json(schema, json, json_length, &bytes, &length, errbuf, sizeof errbuf) != SR_OK ||
            sr_avro_decode_json(schema, bytes, length, &text, &text_length, errbuf, sizeof errbuf) != SR_OK) {
            fprintf(stderr, "text loop: %s\n", errbuf);
            return 1;
        }
        sr_free(bytes);
        sr_free(text);
    }
    double seconds = now() - start;
    printf("text: %ld ops in %.3f s = %.0f ops/s\n", n, seconds, (double)n / seconds);

    sr_json *value;
    if (sr_json_parse(json, json_length, &value, errbuf, sizeof errbuf) != SR_OK) return 1;
    start = now();
    for (long i = 0; i < n; i++) {
        sr_json *tree;
        if (sr_avro_encode_value(schema, sr_json_root(value), &bytes, &length, errbuf, sizeof errbuf) != SR_OK ||
            sr_avro_decode_value(schema, bytes, length, &tree, errbuf, sizeof errbuf) != SR_OK) {
            fprintf(stderr, "value loop: %s\n", errbuf);
            return 1;
        }
        sr_free(bytes);
        sr_json_free(tree);
    }
    seconds = now() - start;
    printf("value: %ld ops in %.3f s = %.0f ops/s\n", n, seconds, (double)n / seconds);
    sr_json_free(value);
    sr_free(json);
    sr_avro_schema_free(schema);
    free(schema_text);
    free(datum);
    return 0;
}
