"""The REST port's limits on a server of its own with short timeouts and a small token bucket:
slow requests are answered 408 and closed, idle connections closed, a connection over its
token bucket gets 429 with Retry-After while other connections are served."""

from __future__ import annotations

import socket

import pytest
import requests

from sr_support import ConnectionClosed, RawReader, connect, request_bytes, start_server


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("limited"), "--set", "frame-timeout-ms=800",
                           "--set", "rest-idle-timeout-ms=1200", "--set", "token-rate=5", "--set", "token-burst=5")
    yield running
    running.stop()


def _answer_then_eof(sock, wait_s: float):
    """The answer the server sends after `wait_s` (None if it closed without one), and whether EOF followed."""
    sock.settimeout(wait_s + 5)
    reader = RawReader(sock)
    try:
        answer = reader.read_response()
    except ConnectionClosed:
        return None, True
    try:
        reader.read_response()
        return answer, False
    except ConnectionClosed:
        return answer, True


def test_header_that_never_ends_is_408_and_closed(limited):
    with connect(limited.rest_port) as sock:
        sock.sendall(b"GET /subjects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        answer, closed = _answer_then_eof(sock, 0.8)
    assert answer is not None and answer.status == 408, answer
    assert answer.json()["error_code"] == 408
    assert closed


def test_body_that_never_ends_is_408_and_closed(limited):
    with connect(limited.rest_port) as sock:
        sock.sendall(b"POST /subjects/slow/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"schema\":")
        answer, closed = _answer_then_eof(sock, 0.8)
    assert answer is not None and answer.status == 408, answer
    assert closed


def test_idle_keep_alive_connection_is_closed(limited):
    with connect(limited.rest_port) as sock:
        sock.sendall(request_bytes("GET", "/subjects", port=limited.rest_port))
        sock.settimeout(10)
        reader = RawReader(sock)
        assert reader.read_response().status == 200
        with pytest.raises(ConnectionClosed):
            reader.read_response()


def test_token_bucket_answers_429_with_retry_after_and_spares_others(limited):
    statuses = []
    with requests.Session() as session:
        for _ in range(30):
            answer = session.get(f"{limited.url}/subjects", timeout=10)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert answer.json()["error_code"] == 42901
                assert int(answer.headers["Retry-After"]) >= 1
                break
    assert 429 in statuses, statuses
    # Another connection has a bucket of its own.
    assert requests.get(f"{limited.url}/subjects", headers={"Connection": "close"}, timeout=10).status_code == 200
