/* TLS against live servers ($SCHEMA_REGISTRY_BIN serve --tls-cert/--tls-key [--tls-client-ca])
 * with the committed test certificates of Tests/SchemaRegistryTesting/Fixtures/tls
 * ($SR_TEST_TLS_DIR overrides): verified connections by IP and by DNS name, a wrong CA, a
 * name mismatch, mTLS with, without and with an untrusted client certificate, and the
 * non-blocking pipelined I/O (10,000 requests, LZ4 bodies spanning TLS records) over TLS.
 * Built without OpenSSL, it checks that asking for TLS fails cleanly with SR_ERR_TLS. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "server.h"
#include "srclient.h"

static const char *dir;
static char ca[512], server_cert[512], server_key[512], client_cert[512], client_key[512], untrusted[512],
    untrusted_key[512];
static test_server tls_server, mtls_server;

static void paths(void) {
    dir = getenv("SR_TEST_TLS_DIR");
    if (!dir || !*dir) dir = "../../Tests/SchemaRegistryTesting/Fixtures/tls";
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(server_cert, sizeof server_cert, "%s/server.pem", dir);
    snprintf(server_key, sizeof server_key, "%s/server-key.pem", dir);
    snprintf(client_cert, sizeof client_cert, "%s/client.pem", dir);
    snprintf(client_key, sizeof client_key, "%s/client-key.pem", dir);
    snprintf(untrusted, sizeof untrusted, "%s/untrusted.pem", dir);
    snprintf(untrusted_key, sizeof untrusted_key, "%s/untrusted-key.pem", dir);
}

/* host, CA file, server name (NULL: the host), client certificate and key (NULL: none). */
static sr_client *connect_tls(int port, const char *host, const char *ca_file, const char *name, const char *cert,
                              const char *key) {
    sr_options *o = sr_options_new();
    sr_options_set_host(o, host);
    sr_options_set_port(o, port);
    sr_options_set_call_timeout_ms(o, 20000);
    sr_options_set_tls(o, 1);
    if (ca_file) sr_options_set_tls_ca_file(o, ca_file);
    if (name) sr_options_set_tls_server_name(o, name);
    if (cert) sr_options_set_tls_cert_file(o, cert);
    if (key) sr_options_set_tls_key_file(o, key);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    return c;
}

static int ping_ok(sr_client *c) {
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    sr_reply *r = sr_ping(c, &ping, 20000);
    int ok = r && sr_reply_status(r) == SR_STATUS_OK;
    sr_reply_free(r);
    return ok;
}

/* With TLS 1.3, a server refusing the client's certificate sends its alert after the
 * client's handshake is done; if the server's close resets the connection before the alert
 * is read, the client sees a handshake that ended (SR_ERR_HANDSHAKE) instead. */
static int late_refusal;

static void refused(sr_client *c, const char *expect) {
    int err = sr_client_err(c);
    CHECKF(c && (err == SR_ERR_TLS || (late_refusal && err == SR_ERR_HANDSHAKE)), "%s: %s", sr_err_name(sr_client_err(c)), sr_client_errstr(c));
    CHECKF(strstr(sr_client_errstr(c), expect) != NULL, "\"%s\" lacks \"%s\"", sr_client_errstr(c), expect);
    CHECK(!sr_client_is_connected(c));
    printf("     refused: %s\n", sr_client_errstr(c));
    sr_client_free(c);
}

static void test_tls_verified_by_ip_and_by_name(void) {
    sr_client *c = connect_tls(tls_server.port, "127.0.0.1", ca, NULL, NULL, NULL);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    CHECK(sr_client_tls(c) == 1 && ping_ok(c));
    sr_client_free(c);
    c = connect_tls(tls_server.port, "localhost", ca, NULL, NULL, NULL);
    CHECKF(sr_client_err(c) == SR_OK && ping_ok(c), "%s", sr_client_errstr(c));
    sr_client_free(c);
    /* A server name other than the host: the certificate is checked against it. */
    c = connect_tls(tls_server.port, "127.0.0.1", ca, "localhost", NULL, NULL);
    CHECKF(sr_client_err(c) == SR_OK && ping_ok(c), "%s", sr_client_errstr(c));
    sr_client_free(c);
}

