"""Helpers shared by the Python suite: the server process, unique names, raw HTTP.

Imported by conftest.py and the test modules (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def server_binary() -> Path:
    """SCHEMA_REGISTRY_BIN, else .build/debug/schema-registry in the repository."""
    configured = os.environ.get("SCHEMA_REGISTRY_BIN")
    path = Path(configured) if configured else REPO_ROOT / ".build" / "debug" / "schema-registry"
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def unique(prefix: str = "py") -> str:
    """A subject name no other test uses (the servers are shared by the session)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ----------------------------------------------------------------------------- the process

_PORT_RE = re.compile(r"address=(\S+)")


def _port_of(line: str) -> Optional[int]:
    """The port of `address=...` in a log line: `127.0.0.1:8081` or NIO's `[IPv4]127.0.0.1/127.0.0.1:8081`."""
    match = _PORT_RE.search(line)
    if not match:
        return None
    tail = re.search(r":(\d+)$", match.group(1))
    return int(tail.group(1)) if tail else None


@dataclass
class RunningServer:
    process: subprocess.Popen
    log_path: Path
    data_dir: Path
    rest_port: int
    srp_port: int
    api_key: Optional[str] = None
    api_key_id: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def cli(self, *args: str, api_key: Optional[str] = None, timeout: float = 30.0) -> subprocess.CompletedProcess:
        """Runs `schema-registry ARGS --host 127.0.0.1 --port SRP` (the CLI speaks SRP)."""
        env = dict(os.environ)
        env.pop("SCHEMA_REGISTRY_URL", None)
        env.pop("SCHEMA_REGISTRY_API_KEY", None)
        if api_key:
            env["SCHEMA_REGISTRY_API_KEY"] = api_key
        return subprocess.run(
            [str(server_binary()), *args, "--host", "127.0.0.1", "--port", str(self.srp_port)],
            capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
        )

    def create_key(self, role: str, name: str, api_key: Optional[str] = None,
                   subject_prefixes: Tuple[str, ...] = ()) -> Tuple[str, str]:
        """`keys create --json` through the server; returns (id, key text)."""
        args = ["keys", "create", "--role", role, "--name", name, "--json"]
        for prefix in subject_prefixes:
            args += ["--subject-prefix", prefix]
        done = self.cli(*args, api_key=api_key)
        if done.returncode != 0:
            raise RuntimeError(f"keys create failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        created = json.loads(done.stdout)
        return created["id"], created["key"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)


class ServerStartError(RuntimeError):
    pass


def start_server(work_dir: Path, *extra_args: str, insecure_no_auth: bool = True) -> RunningServer:
    """Starts `serve` on free ports and waits (30 s at most) for the REST API's log line."""
    binary = server_binary()
    if not binary.exists():
        raise ServerStartError(
            f"server binary {binary} does not exist: build it (swift build --product schema-registry) "
            "or set SCHEMA_REGISTRY_BIN")
    data_dir = work_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "server.log"
    args = [str(binary), "serve", "--data-dir", str(data_dir), "--port", "0",
            "--set", "rest-port=0", "--set", "metrics-port=off", *extra_args]
    if insecure_no_auth:
        args.append("--insecure-no-auth")
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("SCHEMA_REGISTRY_") and name != "SCHEMA_REGISTRY_BIN":
            env.pop(name)  # settings come from the arguments only
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=str(work_dir), env=env)
    deadline = time.monotonic() + START_TIMEOUT_S
    rest_port = srp_port = None
    text = ""
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        for line in text.splitlines():
            if "REST API listening" in line:
                rest_port = rest_port or _port_of(line)
            elif "listening" in line and "address=" in line:
                srp_port = srp_port or _port_of(line)
        if rest_port and srp_port:
            return RunningServer(process, log_path, data_dir, rest_port, srp_port)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    exited = process.poll() is not None
    if not exited:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    what = (f"exited (status {process.returncode}) before logging" if exited
            else f"did not log within {START_TIMEOUT_S:.0f} s")
    raise ServerStartError(
        f"the server {what} 'REST API listening ... address=...' and SRP's 'listening ... address=...'; "
        f"command: {' '.join(args)}\n--- server log ---\n{text}")


