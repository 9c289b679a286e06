"""The connection under :class:`srclient.Client`: the options handed to libsrclient
(host, port, API key, TLS and mTLS, timeouts), connecting, the one-request escape hatch
:meth:`~srclient.Client.call` with its error mapping, and the connection's lifecycle.
"""
from __future__ import annotations

import threading
from typing import Optional, TypeVar

from ._convert import METHODS, _msg, _text, _version
from ._native import ffi, lib
from .errors import RegistryError, client_error, registry_error_class

_Self = TypeVar("_Self", bound="_Connection")


class _Connection:
    """One libsrclient connection, its lock and its timeouts (the base of
    :class:`srclient.Client`, which documents the arguments)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 7911, api_key: Optional[str] = None, *,
                 tls: Optional[bool] = None, ca_file: Optional[str] = None, cert_file: Optional[str] = None,
                 key_file: Optional[str] = None, server_name: Optional[str] = None, timeout: float = 30.0,
                 connect_timeout: float = 5.0, client_name: Optional[str] = None, compression: bool = True,
                 throttle_retries: int = 0, auto_reconnect: bool = False, schema_cache_bytes: int = 0,
                 mutable_cache_entries: int = 0, watch_queue_events: Optional[int] = None):
        self._client = ffi.NULL
        self._lock = threading.Lock()
        self._schema_cache_bytes = int(schema_cache_bytes)
        self._mutable_cache_entries = int(mutable_cache_entries)
        self.host, self.port = host, int(port)
        self.timeout = timeout
        self._timeout_ms = self._ms(timeout)
        options = lib.sr_options_new()
        if options == ffi.NULL:
            raise MemoryError("sr_options_new")
        try:
            self._set(options, lib.sr_options_set_host, host.encode())
            self._set(options, lib.sr_options_set_port, int(port))
            if api_key:
                self._set(options, lib.sr_options_set_api_key, api_key.encode())
            self._set(options, lib.sr_options_set_client_name,
                      (client_name or f"srclient-python/{_version()}").encode())
            self._set(options, lib.sr_options_set_compression, 1 if compression else 0)
            self._set(options, lib.sr_options_set_connect_timeout_ms, self._ms(connect_timeout))
            self._set(options, lib.sr_options_set_call_timeout_ms, self._timeout_ms)
            self._set(options, lib.sr_options_set_throttle_retries, int(throttle_retries))
            self._set(options, lib.sr_options_set_auto_reconnect, 1 if auto_reconnect else 0)
            if schema_cache_bytes:
                self._set(options, lib.sr_options_set_schema_cache_bytes, int(schema_cache_bytes))
            if mutable_cache_entries:
                self._set(options, lib.sr_options_set_mutable_cache_entries, int(mutable_cache_entries))
            if watch_queue_events is not None:
                self._set(options, lib.sr_options_set_watch_queue_events, int(watch_queue_events))
            if tls is None:
                tls = any(v is not None for v in (ca_file, cert_file, key_file, server_name))
            if tls:
                self._set(options, lib.sr_options_set_tls, 1)
                for setter, value in ((lib.sr_options_set_tls_ca_file, ca_file),
                                      (lib.sr_options_set_tls_cert_file, cert_file),
                                      (lib.sr_options_set_tls_key_file, key_file),
                                      (lib.sr_options_set_tls_server_name, server_name)):
                    if value is not None:
                        self._set(options, setter, str(value).encode())
            client = lib.sr_connect(options)
        finally:
            lib.sr_options_free(options)
        if client == ffi.NULL:
            raise MemoryError("sr_connect")
        err = lib.sr_client_err(client)
        if err != lib.SR_OK:
            error = client_error(err, _text(lib.sr_err_name(err)), _text(lib.sr_client_errstr(client)))
            lib.sr_client_free(client)
            raise error
        self._client = client
        self._length = ffi.new("size_t *")

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _ms(seconds: Optional[float]) -> int:
        if seconds is None:
            return 0  # forever
        if seconds <= 0:
            raise ValueError("timeouts are positive numbers of seconds (or None for none)")
        return max(1, int(seconds * 1000))

    @staticmethod
    def _set(options, setter, value) -> None:
        if setter(options, value) != lib.SR_OK:
            raise ValueError(f"invalid option value {value!r}")

    def _raise_client_error(self, err: int):
        raise client_error(err, _text(lib.sr_err_name(err)), _text(lib.sr_client_errstr(self._client)))

    def _handle(self):
        if self._client == ffi.NULL:
            raise ValueError("the client is closed")
        return self._client

    def call(self, method: str, request, response_type: str, timeout: Optional[float] = None):
        """Sends one SRP request (a message of srclient._proto) and returns the parsed response.

        The escape hatch for RPCs without a method here; raises RegistryError on an error
        status and ClientError when no answer came."""
        body = request.SerializeToString()
        timeout_ms = self._timeout_ms if timeout is None else self._ms(timeout)
        with self._lock:
            client = self._handle()
            reply = lib.sr_call_raw(client, METHODS[method], body, len(body), timeout_ms)
            if reply == ffi.NULL:
                self._raise_client_error(lib.sr_client_err(client))
            try:
                status = lib.sr_reply_status(reply)
                if status != 0:
                    raise self._registry_error(reply, status)
                body_pointer = lib.sr_reply_body(reply, self._length)
                data = ffi.buffer(body_pointer, self._length[0])[:] if body_pointer != ffi.NULL else b""
            finally:
                lib.sr_reply_free(reply)
        return _msg(response_type).FromString(data)

    @staticmethod
    def _registry_error(reply, status: int) -> RegistryError:
        details = [_text(lib.sr_reply_error_detail(reply, i)) for i in range(lib.sr_reply_error_detail_count(reply))]
        cls = registry_error_class(status)
        return cls(status, _text(lib.sr_reply_error_message(reply)), _text(lib.sr_status_name(status)), details,
                   lib.sr_reply_retry_after_ms(reply))

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Closes the connection (idempotent)."""
        with self._lock:
            if self._client != ffi.NULL:
                lib.sr_client_free(self._client)
                self._client = ffi.NULL

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            if getattr(self, "_client", ffi.NULL) != ffi.NULL:
                lib.sr_client_free(self._client)
                self._client = ffi.NULL
        except Exception:
            pass

    def reconnect(self) -> None:
        """Closes and reconnects (requests still pending on the old connection are dropped)."""
        with self._lock:
            client = self._handle()
            if lib.sr_client_reconnect(client) != lib.SR_OK:
                self._raise_client_error(lib.sr_client_err(client))

    @property
    def connected(self) -> bool:
        return self._client != ffi.NULL and bool(lib.sr_client_is_connected(self._client))

    @property
    def tls(self) -> bool:
        """True when the connection is TLS."""
        return bool(lib.sr_client_tls(self._handle()))

    @property
    def max_in_flight(self) -> int:
        """Requests the server processes at once on this connection (HELLO_OK)."""
        return int(lib.sr_client_max_in_flight(self._handle()))

    @property
    def server_version(self) -> str:
        return _text(lib.sr_client_server_version(self._handle()))
