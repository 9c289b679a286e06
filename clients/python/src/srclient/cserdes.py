"""The C library's Kafka serializers (clients/c/include/srclient_serde.h) from Python.

:mod:`srclient.serdes` is the Python implementation (fastavro, jsonschema, protobuf; the
confluent-kafka interface, Python values). This module is the other one: libsrclient's own
Avro codec, JSON check, serializer and deserializer, called through cffi. Values cross in
Avro's JSON encoding (unions as ``{"branch": value}``, bytes as strings of code points
0-255), as the C library takes and gives them (as text; ``json.loads`` it for Python values).

* :class:`CSerializer` (``sr_serializer``): registers (or looks up) its schema on first use,
  then frames every value: magic byte 0, the id, Avro binary / JSON text / a Protobuf message.
* :class:`CDeserializer` (``sr_deserializer``): the frame's id selects the writer's schema
  (fetched once, cached); gives a :class:`Datum`.
* :func:`frame`, :func:`unframe`, :func:`frame_protobuf`, :func:`unframe_protobuf`,
  :class:`AvroSchema` (``encode``/``decode``): the same without a registry.

Errors are :class:`~srclient.errors.SerializationError` subclasses carrying the C code
(``err``, ``err_name``): SR_ERR_WIRE_MAGIC -> WrongMagicByte, SR_ERR_WIRE_TRUNCATED ->
TruncatedFrame, SR_ERR_WIRE_INDEXES -> InvalidMessageIndexes, SR_ERR_UNKNOWN_SCHEMA ->
UnknownSchemaId, SR_ERR_AVRO_DATA / SR_ERR_AVRO_VALUE / SR_ERR_JSON -> PayloadMismatch,
SR_ERR_SCHEMA -> SchemaCompileError, SR_ERR_REGISTRY -> SerializerRegistryError; the client's
own errors (a timeout fetching a schema, ...) are ClientError subclasses.

The serializers borrow the :class:`~srclient.Client`'s connection and take its lock for each
call, so they may be shared as the client is; closing the client makes them raise.
"""
from __future__ import annotations

import json
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple, Union

from ._native import ffi, lib
from .client import Client
from .errors import SerializationError, serde_error

__all__ = ["CSerializer", "CDeserializer", "Datum", "AvroSchema", "frame", "unframe", "frame_protobuf",
           "unframe_protobuf"]

_TYPES = {"AVRO": 0, "JSON": 1, "PROTOBUF": 2}
_TYPE_NAMES = {number: name for name, number in _TYPES.items()}
_ERRBUF = 512

Text = Union[str, bytes]


def _text(pointer) -> str:
    return "" if pointer == ffi.NULL else ffi.string(pointer).decode("utf-8", "replace")


def _bytes(value: Any) -> bytes:
    """str/bytes as they are (UTF-8), anything else as compact JSON text."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _frame_id(payload: bytes) -> Optional[int]:
    return int.from_bytes(payload[1:5], "big") if len(payload) >= 5 else None


def _raise(err: int, message: str, schema_id: Optional[int] = None):
    raise serde_error(err, _text(lib.sr_err_name(err)), message, schema_id)


def _take(pointer, length: int) -> bytes:
    """Copies malloc'ed bytes of the library and frees them (sr_free)."""
    try:
        return ffi.buffer(pointer, length)[:]
    finally:
        lib.sr_free(pointer)


def _type_number(schema_type: Union[str, int]) -> int:
    if isinstance(schema_type, int):
        if schema_type in _TYPE_NAMES:
            return schema_type
    elif isinstance(schema_type, str) and schema_type.upper() in _TYPES:
        return _TYPES[schema_type.upper()]
    raise ValueError(f"schema_type must be one of {sorted(_TYPES)}, not {schema_type!r}")


# ----------------------------------------------------------------------------- wire format

def frame(schema_id: int, body: bytes) -> bytes:
    """[0][id, 4 bytes big-endian][body] (sr_wire_frame)."""
    if not 0 <= schema_id < 2 ** 32:
        raise ValueError(f"schema id {schema_id} does not fit in 4 bytes")
    out, length = ffi.new("uint8_t **"), ffi.new("size_t *")
    err = lib.sr_wire_frame(schema_id, body, len(body), out, length)
    if err != lib.SR_OK:
        _raise(err, "sr_wire_frame")
    return _take(out[0], length[0])


def frame_protobuf(schema_id: int, indexes: Sequence[int], body: bytes) -> bytes:
    """The same with Protobuf message indexes ([0] and [] as the single byte 0)."""
    if not 0 <= schema_id < 2 ** 32:
        raise ValueError(f"schema id {schema_id} does not fit in 4 bytes")
    array = ffi.new("int32_t[]", list(indexes) or [0])
    out, length = ffi.new("uint8_t **"), ffi.new("size_t *")
    err = lib.sr_wire_frame_protobuf(schema_id, array, len(indexes), body, len(body), out, length)
    if err != lib.SR_OK:
        _raise(err, f"message indexes {list(indexes)}")
    return _take(out[0], length[0])


