"""Watch: the changes the server pushes (docs/PROTOCOL.md 19), through libsrclient's sr_watch
(clients/c/include/srclient_watch.h).

A watch lives on its client's connection next to the client's other calls: batches that
arrive while the client waits for another answer are queued on the watch (bounded by the
client's ``watch_queue_events``; beyond it they are dropped and the next batch is one RESYNC
event). Every call here takes the client's lock, so a watch and its client may be used from
different threads (one at a time on the wire).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Tuple

from . import _proto
from ._convert import _level_name, _mode_name, _text
from ._native import ffi, lib
from .errors import SrclientError, registry_error_class

if TYPE_CHECKING:  # pragma: no cover
    from ._connection import _Connection

#: WatchEventType names without their prefix, by number.
EVENT_TYPES = {1: "VERSION_REGISTERED", 2: "VERSIONS_DELETED", 3: "SUBJECT_DELETED", 4: "CONFIG_CHANGED",
               5: "MODE_CHANGED", 6: "RESYNC"}
VERSION_REGISTERED, VERSIONS_DELETED, SUBJECT_DELETED, CONFIG_CHANGED, MODE_CHANGED, RESYNC = (
    "VERSION_REGISTERED", "VERSIONS_DELETED", "SUBJECT_DELETED", "CONFIG_CHANGED", "MODE_CHANGED", "RESYNC")

# While iterating (or next(None)) the wait is taken in slices this long, the client's lock
# released between them, so that other threads may use the client meanwhile.
_SLICE_MS = 200


class WatchEnded(SrclientError):
    """The watch has ended (stopped, or ended by the server: ``end_status``, e.g. 16
    SHUTTING_DOWN) and every batch before the end was taken."""

    def __init__(self, end_status: int = 0):
        self.end_status = int(end_status)
        super().__init__(f"the watch has ended (status {self.end_status})" if end_status else "the watch has ended")


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One change (srp.WatchEvent). ``type``: "VERSION_REGISTERED", "VERSIONS_DELETED",
    "SUBJECT_DELETED", "CONFIG_CHANGED", "MODE_CHANGED", "RESYNC" (an unknown type: its number
    as a string; skip it). ``subject`` is "" for the global config/mode and for RESYNC;
    ``compatibility``/``mode`` are None when removed (or not this event's)."""

    type: str
    position: int
    subject: str = ""
    versions: Tuple[int, ...] = ()
    id: int = 0
    permanent: bool = False
    compatibility: Optional[str] = None
    mode: Optional[str] = None


def _event(message) -> WatchEvent:
    return WatchEvent(EVENT_TYPES.get(message.type, str(message.type)), message.position, message.subject,
                      tuple(message.versions), message.id, message.permanent, _level_name(message.compatibility),
                      _mode_name(message.mode))


def _status_in(text: str) -> int:
    found = re.search(r"\((\d+)\)", text)
    return int(found.group(1)) if found else 0


