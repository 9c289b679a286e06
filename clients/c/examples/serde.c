/* serde [host] [port]: Kafka payloads in Confluent's wire format. A serializer registers its
 * schema on first use and frames Avro binary with the id; a deserializer reads any payload
 * back by the id inside it (the schema fetched once, then cached). */
#include <srclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    sr_options *o = sr_options_new();
    sr_options_set_host(o, argc > 1 ? argv[1] : "127.0.0.1");
    sr_options_set_port(o, argc > 2 ? atoi(argv[2]) : 7911);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    if (!c || sr_client_err(c)) return 1;

    const char *schema = "{\"type\":\"record\",\"name\":\"Order\",\"fields\":["
                         "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"note\",\"type\":[\"null\",\"string\"]}]}";
    sr_serializer *s = sr_serializer_new(c, "orders-value", schema, SR_SCHEMA_AVRO); /* NULL only when out of memory */
    /* sr_serializer_set_auto_register(s, 0) would only look the schema up. */

    /* The value in Avro's JSON encoding: a union's value is wrapped as {"branch": value}. */
    const char *order = "{\"id\":42,\"note\":{\"string\":\"gift\"}}";
    uint8_t *payload;
    size_t length;
    if (sr_serialize(s, order, strlen(order), &payload, &length) != SR_OK) { /* registers on first use */
        fprintf(stderr, "%s: %s\n", sr_err_name(sr_serializer_err(s)), sr_serializer_errstr(s));
        sr_serializer_free(s);
        sr_client_free(c);
        return 1;
    }
    printf("schema id %u, payload of %zu bytes (magic 0, id, Avro binary)\n", sr_serializer_schema_id(s), length);

    sr_deserializer *d = sr_deserializer_new(c);
    sr_datum *datum;
    int ok = sr_deserialize(d, payload, length, &datum) == SR_OK;
    if (ok) {
        printf("read back: %s\n", sr_datum_body(datum, NULL)); /* {"id":42,"note":{"string":"gift"}} */
        sr_datum_free(datum);
    }
    /* Bad payloads are errors that say which: here SR_ERR_WIRE_MAGIC. */
    if (sr_deserialize(d, (const uint8_t *)order, strlen(order), &datum) != SR_OK)
        printf("%s: %s\n", sr_err_name(sr_deserializer_err(d)), sr_deserializer_errstr(d));

    sr_free(payload);
    sr_deserializer_free(d);
    sr_serializer_free(s);
    sr_client_free(c);
    return ok ? 0 : 1;
}