def unframe(payload: bytes) -> Tuple[int, bytes]:
    """(schema id, body) of an Avro or JSON payload (sr_wire_unframe)."""
    payload = bytes(payload)
    schema_id, offset = ffi.new("uint32_t *"), ffi.new("size_t *")
    errbuf = ffi.new("char[]", _ERRBUF)
    err = lib.sr_wire_unframe(payload, len(payload), schema_id, offset, errbuf, _ERRBUF)
    if err != lib.SR_OK:
        _raise(err, _text(errbuf))
    return schema_id[0], payload[offset[0]:]


def unframe_protobuf(payload: bytes, max_indexes: int = 128) -> Tuple[int, List[int], bytes]:
    """(schema id, message indexes, body) of a Protobuf payload (sr_wire_unframe_protobuf)."""
    payload = bytes(payload)
    schema_id, offset, count = ffi.new("uint32_t *"), ffi.new("size_t *"), ffi.new("size_t *")
    indexes = ffi.new("int32_t[]", max(1, max_indexes))
    errbuf = ffi.new("char[]", _ERRBUF)
    err = lib.sr_wire_unframe_protobuf(payload, len(payload), schema_id, indexes, max(1, max_indexes), count,
                                       offset, errbuf, _ERRBUF)
    if err != lib.SR_OK:
        _raise(err, _text(errbuf))
    return schema_id[0], list(indexes[0:count[0]]), payload[offset[0]:]


# ----------------------------------------------------------------------------- Avro codec

class AvroSchema:
    """An Avro schema compiled by the C library (sr_avro_schema_parse[_with_references]):
    ``encode`` takes a value in Avro's JSON encoding (text, or a Python value dumped to it) and
    gives Avro binary; ``decode`` gives the JSON text back."""

    def __init__(self, schema: Union[str, Any], references: Sequence[str] = ()):
        text = _bytes(schema)
        errbuf = ffi.new("char[]", _ERRBUF)
        out = ffi.new("sr_avro_schema **")
        if references:
            kept = [ffi.new("char[]", _bytes(r)) for r in references]
            array = ffi.new("const char *[]", kept)
            err = lib.sr_avro_schema_parse_with_references(text, len(text), array, len(kept), out, errbuf, _ERRBUF)
        else:
            err = lib.sr_avro_schema_parse(text, len(text), out, errbuf, _ERRBUF)
        if err != lib.SR_OK:
            _raise(err, _text(errbuf))
        self._schema = ffi.gc(out[0], lib.sr_avro_schema_free)

    def encode(self, value: Any) -> bytes:
        data = _bytes(value)
        out, length = ffi.new("uint8_t **"), ffi.new("size_t *")
        errbuf = ffi.new("char[]", _ERRBUF)
        err = lib.sr_avro_encode_json(self._schema, data, len(data), out, length, errbuf, _ERRBUF)
        if err != lib.SR_OK:
            _raise(err, _text(errbuf))
        return _take(out[0], length[0])

    def decode(self, data: bytes) -> str:
        data = bytes(data)
        out, length = ffi.new("char **"), ffi.new("size_t *")
        errbuf = ffi.new("char[]", _ERRBUF)
        err = lib.sr_avro_decode_json(self._schema, data, len(data), out, length, errbuf, _ERRBUF)
        if err != lib.SR_OK:
            _raise(err, _text(errbuf))
        return _take(out[0], length[0]).decode("utf-8")


# ----------------------------------------------------------------------------- serializers

class Datum(NamedTuple):
    """One deserialized payload: the writer's schema id and type ("AVRO", "JSON", "PROTOBUF"),
    the body (AVRO: the value in Avro's JSON encoding, JSON: the JSON text, as str; PROTOBUF:
    the serialized message, bytes) and the message indexes (PROTOBUF, else [])."""
    schema_id: int
    schema_type: str
    body: Union[str, bytes]
    message_indexes: List[int]

    def value(self) -> Any:
        """The body parsed as JSON (AVRO, JSON)."""
        if isinstance(self.body, bytes):
            raise TypeError("a Protobuf datum's body is the serialized message, not JSON")
        return json.loads(self.body)