class Watch:
    """A started watch (made by :meth:`srclient.Client.watch`).

    ``next(timeout_ms)`` gives the next batch as a list of :class:`WatchEvent` (possibly empty:
    a batch may only move the position), None when nothing came in time, and raises
    :class:`WatchEnded` once the watch has ended. Iterating yields events one by one until the
    watch ends. ``log_id`` and ``position`` resume a later watch
    (``client.watch(after_position=w.position, log_id=w.log_id)``); ``resync`` says the resume
    position could not be honoured (drop what is cached that can change)."""

    def __init__(self, connection: "_Connection", handle):
        self._connection = connection
        self._watch = handle
        self._body = ffi.new("uint8_t **")
        self._length = ffi.new("size_t *")
        self.log_id: str = _text(lib.sr_watch_log_id(handle))
        self.resync: bool = bool(lib.sr_watch_resync(handle))

    def _handle(self):
        if self._watch == ffi.NULL:
            raise ValueError("the watch is closed")
        return self._watch

    @property
    def position(self) -> int:
        """Every change up to here was delivered by next(): the resume position."""
        return int(lib.sr_watch_position(self._handle()))

    @property
    def is_open(self) -> bool:
        """True while the server may still send events (started, not ended)."""
        return self._watch != ffi.NULL and bool(lib.sr_watch_is_open(self._watch))

    @property
    def end_status(self) -> int:
        return int(lib.sr_watch_end_status(self._handle()))

    @property
    def dropped_events(self) -> int:
        """Events dropped so far by the queue bound (each drop is reported as a RESYNC event)."""
        return int(lib.sr_watch_dropped_events(self._handle()))

    def _take(self, timeout_ms: int, no_io: bool) -> Optional[List[WatchEvent]]:
        connection = self._connection
        with connection._lock:
            watch = self._handle()
            connection._handle()  # raises when the client is closed
            err = lib.srpy_watch_next(watch, timeout_ms, 1 if no_io else 0, self._body, self._length)
            if err == lib.SR_ERR_TIMEOUT:
                return None
            if err == lib.SR_ERR_WATCH_ENDED:
                raise WatchEnded(lib.sr_watch_end_status(watch))
            if err != lib.SR_OK:
                connection._raise_client_error(err)
            if self._body[0] == ffi.NULL:
                return None
            try:
                data = ffi.buffer(self._body[0], self._length[0])[:]
            finally:
                lib.srpy_free(self._body[0])
        batch = _proto.message("WatchEvents").FromString(data)
        return [_event(e) for e in batch.events]

    def next(self, timeout_ms: Optional[int] = 1000) -> Optional[List[WatchEvent]]:
        """The next batch of events, in position order, or None when none came within
        ``timeout_ms`` (the watch goes on). ``timeout_ms=0`` takes only what is already queued
        (no I/O); None waits until a batch comes. Raises WatchEnded once the watch has ended,
        a ClientError when the connection broke."""
        if timeout_ms is None:
            while True:
                batch = self._take(_SLICE_MS, False)
                if batch is not None:
                    return batch
        if timeout_ms < 0:
            raise ValueError("timeout_ms is >= 0 (or None: wait until a batch comes)")
        if timeout_ms == 0:
            return self._take(0, True)
        return self._take(int(timeout_ms), False)

    def __iter__(self) -> Iterator[WatchEvent]:
        """Every event until the watch ends (stop() from another thread, or the server)."""
        while True:
            try:
                batch = self.next(None)
            except WatchEnded:
                return
            yield from batch

    def stop(self, timeout_ms: Optional[int] = None) -> None:
        """Sends Unwatch and waits for its answer (idempotent). Batches that arrived before it can
        still be taken; then next() raises WatchEnded."""
        connection = self._connection
        with connection._lock:
            if self._watch == ffi.NULL or connection._client == ffi.NULL:
                return
            err = lib.sr_watch_stop(self._watch, connection._timeout_ms if timeout_ms is None else int(timeout_ms))
            if err != lib.SR_OK:
                connection._raise_client_error(err)

    def close(self) -> None:
        """Stops (best effort) and frees the watch (idempotent)."""
        connection = self._connection
        with connection._lock:
            if self._watch != ffi.NULL:
                lib.sr_watch_free(self._watch)  # unwatches an open watch (sent with the next I/O)
                self._watch = ffi.NULL

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.is_open and self._connection._client != ffi.NULL:
                self.stop()
        except SrclientError:
            pass
        finally:
            self.close()

    def __del__(self):
        try:
            if getattr(self, "_watch", ffi.NULL) != ffi.NULL:
                lib.sr_watch_free(self._watch)
                self._watch = ffi.NULL
        except Exception:
            pass


def start_watch(connection: "_Connection", subjects: Optional[Iterable[str]] = None,
                prefixes: Optional[Iterable[str]] = None, after_position: Optional[int] = None,
                log_id: Optional[str] = None, timeout: Optional[float] = None) -> Watch:
    if isinstance(subjects, str) or isinstance(prefixes, str):
        raise TypeError("subjects and prefixes are lists of strings")
    if (after_position is None) != (log_id is None):
        raise ValueError("resuming needs both after_position and log_id")
    request = _proto.message("WatchRequest")(subjects=list(subjects or ()), subject_prefixes=list(prefixes or ()))
    if log_id is not None:
        request.after_position = int(after_position)
        request.log_id = log_id
    body = request.SerializeToString()
    timeout_ms = connection._timeout_ms if timeout is None else connection._ms(timeout)
    out = ffi.new("sr_watch **")
    with connection._lock:
        client = connection._handle()
        err = lib.srpy_watch_start(client, body, len(body), timeout_ms, out)
        if err == lib.SR_ERR_REGISTRY:
            message = _text(lib.sr_client_errstr(client))
            status = int(lib.sr_watch_start_status(client)) or _status_in(message)
            raise registry_error_class(status)(status, message, _text(lib.sr_status_name(status)))
        if err != lib.SR_OK:
            connection._raise_client_error(err)
        return Watch(connection, out[0])
