"""Fixtures: real schema-registry servers (SQLite store in a temp dir, free loopback ports),
started with tests/python/sr_support.py (imported by path, not copied), and srclient clients.

SCHEMA_REGISTRY_BIN names the server binary (default .build/debug/schema-registry)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "python"))

import sr_support  # noqa: E402  (tests/python/sr_support.py)
from sr_support import ServerStartError, start_server, unique  # noqa: E402

import srclient  # noqa: E402

CERTS = REPO / "Tests" / "SchemaRegistryTesting" / "Fixtures" / "tls"
READY_TIMEOUT_S = 10.0


def _start(tmp_path_factory, name, *args, insecure_no_auth=True):
    try:
        return start_server(tmp_path_factory.mktemp(name), *args, insecure_no_auth=insecure_no_auth)
    except ServerStartError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A server without authentication."""
    running = _start(tmp_path_factory, "open")
    yield running
    running.stop()


@pytest.fixture
def client(server):
    with srclient.Client("127.0.0.1", server.srp_port, timeout=20) as made:
        yield made


@pytest.fixture
def subject() -> str:
    return unique("py-client")


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory):
    """A server that requires API keys, with an admin key made through the CLI (the first key can
    be made while the server has none); ready once SRP refuses an anonymous client."""
    running = _start(tmp_path_factory, "auth", insecure_no_auth=False)
    try:
        key_id, key = running.create_key("admin", "python-client-tests")
        running.api_key, running.api_key_id = key, key_id
        deadline = time.monotonic() + READY_TIMEOUT_S
        last = None
        while time.monotonic() < deadline:  # keys are reloaded every auth-refresh-ms (1 s)
            try:
                with srclient.Client("127.0.0.1", running.srp_port, timeout=5) as anonymous:
                    anonymous.subjects()
                last = "anonymous accepted"
            except srclient.SrclientError as error:
                last = error
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"auth server never refused anonymous clients: {last}\n{running.log()}", pytrace=False)
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


def tls_args(*extra):
    return ("--tls-cert", str(CERTS / "server.pem"), "--tls-key", str(CERTS / "server-key.pem"), *extra)


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory):
    running = _start(tmp_path_factory, "tls", *tls_args())
    yield running
    running.stop()


@pytest.fixture(scope="session")
def mtls_server(tmp_path_factory):
    running = _start(tmp_path_factory, "mtls", *tls_args("--tls-client-ca", str(CERTS / "ca.pem")))
    yield running
    running.stop()
