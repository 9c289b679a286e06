"""Avro serializer and deserializer in Confluent's frame (fastavro does the encoding).
Re-exported by :mod:`srclient.serdes`.
"""
from __future__ import annotations

import io
import json
from typing import Any, Callable, Dict, Optional

from ._serdes_base import _Base, _KafkaDeserializer, _SerializerBase
from ._serdes_frame import _HEADER, MAGIC_BYTE, unframe
from .client import Client
from .errors import PayloadMismatch, SerializationError

def _fastavro():
    try:
        import fastavro
    except ImportError as error:  # pragma: no cover
        raise ImportError("Avro serdes need fastavro: pip install 'schema-registry-client[avro]'") from error
    return fastavro


def _avro_schema_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # a bare primitive name such as string? normally JSON already


class AvroSerializer(_SerializerBase):
    """Avro binary in Confluent's frame (fastavro does the encoding).

    ``AvroSerializer(client, schema_str)(record, SerializationContext(topic, MessageField.VALUE))``
    -> bytes. ``to_dict`` turns an object into what the schema describes (default: as is)."""

    schema_type = "AVRO"

    def __init__(self, client: Client, schema_str: str, to_dict: Optional[Callable[[Any, Any], Any]] = None, **kw):
        super().__init__(client, schema_str, **kw)
        fastavro = _fastavro()
        self._parsed = fastavro.parse_schema(_avro_schema_json(schema_str), named_schemas=self._named_from_references())
        self._write = fastavro.schemaless_writer
        self._to_dict = to_dict

    def _named_from_references(self) -> Dict[str, Any]:
        named: Dict[str, Any] = {}
        _resolve_avro_references(self.client, self.references or (), named)
        return named

    def _record_name(self) -> Optional[str]:
        return self._parsed.get("name") if isinstance(self._parsed, dict) else None

    def __call__(self, obj, ctx=None) -> Optional[bytes]:
        if obj is None:
            return None
        schema_id = self.schema_id_for(ctx)
        value = self._to_dict(obj, ctx) if self._to_dict else obj
        out = io.BytesIO()
        out.write(_HEADER.pack(MAGIC_BYTE, schema_id))
        try:
            self._write(out, self._parsed, value)
        except Exception as error:  # fastavro raises ValueError, TypeError, KeyError, AttributeError...
            raise PayloadMismatch(f"the value does not match the Avro schema: {type(error).__name__}: {error}") \
                from error
        return out.getvalue()


def _resolve_avro_references(client: Client, references, named: Dict[str, Any], depth: int = 0) -> None:
    if depth > 32:
        raise SerializationError("schema references nest deeper than 32")
    fastavro = _fastavro()
    for reference in references or ():
        if isinstance(reference, dict):
            subject, version = reference["subject"], reference["version"]
        elif isinstance(reference, tuple):
            subject, version = reference[1], reference[2]
        else:
            subject, version = reference.subject, reference.version
        referenced = client.get_version(subject, version)
        _resolve_avro_references(client, referenced.references, named, depth + 1)
        fastavro.parse_schema(json.loads(referenced.schema), named_schemas=named)


class AvroDeserializer(_Base, _KafkaDeserializer):
    """Reads Avro binary in Confluent's frame: the writer's schema comes from the registry by
    the frame's id (cached); ``reader_schema`` (optional) is the schema to resolve into.
    ``from_dict`` turns the decoded value into an object."""

    schema_type = "AVRO"

    def __init__(self, client: Client, reader_schema: Optional[str] = None,
                 from_dict: Optional[Callable[[Any, Any], Any]] = None, return_record_name: bool = False):
        super().__init__(client)
        fastavro = _fastavro()
        self._read = fastavro.schemaless_reader
        self._reader = fastavro.parse_schema(_avro_schema_json(reader_schema)) if reader_schema else None
        self._writers: Dict[int, Any] = {}
        self._from_dict = from_dict
        self._return_record_name = return_record_name

    def writer_schema(self, schema_id: int):
        parsed = self._writers.get(schema_id)
        if parsed is None:
            schema = self._schema_by_id(schema_id)
            named: Dict[str, Any] = {}
            _resolve_avro_references(self.client, schema.references, named)
            parsed = _fastavro().parse_schema(_avro_schema_json(schema.schema), named_schemas=named)
            with self._lock:
                self._writers[schema_id] = parsed
        return parsed

    def __call__(self, data: Optional[bytes], ctx=None) -> Any:
        if data is None:
            return None
        schema_id, payload, _ = unframe(data)
        writer = self.writer_schema(schema_id)
        stream = io.BytesIO(payload)
        try:
            value = self._read(stream, writer, self._reader, return_record_name=self._return_record_name)
        except Exception as error:  # EOFError, StopIteration, IndexError, UnicodeDecodeError, ...
            raise PayloadMismatch(f"the payload does not match Avro schema {schema_id}: "
                                  f"{type(error).__name__}: {error or 'truncated'}") from error
        left = len(payload) - stream.tell()
        if left:
            raise PayloadMismatch(f"the payload does not match Avro schema {schema_id}: {left} bytes left over "
                                  "after the record")
        return self._from_dict(value, ctx) if self._from_dict else value
