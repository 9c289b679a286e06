"""Fixtures: a schema-registry server with its REST API on a free port, one without
authentication and one with an admin API key, both shared by the session.

SCHEMA_REGISTRY_BIN names the server binary (default .build/debug/schema-registry in the
repository). Every test uses subjects of its own (sr_support.unique), so tests are independent
on the shared servers; the few that change global settings put them back.
"""

from __future__ import annotations

import time

import pytest
import requests

from sr_support import ServerStartError, basic, make_client, start_server, unique

READY_TIMEOUT_S = 10.0


def _start(tmp_path_factory, name: str, insecure_no_auth: bool):
    try:
        return start_server(tmp_path_factory.mktemp(name), insecure_no_auth=insecure_no_auth)
    except ServerStartError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The server without authentication (`--insecure-no-auth`)."""
    running = _start(tmp_path_factory, "open-server", insecure_no_auth=True)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def sr_url(server) -> str:
    """Base URL of the REST API: http://127.0.0.1:PORT."""
    return server.url


@pytest.fixture
def client(sr_url):
    """A fresh Confluent client (its caches start empty) on the open server."""
    made = make_client(sr_url)
    yield made
    made.close()


@pytest.fixture
def new_client(sr_url):
    """Makes further fresh clients, to read what the server says rather than a client's cache."""
    made = []

    def factory(**conf):
        one = make_client(sr_url, **conf)
        made.append(one)
        return one

    yield factory
    for one in made:
        one.close()


@pytest.fixture
def subject() -> str:
    return unique("subj")


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory):
    """A server that requires API keys, with an admin key created through the CLI.

    `auth_server.api_key` is the key text (sr_<id>_<secret>), `auth_server.api_key_id` its id.
    The first key can be created while the server has none; from then on every request must
    carry one (Basic with the key as password, or Bearer).
    """
    running = _start(tmp_path_factory, "auth-server", insecure_no_auth=False)
    try:
        key_id, key = running.create_key("admin", "t")
        running.api_key, running.api_key_id = key, key_id
        # The REST port must accept the key and refuse anonymous requests; the server
        # reloads keys every auth-refresh-ms (1 s), so allow it a few seconds.
        deadline = time.monotonic() + READY_TIMEOUT_S
        last = None
        while time.monotonic() < deadline:
            with_key = requests.get(running.url + "/subjects", headers={"Authorization": basic(key_id, key)}, timeout=5)
            anonymous = requests.get(running.url + "/subjects", timeout=5)
            last = (with_key.status_code, anonymous.status_code)
            if last == (200, 401):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"auth server not ready: (with key, anonymous) statuses {last}, expected (200, 401)\n"
                        f"--- server log ---\n{running.log()}", pytrace=False)
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture
def auth_client_factory(auth_server):
    made = []

    def factory(**conf):
        one = make_client(auth_server.url, **conf)
        made.append(one)
        return one

    yield factory
    for one in made:
        one.close()
