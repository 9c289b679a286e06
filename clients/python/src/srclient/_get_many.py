"""Client.get_many: many schemas by id, pipelined on one connection.

The loop runs in C (srpy_many_start/srpy_many_step, compiled into srclient._native by
build_ffi.py); Python turns each step's replies into Schema objects in one pass.
"""
from __future__ import annotations

import time
from collections import deque
from itertools import repeat
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ._convert import _RETRYABLE, _SCHEMA_NOT_FOUND, _TYPE_NAMES, _msg, _schema, _text
from ._native import ffi, lib
from .errors import client_error, registry_error_class
from .models import Schema

_GetSchemaByIdResponse = _msg("GetSchemaByIdResponse")
_STEP = 512  # get_many: replies per srpy_many_step (the objects of one step are made while the next are on the way)
_consume = deque(maxlen=0).extend  # runs an iterator (a map of setters) to its end, in C
_SCHEMA_SLOT_SETTERS = tuple(getattr(Schema, name).__set__ for name in ("id", "schema", "schema_type", "references"))
assert Schema.__slots__ == ("id", "schema", "schema_type", "references")


class _GetMany:
    """The get_many methods of :class:`srclient.Client` (they use its ``_lock``, ``_handle``,
    ``_timeout_ms`` and ``_ms``)."""

    def get_many(self, schema_ids: Iterable[int], *, missing_ok: bool = False,
                 timeout: Optional[float] = None) -> Dict[int, Schema]:
        """Fetches many schemas by id, pipelined: one GetSchemaById request per distinct id on
        this connection, at most ``max_in_flight`` unanswered at a time, replies taken as they
        come.

        Returns {id: Schema}. An id the server does not have raises SchemaNotFound (naming
        every missing id) unless ``missing_ok``, when it is left out. THROTTLED and OVERLOADED
        replies are retried after the server's retry_after_ms (a bounded number of rounds).
        ``timeout`` (seconds, default the client's) bounds each wait for a reply; a timeout
        reconnects (dropping the late replies) and raises RegistryTimeout.
        """
        ids = list(dict.fromkeys(map(int, schema_ids)))
        timeout_ms = self._timeout_ms if timeout is None else self._ms(timeout)
        found: Dict[int, Schema] = {}
        missing: List[int] = []
        with self._lock:
            client = self._handle()
            window = max(1, min(int(lib.sr_client_max_in_flight(client)) or 1, 4096))
            for _round in range(20):
                retry, wait_ms = self._get_many_round(client, ids, window, timeout_ms, found, missing)
                if not retry:
                    break
                time.sleep(max(wait_ms, 1) / 1000.0)
                ids = retry
            else:
                raise registry_error_class(13)(13, f"{len(ids)} ids still throttled after 20 rounds", "THROTTLED")
        if missing and not missing_ok:
            missing.sort()
            shown = ", ".join(str(i) for i in missing[:20]) + (", ..." if len(missing) > 20 else "")
            raise registry_error_class(_SCHEMA_NOT_FOUND)(_SCHEMA_NOT_FOUND, f"schemas not found: {shown}",
                                                          "SCHEMA_NOT_FOUND", [str(i) for i in missing])
        return found

    def _get_many_round(self, client, ids: List[int], window: int, timeout_ms: int, found: Dict[int, Schema],
                        missing: List[int]) -> Tuple[List[int], int]:
        # The loop is C (srpy_many_start/srpy_many_step in build_ffi.py): append up to `window`,
        # take each reply, append the next; it decodes each GetSchemaById response into (id,
        # type, text) and keeps the texts in one buffer, each followed by a NUL. It returns
        # every _STEP replies with the window still full, so that the server works on the next
        # replies while Python makes this step's objects, without a Python loop per id: one
        # decode and one split make every string, and map() over the columns fills the Schema
        # objects.
        retry: List[int] = []
        state = {"wait_ms": 0, "failure": None}
        id_array = ffi.new("uint32_t[]", ids)
        many = ffi.new("srpy_many *")
        try:
            err = lib.srpy_many_start(client, id_array, len(ids), window, many)
            while err == lib.SR_OK and many.outstanding:
                err = lib.srpy_many_step(client, many, _STEP, timeout_ms)
                if err == lib.SR_OK:
                    self._get_many_results(many, ids, found, missing, retry, state)
            if err != lib.SR_OK:
                error = client_error(err, _text(lib.sr_err_name(err)), _text(lib.sr_client_errstr(client)))
                if err == lib.SR_ERR_TIMEOUT:
                    lib.sr_client_reconnect(client)  # drop the replies still to come
                raise error
        finally:
            lib.srpy_many_free(many)
        if state["failure"] is not None:
            raise state["failure"]
        return retry, state["wait_ms"]

    @staticmethod
    def _get_many_results(many, ids: List[int], found: Dict[int, Schema], missing: List[int], retry: List[int],
                          state: Dict[str, Any]) -> None:
        decoded, others = many.decoded, many.others
        if decoded:
            order = ffi.unpack(many.order, decoded)
            numbers = ffi.unpack(many.schema_id, decoded)
            types = ffi.unpack(many.schema_type, decoded)
            texts = str(ffi.buffer(many.texts, many.texts_length), "utf-8").split("\x00")
            texts.pop()  # after the last NUL
            if len(texts) != decoded:
                raise RuntimeError(f"get_many: {len(texts)} schema texts for {decoded} replies")
            # A frozen, slotted dataclass filled through its slots' descriptors: what its
            # __init__ does, without the frozen __setattr__ guard, column by column.
            set_id, set_text, set_type, set_references = _SCHEMA_SLOT_SETTERS
            schemas = list(map(object.__new__, repeat(Schema, decoded)))
            _consume(map(set_id, schemas, numbers))
            _consume(map(set_text, schemas, texts))
            _consume(map(set_type, schemas, map(_TYPE_NAMES.get, types, repeat("AVRO"))))
            _consume(map(set_references, schemas, repeat((), decoded)))
            found.update(zip(map(ids.__getitem__, order), schemas))
        if not others:
            return
        other_order = ffi.unpack(many.other_order, others)
        other_status = ffi.unpack(many.other_status, others)
        other_offset = ffi.unpack(many.other_offset, others)
        other_length = ffi.unpack(many.other_length, others)
        bodies = ffi.buffer(many.bodies, many.bodies_length)[:]
        for k in range(others):
            schema_id, status = ids[other_order[k]], other_status[k]
            body = bodies[other_offset[k]:other_offset[k] + other_length[k]]
            if status == 0:
                found[schema_id] = _schema(_GetSchemaByIdResponse.FromString(body).schema)
            elif status == _SCHEMA_NOT_FOUND:
                missing.append(schema_id)
            else:
                error_body = _msg("ErrorBody").FromString(body)
                if status in _RETRYABLE:
                    retry.append(schema_id)
                    state["wait_ms"] = max(state["wait_ms"], error_body.retry_after_ms)
                elif state["failure"] is None:
                    details = [error_body.details[key] for key in sorted(error_body.details, key=lambda k: (len(k), k))]
                    state["failure"] = registry_error_class(status)(status, error_body.message,
                                                                    _text(lib.sr_status_name(status)), details,
                                                                    error_body.retry_after_ms)