# ----------------------------------------------------------------------------- clients

# Fail fast instead of retrying a 5xx three times with back-off: a server error is a finding.
CLIENT_DEFAULTS = {"max.retries": 1, "retries.wait.ms": 50, "retries.max.wait.ms": 200, "timeout": 10}


def make_client(url: str, **conf):
    """A Confluent SchemaRegistryClient for url, with CLIENT_DEFAULTS under conf."""
    from confluent_kafka.schema_registry import SchemaRegistryClient
    settings = {"url": url, **CLIENT_DEFAULTS}
    settings.update(conf)
    return SchemaRegistryClient(settings)


def basic(user: str, password: str) -> str:
    """An Authorization header value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ----------------------------------------------------------------------------- raw HTTP

@dataclass
class RawResponse:
    status: int
    reason: str
    headers: Dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class ConnectionClosed(Exception):
    """The peer closed (or reset) the connection before a complete response."""


class RawReader:
    """Reads HTTP/1.1 responses one after the other from a socket (Content-Length or chunked)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError) as error:
            raise ConnectionClosed(str(error)) from error
        if not chunk:
            raise ConnectionClosed("EOF")
        self.buffer += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_response(self, head_request: bool = False) -> RawResponse:
        status_line = self._line().decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise AssertionError(f"not an HTTP/1.x status line: {status_line!r}")
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers: Dict[str, str] = {}
        while True:
            line = self._line().decode("latin-1")
            if line == "":
                break
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = (headers[key] + ", " if key in headers else "") + value.strip()
        if head_request or status in (204, 304) or 100 <= status < 200:
            return RawResponse(status, reason, headers, b"")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size = int(self._line().split(b";")[0].strip(), 16)
                if size == 0:
                    while self._line() != b"":  # trailers
                        pass
                    break
                body += self._exactly(size)
                self._exactly(2)
            return RawResponse(status, reason, headers, body)
        if "content-length" in headers:
            return RawResponse(status, reason, headers, self._exactly(int(headers["content-length"])))
        # No framing: the body runs to the end of the connection.
        body = self.buffer
        self.buffer = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                break
            if not chunk:
                break
            body += chunk
        return RawResponse(status, reason, headers, body)


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def request_bytes(method: str, path: str, body: Optional[bytes] = None,
                  headers: Optional[List[Tuple[str, str]]] = None, port: int = 0) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    names = {name.lower() for name, _ in (headers or [])}
    for name, value in headers or []:
        lines.append(f"{name}: {value}")
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    if body is not None and "content-type" not in names:
        lines.append("Content-Type: application/vnd.schemaregistry.v1+json")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def assert_error_body(response, status=None, error_code=None) -> dict:
    """A Confluent error answer: JSON object with an integer error_code and a string message.

    `response` is a requests.Response or a RawResponse; `status` and `error_code` may be a
    value or a tuple of accepted values.
    """
    got_status = response.status_code if hasattr(response, "status_code") else response.status
    body_text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
    if status is not None:
        accepted = status if isinstance(status, tuple) else (status,)
        assert got_status in accepted, f"status {got_status} not in {accepted}; body: {body_text[:500]}"
    try:
        body = json.loads(body_text)
    except ValueError:
        raise AssertionError(f"error body is not JSON (status {got_status}): {body_text[:500]!r}")
    assert isinstance(body, dict), f"error body is not a JSON object: {body_text[:500]}"
    assert isinstance(body.get("error_code"), int) and not isinstance(body.get("error_code"), bool), \
        f"error_code missing or not an integer: {body}"
    assert isinstance(body.get("message"), str), f"message missing or not a string: {body}"
    if error_code is not None:
        accepted = error_code if isinstance(error_code, tuple) else (error_code,)
        assert body["error_code"] in accepted, f"error_code {body['error_code']} not in {accepted}: {body}"
    return body
