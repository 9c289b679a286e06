"""The REST port with the server's TLS settings: TLS verified against the test CA, and mTLS
(a client certificate required) with confluent-kafka's client configured as users would."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from confluent_kafka.schema_registry import Schema

from sr_support import make_client, start_server, unique

CERTS = Path(__file__).resolve().parents[2] / "Tests" / "SchemaRegistryTesting" / "Fixtures" / "tls"


def _tls_server(tmp_path_factory, name, *extra):
    running = start_server(tmp_path_factory.mktemp(name), "--tls-cert", str(CERTS / "server.pem"),
                           "--tls-key", str(CERTS / "server-key.pem"), *extra)
    return running


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    running = _tls_server(tmp_path_factory, "tls")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def mtls_server(tmp_path_factory):
    running = _tls_server(tmp_path_factory, "mtls", "--tls-client-ca", str(CERTS / "ca.pem"))
    yield running
    running.stop()


def test_rest_over_tls(tls_server):
    url = f"https://127.0.0.1:{tls_server.rest_port}"
    assert requests.get(url + "/subjects", verify=str(CERTS / "ca.pem"), timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + "/subjects", verify=True, timeout=10)  # the system CAs do not know ours
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{tls_server.rest_port}/subjects", timeout=10)  # plaintext is refused


def test_rest_over_mtls_with_the_confluent_client(mtls_server):
    url = f"https://127.0.0.1:{mtls_server.rest_port}"
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(url + "/subjects", verify=str(CERTS / "ca.pem"), timeout=10)  # no client certificate
    client = make_client(url, **{"ssl.ca.location": str(CERTS / "ca.pem"),
                                 "ssl.certificate.location": str(CERTS / "client.pem"),
                                 "ssl.key.location": str(CERTS / "client-key.pem")})
    try:
        subject = unique("mtls")
        schema_id = client.register_schema(subject, Schema('{"type":"string"}', "AVRO"))
        assert client.get_latest_version(subject).schema_id == schema_id
    finally:
        client.close()
