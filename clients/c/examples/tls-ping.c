/* tls-ping host port ca.pem [client.pem client-key.pem]: SRP over TLS, the server's
 * certificate checked against ca.pem and the host (an IP address against its IP SANs). */
#include <srclient.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 4 || !sr_tls_available()) {
        fprintf(stderr, "usage: %s host port ca.pem [cert key] (needs a libsrclient built with OpenSSL)\n", argv[0]);
        return 2;
    }
    sr_options *o = sr_options_new();
    sr_options_set_host(o, argv[1]);
    sr_options_set_port(o, atoi(argv[2]));
    sr_options_set_tls_ca_file(o, argv[3]);      /* turns TLS on */
    if (argc > 5) {                              /* mTLS */
        sr_options_set_tls_cert_file(o, argv[4]);
        sr_options_set_tls_key_file(o, argv[5]);
    }
    /* sr_options_set_tls_server_name(o, "registry.internal") checks another name. */
    sr_client *c = sr_connect(o);
    sr_options_free(o);
    if (!c || sr_client_err(c)) { /* SR_ERR_TLS: certificate, name or protocol */
        fprintf(stderr, "%s\n", c ? sr_client_errstr(c) : "out of memory");
        sr_client_free(c);
        return 1;
    }
    Srp__PingRequest ping = SRP__PING_REQUEST__INIT;
    sr_reply *r = sr_ping(c, &ping, 5000);
    printf("TLS %d, ping: %s\n", sr_client_tls(c), r ? sr_status_name(sr_reply_status(r)) : sr_client_errstr(c));
    int ok = r && sr_reply_status(r) == SR_STATUS_OK;
    sr_reply_free(r);
    sr_client_free(c);
    return ok ? 0 : 1;
}
