"""API keys, TLS and mTLS, with the committed test certificates
(Tests/SchemaRegistryTesting/Fixtures/tls: server.pem is for 127.0.0.1 and localhost)."""
from __future__ import annotations

import pytest

import srclient
from conftest import CERTS
from sr_support import unique

CA = str(CERTS / "ca.pem")


def test_api_key_accepted(auth_server):
    with srclient.Client("127.0.0.1", auth_server.srp_port, api_key=auth_server.api_key) as client:
        subject = unique("py-auth")
        registered = client.register(subject, '"string"')
        assert client.get_schema(registered.id).schema == '"string"'


def test_wrong_key_refused(auth_server):
    wrong = auth_server.api_key[:-4] + ("aaaa" if not auth_server.api_key.endswith("aaaa") else "bbbb")
    for key in (wrong, "not-a-key"):
        with pytest.raises(srclient.AuthenticationError) as caught:
            with srclient.Client("127.0.0.1", auth_server.srp_port, api_key=key) as client:
                client.subjects()
        assert caught.value.err_name in ("SR_ERR_HANDSHAKE", "SR_ERR_EOF", "SR_ERR_GOAWAY")


def test_missing_key_refused(auth_server):
    with pytest.raises(srclient.SrclientError):
        with srclient.Client("127.0.0.1", auth_server.srp_port) as client:
            client.subjects()


def test_read_only_key_gets_40301(auth_server):
    _, reader = auth_server.create_key("read", "py-reader", api_key=auth_server.api_key)
    subject = unique("py-auth")
    with srclient.Client("127.0.0.1", auth_server.srp_port, api_key=auth_server.api_key) as admin:
        schema_id = admin.register(subject, '"int"').id
    # Keys are reloaded every auth-refresh-ms: retry the handshake a bounded number of times.
    import time
    client = None
    for _ in range(100):
        try:
            client = srclient.Client("127.0.0.1", auth_server.srp_port, api_key=reader)
            break
        except srclient.AuthenticationError:
            time.sleep(0.1)
    assert client is not None, "the read key was never accepted"
    with client:
        assert client.get_schema(schema_id).schema == '"int"'
        with pytest.raises(srclient.Forbidden) as caught:
            client.register(subject, '"long"')
        assert caught.value.code == 40301


def test_tls_verified_by_ip_and_by_name(tls_server):
    with srclient.Client("127.0.0.1", tls_server.srp_port, ca_file=CA) as client:
        assert client.tls
        assert client.register(unique("py-tls"), '"bytes"').id > 0
    with srclient.Client("127.0.0.1", tls_server.srp_port, ca_file=CA, server_name="localhost") as client:
        assert client.tls and client.ping(b"tls") == b"tls"


def test_tls_refusals(tls_server):
    with pytest.raises(srclient.TLSError):  # the system CAs do not know the test CA
        srclient.Client("127.0.0.1", tls_server.srp_port, tls=True)
    with pytest.raises(srclient.TLSError):  # the certificate is not for this name
        srclient.Client("127.0.0.1", tls_server.srp_port, ca_file=CA, server_name="not-the-server.example")
    with pytest.raises(srclient.TLSError):  # a CA that did not sign it
        srclient.Client("127.0.0.1", tls_server.srp_port, ca_file=str(CERTS / "untrusted.pem"))
    with pytest.raises(srclient.TLSError):
        srclient.Client("127.0.0.1", tls_server.srp_port, ca_file="/nonexistent/ca.pem")
    with pytest.raises(srclient.RegistryConnectionError):  # plain SRP at a TLS port
        srclient.Client("127.0.0.1", tls_server.srp_port, connect_timeout=5)


def test_mtls(mtls_server):
    with srclient.Client("127.0.0.1", mtls_server.srp_port, ca_file=CA, cert_file=str(CERTS / "client.pem"),
                         key_file=str(CERTS / "client-key.pem")) as client:
        assert client.tls
        subject = unique("py-mtls")
        registered = client.register(subject, '"double"')
        assert client.get_many([registered.id])[registered.id].schema == '"double"'
    with pytest.raises(srclient.RegistryConnectionError):  # no client certificate
        with srclient.Client("127.0.0.1", mtls_server.srp_port, ca_file=CA) as client:
            client.ping()
    with pytest.raises(srclient.RegistryConnectionError):  # a certificate the server's CA did not sign
        with srclient.Client("127.0.0.1", mtls_server.srp_port, ca_file=CA, cert_file=str(CERTS / "untrusted.pem"),
                             key_file=str(CERTS / "untrusted-key.pem")) as client:
            client.ping()
