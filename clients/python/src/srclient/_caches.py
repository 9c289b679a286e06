"""The C client's caches (srclient_watch.h), on :class:`srclient.Client`.

* The schema cache (``schema_cache_bytes``): GetSchemaById answers, bounded by bytes, least
  recently used evicted; schemas never change under their id, so entries are never invalidated.
  With it on, :meth:`~srclient.Client.get_schema` goes through ``sr_schema_by_id``.
* The mutable cache (``mutable_cache_entries``): versions (latest included), compatibility
  levels and modes, kept exact by an internal watch on the client's connection (every event the
  server wrote to the socket before a lookup is applied before it answers). With it on,
  ``get_version``/``get_latest`` (without ``include_deleted``), ``get_config`` and ``get_mode``
  go through ``sr_schema_by_version``/``sr_config_by_subject``/``sr_mode_by_subject``.

Counters: :meth:`cache_stats` (``sr_client_stat``).
"""
from __future__ import annotations

import re
from typing import Dict, Optional

from . import _proto
from ._convert import _level_name, _mode_name, _schema, _schema_version, _text
from ._native import ffi, lib
from .errors import SchemaNotFound, registry_error_class
from .models import Schema, SchemaVersion

#: sr_stat counters by the names cache_stats() gives them.
STATS = {
    "frames_sent": 0, "frames_received": 1, "lz4_frames_sent": 2, "lz4_frames_received": 3, "bytes_sent": 4,
    "bytes_received": 5, "throttled": 6, "reconnects": 7, "schema_cache_hits": 8, "schema_cache_misses": 9,
    "schema_cache_evictions": 10, "mutable_cache_hits": 11, "mutable_cache_misses": 12,
    "mutable_cache_resets": 13, "mutable_cache_evictions": 14,
}


def _status_in(text: str) -> int:
    found = re.search(r"\((\d+)\)", text)
    return int(found.group(1)) if found else 0


class _Caches:
    """The cache methods of :class:`srclient.Client` (a mixin over _Connection)."""

    def stat(self, name: str) -> int:
        """One of the C client's counters (a key of :data:`STATS`, e.g. "mutable_cache_hits")."""
        try:
            number = STATS[name]
        except KeyError:
            raise ValueError(f"unknown stat {name!r} (one of {sorted(STATS)})") from None
        return int(lib.sr_client_stat(self._handle(), number))

    def cache_stats(self) -> Dict[str, int]:
        """Every counter of :data:`STATS`, plus the caches' sizes: ``schema_cache_bytes_used``,
        ``schema_cache_entries``, ``mutable_cache_entries`` and ``mutable_cache_live`` (1 while
        the mutable cache's watch is open, i.e. answers may come from memory)."""
        with self._lock:
            client = self._handle()
            stats = {name: int(lib.sr_client_stat(client, number)) for name, number in STATS.items()}
            used, entries = ffi.new("size_t *"), ffi.new("size_t *")
            lib.sr_schema_cache_usage(client, used, entries)
            stats["schema_cache_bytes_used"], stats["schema_cache_entries"] = int(used[0]), int(entries[0])
            stats["mutable_cache_entries"] = int(lib.sr_mutable_cache_entries(client))
            stats["mutable_cache_live"] = int(lib.sr_mutable_cache_live(client))
        return stats

    def set_schema_cache_bytes(self, size: int) -> None:
        """Changes the schema cache's bound on this client; 0 turns it off and empties it."""
        with self._lock:
            if lib.sr_client_set_schema_cache_bytes(self._handle(), int(size)) != lib.SR_OK:
                raise ValueError(f"invalid schema cache size {size!r}")
            self._schema_cache_bytes = int(size)

    def set_mutable_cache_entries(self, entries: int) -> None:
        """Changes the mutable cache's bound; 0 turns it off, empties it and ends its watch."""
        with self._lock:
            if lib.sr_client_set_mutable_cache_entries(self._handle(), int(entries)) != lib.SR_OK:
                raise ValueError(f"invalid mutable cache size {entries!r}")
            self._mutable_cache_entries = int(entries)

    @property
    def watch_available(self) -> bool:
        """True when the server said (HELLO_OK) that it offers Watch."""
        return bool(lib.sr_client_watch_available(self._handle()))

    # ------------------------------------------------------------------ lookups through the caches

    def _cached_body(self, lookup, *args) -> bytes:
        body, length = ffi.new("uint8_t **"), ffi.new("size_t *")
        with self._lock:
            client = self._handle()
            err = lookup(client, *args, self._timeout_ms, body, length)
            if err != lib.SR_OK:
                self._raise_cache_error(client, err, lookup is lib.srpy_schema_by_id)
            try:
                return ffi.buffer(body[0], length[0])[:]
            finally:
                lib.srpy_free(body[0])

    def _raise_cache_error(self, client, err: int, by_id: bool):
        message = _text(lib.sr_client_errstr(client))
        if err == lib.SR_ERR_UNKNOWN_SCHEMA:
            raise SchemaNotFound(40403, message, _text(lib.sr_status_name(40403)))
        if err == lib.SR_ERR_REGISTRY:
            status = (0 if by_id else int(lib.sr_mutable_lookup_status(client))) or _status_in(message)
            raise registry_error_class(status)(status, message, _text(lib.sr_status_name(status)))
        self._raise_client_error(err)

    def _cached_schema(self, schema_id: int) -> Schema:
        return _schema(_proto.message("Schema").FromString(self._cached_body(lib.srpy_schema_by_id, int(schema_id))))

    def _cached_version(self, subject: str, version: int) -> SchemaVersion:
        data = self._cached_body(lib.srpy_schema_by_version, subject.encode(), int(version))
        return _schema_version(_proto.message("SchemaVersion").FromString(data))

    def _cached_enum(self, lookup, subject: Optional[str], default_to_global: bool) -> int:
        value = ffi.new("int *")
        with self._lock:
            client = self._handle()
            err = lookup(client, (subject or "").encode(), 1 if default_to_global else 0, self._timeout_ms, value)
            if err != lib.SR_OK:
                self._raise_cache_error(client, err, False)
        return int(value[0])

    def _cached_config(self, subject: Optional[str], default_to_global: bool) -> Optional[str]:
        return _level_name(self._cached_enum(lib.srpy_config_by_subject, subject, default_to_global))

    def _cached_mode(self, subject: Optional[str], default_to_global: bool) -> Optional[str]:
        return _mode_name(self._cached_enum(lib.srpy_mode_by_subject, subject, default_to_global))