class CSerializer:
    """sr_serializer: values of ``subject`` with ``schema`` (text) of ``schema_type``.

    ``serialize(value)`` (or calling it) gives one Kafka payload: AVRO values in Avro's JSON
    encoding (text, or a Python value dumped as JSON) written as Avro binary; JSON text checked
    and framed as it is; PROTOBUF the serialized message with ``message_indexes``. The first
    call registers the schema (``auto_register=False``: looks it up); ``references`` are
    ``(name, subject, version)`` triples (version -1: the latest)."""

    def __init__(self, client: Client, subject: str, schema: Union[str, Any], schema_type: Union[str, int] = "AVRO",
                 *, auto_register: bool = True, references: Sequence[Tuple[str, str, int]] = (),
                 message_indexes: Optional[Sequence[int]] = None, timeout: Optional[float] = None):
        if not isinstance(client, Client):
            raise TypeError("the first argument is a srclient.Client")
        self._client = client
        self.subject = subject
        self.schema_type = _TYPE_NAMES[_type_number(schema_type)]
        with client._lock:
            handle = client._handle()
            made = lib.sr_serializer_new(handle, subject.encode(), _bytes(schema), _type_number(schema_type))
            if made == ffi.NULL:
                raise MemoryError("sr_serializer_new")
            self._serializer = ffi.gc(made, lib.sr_serializer_free)
            self._check(lib.sr_serializer_err(made))
            self._check(lib.sr_serializer_set_auto_register(made, 1 if auto_register else 0))
            for name, ref_subject, version in references:
                self._check(lib.sr_serializer_add_reference(made, name.encode(), ref_subject.encode(), int(version)))
            if message_indexes is not None:
                array = ffi.new("int32_t[]", list(message_indexes) or [0])
                self._check(lib.sr_serializer_set_message_indexes(made, array, len(message_indexes)))
            if timeout is not None:
                self._check(lib.sr_serializer_set_timeout_ms(made, Client._ms(timeout)))
        self._out, self._length = ffi.new("uint8_t **"), ffi.new("size_t *")

    def _check(self, err: int) -> None:
        if err != lib.SR_OK:
            _raise(err, _text(lib.sr_serializer_errstr(self._serializer)))

    @property
    def schema_id(self) -> Optional[int]:
        """The schema id once resolved (None before the first successful serialize)."""
        number = lib.sr_serializer_schema_id(self._serializer)
        return number or None

    def serialize(self, value: Any) -> bytes:
        data = _bytes(value)
        with self._client._lock:
            self._client._handle()  # the borrowed connection must still be open
            err = lib.sr_serialize(self._serializer, data, len(data), self._out, self._length)
            if err != lib.SR_OK:
                self._check(err)
            return _take(self._out[0], self._length[0])

    def __call__(self, value: Any, ctx: Any = None) -> bytes:
        """confluent-kafka's Serializer call shape (the context is not used: the subject is fixed)."""
        return self.serialize(value)


class CDeserializer:
    """sr_deserializer: payloads of any subject; the frame's id selects the writer's schema,
    fetched on first sight and cached (``cache_size`` schemas, default the library's 1,000)."""

    def __init__(self, client: Client, *, cache_size: Optional[int] = None, timeout: Optional[float] = None):
        if not isinstance(client, Client):
            raise TypeError("the first argument is a srclient.Client")
        self._client = client
        with client._lock:
            made = lib.sr_deserializer_new(client._handle())
            if made == ffi.NULL:
                raise MemoryError("sr_deserializer_new")
            self._deserializer = ffi.gc(made, lib.sr_deserializer_free)
            if cache_size is not None:
                self._check(lib.sr_deserializer_set_cache_size(made, int(cache_size)))
            if timeout is not None:
                self._check(lib.sr_deserializer_set_timeout_ms(made, Client._ms(timeout)))
        self._datum, self._length = ffi.new("sr_datum **"), ffi.new("size_t *")

    def _check(self, err: int, schema_id: Optional[int] = None) -> None:
        if err != lib.SR_OK:
            _raise(err, _text(lib.sr_deserializer_errstr(self._deserializer)), schema_id)

    @property
    def cached(self) -> int:
        """How many schemas are cached."""
        return int(lib.sr_deserializer_cached(self._deserializer))

    def deserialize(self, payload: bytes) -> Datum:
        if payload is None:
            raise SerializationError("no payload (None)")
        payload = bytes(payload)
        with self._client._lock:
            self._client._handle()
            err = lib.sr_deserialize(self._deserializer, payload, len(payload), self._datum)
            if err != lib.SR_OK:
                self._check(err, _frame_id(payload))
            datum = self._datum[0]
            try:
                number = lib.sr_datum_schema_type(datum)
                pointer = lib.sr_datum_body(datum, self._length)
                body = ffi.buffer(pointer, self._length[0])[:] if pointer != ffi.NULL else b""
                indexes = [lib.sr_datum_index(datum, i) for i in range(lib.sr_datum_index_count(datum))]
                schema_id = lib.sr_datum_schema_id(datum)
            finally:
                lib.sr_datum_free(datum)
        type_name = _TYPE_NAMES.get(number, str(number))
        return Datum(schema_id, type_name, body if type_name == "PROTOBUF" else body.decode("utf-8"),
                     indexes if type_name == "PROTOBUF" else [])

    def __call__(self, data: Optional[bytes], ctx: Any = None) -> Any:
        """confluent-kafka's Deserializer call shape: None for None, else the body parsed as JSON
        (AVRO, JSON) or the message bytes (PROTOBUF)."""
        if data is None:
            return None
        datum = self.deserialize(data)
        return datum.body if isinstance(datum.body, bytes) else json.loads(datum.body)