static void test_tls_pipelined_and_compressed(void) {
    sr_client *c = connect_tls(tls_server.port, "127.0.0.1", ca, NULL, NULL, NULL);
    CHECKF(sr_client_err(c) == SR_OK, "%s", sr_client_errstr(c));
    /* A schema of ~200 KB: LZ4 bodies over many TLS records, both ways. */
    size_t cap = 64 + 2000 * 100;
    char *schema = malloc(cap);
    size_t n = (size_t)snprintf(schema, cap, "{\"type\":\"record\",\"name\":\"Big\",\"fields\":[");
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(schema + n, cap - n, "%s{\"name\":\"field_%d\",\"type\":\"string\",\"doc\":\"d%d\"}",
                              i ? "," : "", i, i);
    snprintf(schema + n, cap - n, "]}");
    Srp__RegisterSchemaRequest reg = SRP__REGISTER_SCHEMA_REQUEST__INIT;
    reg.subject = "tls-big";
    reg.schema = schema;
    sr_reply *r = sr_register_schema(c, &reg, 30000);
    const Srp__RegisterSchemaResponse *ok = r ? SR_REPLY_AS(r, Srp__RegisterSchemaResponse, SR_METHOD_REGISTER_SCHEMA) : NULL;
    CHECKF(ok, "%s", r ? sr_reply_error_message(r) : sr_client_errstr(c));
    Srp__GetSchemaByIdRequest get = SRP__GET_SCHEMA_BY_ID_REQUEST__INIT;
    get.id = ok ? ok->id : 0;
    sr_reply_free(r);
    free(schema);
    r = sr_get_schema_by_id(c, &get, 30000);
    const Srp__GetSchemaByIdResponse *found = r ? SR_REPLY_AS(r, Srp__GetSchemaByIdResponse, SR_METHOD_GET_SCHEMA_BY_ID) : NULL;
    CHECK(found && found->schema && strlen(found->schema->schema) > 100000);
    sr_reply_free(r);
    CHECK(sr_client_stat(c, SR_STAT_LZ4_FRAMES_SENT) > 0 && sr_client_stat(c, SR_STAT_LZ4_FRAMES_RECEIVED) > 0);

    enum { N = 10000 };
    for (int i = 0; i < N; i++) CHECK(sr_append(c, SR_METHOD_GET_SCHEMA_BY_ID, &get.base, NULL) == SR_OK);
    int replies = 0, good = 0;
    while (sr_pending(c) > 0 && sr_get_reply(c, 30000, &r) == SR_OK) {
        replies++;
        good += sr_reply_status(r) == SR_STATUS_OK;
        sr_reply_free(r);
    }
    CHECKF(replies == N && good == N, "%d replies, %d OK: %s", replies, good, sr_client_errstr(c));
    sr_client_free(c);
}

static void test_tls_refusals(void) {
    /* The server's certificate is not signed by the CA we trust. */
    refused(connect_tls(tls_server.port, "127.0.0.1", untrusted, NULL, NULL, NULL), "certificate verification failed");
    /* Signed, but not for this name or address. */
    refused(connect_tls(tls_server.port, "127.0.0.1", ca, "registry.example.com", NULL, NULL), "mismatch");
    refused(connect_tls(tls_server.port, "127.0.0.1", ca, "127.0.0.2", NULL, NULL), "mismatch");
    /* A CA file that is not there. */
    refused(connect_tls(tls_server.port, "127.0.0.1", "/nonexistent/ca.pem", NULL, NULL, NULL), "/nonexistent/ca.pem");
    /* A plain client at a TLS port: the server says TLS is required, nothing hangs. */
    sr_options *o = sr_options_new();
    sr_options_set_port(o, tls_server.port);
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    CHECKF(sr_client_err(c) == SR_ERR_HANDSHAKE, "%s: %s", sr_err_name(sr_client_err(c)), sr_client_errstr(c));
    sr_client_free(c);
}

static void test_mtls(void) {
    sr_client *c = connect_tls(mtls_server.port, "127.0.0.1", ca, NULL, client_cert, client_key);
    CHECKF(sr_client_err(c) == SR_OK && ping_ok(c), "%s", sr_client_errstr(c));
    sr_client_free(c);
    /* Without a client certificate, or with one the server's CA did not sign. With TLS 1.3
     * the refusal is an alert read after the handshake, where HELLO_OK was expected. */
    late_refusal = 1;
    refused(connect_tls(mtls_server.port, "127.0.0.1", ca, NULL, NULL, NULL), "");
    refused(connect_tls(mtls_server.port, "127.0.0.1", ca, NULL, untrusted, untrusted_key), "");
    late_refusal = 0;
    /* A key that does not belong to the certificate is refused before dialling. */
    refused(connect_tls(mtls_server.port, "127.0.0.1", ca, NULL, client_cert, untrusted_key), "client key");
}

static void test_without_openssl(void) {
    sr_client *c = connect_tls(1, "127.0.0.1", NULL, NULL, NULL, NULL);
    refused(c, "without OpenSSL");
}

int main(void) {
    if (!sr_tls_available()) {
        RUN(test_without_openssl);
        return check_summary();
    }
    if (!getenv("SCHEMA_REGISTRY_BIN")) {
        fprintf(stderr, "SCHEMA_REGISTRY_BIN is not set\n");
        return 2;
    }
    paths();
    const char *tls_args[] = {"--tls-cert", server_cert, "--tls-key", server_key, NULL};
    const char *mtls_args[] = {"--tls-cert", server_cert, "--tls-key", server_key, "--tls-client-ca", ca, NULL};
    if (test_server_start(&tls_server, tls_args) != 0 || test_server_start(&mtls_server, mtls_args) != 0) {
        fprintf(stderr, "could not start the TLS servers (certificates in %s)\n", dir);
        return 1;
    }
    RUN(test_tls_verified_by_ip_and_by_name);
    RUN(test_tls_pipelined_and_compressed);
    RUN(test_tls_refusals);
    RUN(test_mtls);
    test_server_stop(&tls_server, SIGTERM);
    test_server_stop(&mtls_server, SIGTERM);
    return check_summary();
}
