"""Confluent's wire format, and serializers for Avro, JSON Schema and Protobuf.

A Kafka record value (or key) written by Confluent's serializers is::

    byte 0      magic byte, 0
    bytes 1-4   schema id, unsigned 32-bit big-endian
    (Protobuf)  message indexes: the path of the message type in its .proto file, as a
                zigzag-varint count followed by zigzag-varint indexes; [0] is the single byte 0
    rest        the payload: Avro binary, UTF-8 JSON, or the Protobuf message

:func:`frame` and :func:`unframe` read and write that header. The serializer classes look the
schema up through a :class:`srclient.Client` (register, or look up, on first use for a subject;
then cached by subject and by id) and implement confluent-kafka's
``confluent_kafka.serialization.Serializer`` / ``Deserializer`` interface: call them as
``serializer(obj, ctx)`` with a ``SerializationContext(topic, MessageField.VALUE)``, or hand
them to ``confluent_kafka.SerializingProducer`` / ``DeserializingConsumer`` (or call them
around ``Producer.produce`` / ``Consumer.poll``). The subject is ``<topic>-<key|value>`` unless
given (``subject=`` or ``subject_name_strategy=``).

Bad input raises a :class:`srclient.errors.SerializationError` subclass that says what is wrong:
:class:`WrongMagicByte`, :class:`TruncatedFrame`, :class:`UnknownSchemaId`,
:class:`PayloadMismatch`.

Avro needs ``fastavro``, JSON Schema ``jsonschema`` (``pip install schema-registry-client[avro,json]``).
"""
from __future__ import annotations

import io
import json
import struct
import threading
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .client import Client
from .errors import (NotFound, PayloadMismatch, SchemaNotFound, SerializationError, TruncatedFrame,
                     UnknownSchemaId, WrongMagicByte)
from .models import Schema

try:  # plug into confluent-kafka when it is installed; the interface is only (obj, ctx)
    from confluent_kafka.serialization import Deserializer as _KafkaDeserializer
    from confluent_kafka.serialization import Serializer as _KafkaSerializer
except ImportError:  # pragma: no cover - exercised only without confluent-kafka
    class _KafkaSerializer:  # type: ignore[no-redef]
        def __call__(self, obj, ctx=None):
            raise NotImplementedError

    class _KafkaDeserializer:  # type: ignore[no-redef]
        def __call__(self, value, ctx=None):
            raise NotImplementedError

MAGIC_BYTE = 0
_HEADER = struct.Struct(">bI")
_MAX_VARINT_BYTES = 10

__all__ = ["MAGIC_BYTE", "Frame", "frame", "unframe", "encode_message_indexes", "decode_message_indexes",
           "topic_name_strategy", "AvroSerializer", "AvroDeserializer", "JSONSerializer", "JSONDeserializer",
           "ProtobufSerializer", "ProtobufDeserializer"]


# ----------------------------------------------------------------------------- the frame

class Frame(NamedTuple):
    """An unframed record: the schema id, the payload, and the Protobuf message indexes (None
    when the frame was read without them)."""

    schema_id: int
    payload: bytes
    message_indexes: Optional[List[int]] = None


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _write_varint(out: bytearray, value: int) -> None:
    value &= 0xFFFFFFFFFFFFFFFF
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def _read_varint(data, position: int) -> Tuple[int, int]:
    result = shift = 0
    for index in range(_MAX_VARINT_BYTES):
        if position + index >= len(data):
            raise TruncatedFrame(f"truncated frame: the message indexes end in the middle of a varint "
                                 f"at byte {position + index}")
        byte = data[position + index]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position + index + 1
        shift += 7
    raise SerializationError(f"invalid message indexes: a varint longer than {_MAX_VARINT_BYTES} bytes "
                             f"at byte {position}")


def encode_message_indexes(indexes: Sequence[int]) -> bytes:
    """The message-index list as Confluent writes it: [0] (and []) as the single byte 0, else the
    zigzag-varint count followed by each zigzag-varint index."""
    indexes = list(indexes)
    if not indexes or indexes == [0]:
        return b"\x00"
    out = bytearray()
    _write_varint(out, _zigzag(len(indexes)))
    for index in indexes:
        if index < 0:
            raise ValueError(f"message indexes are >= 0, not {index}")
        _write_varint(out, _zigzag(index))
    return bytes(out)


def decode_message_indexes(data, position: int = 0) -> Tuple[List[int], int]:
    """Reads a message-index list at ``position``; returns (indexes, position after it). A count of
    0 means [0] (the first message of the file)."""
    count, position = _read_varint(data, position)
    count = _unzigzag(count)
    if count == 0:
        return [0], position
    if count < 0 or count > len(data) - position:
        raise TruncatedFrame(f"truncated frame: {count} message indexes announced, only {len(data) - position} "
                             "bytes follow" if count > 0 else f"invalid message index count {count}")
    indexes = []
    for _ in range(count):
        value, position = _read_varint(data, position)
        value = _unzigzag(value)
        if value < 0:
            raise SerializationError(f"invalid message index {value}")
        indexes.append(value)
    return indexes, position


def frame(schema_id: int, payload: bytes, message_indexes: Optional[Sequence[int]] = None) -> bytes:
    """Magic byte 0, ``schema_id`` (4 bytes, big-endian), the message indexes when given (Protobuf),
    then ``payload``."""
    if not 0 <= schema_id <= 0xFFFFFFFF:
        raise ValueError(f"schema id {schema_id} does not fit in 4 bytes")
    head = struct.pack(">BI", MAGIC_BYTE, schema_id)
    if message_indexes is not None:
        head += encode_message_indexes(message_indexes)
    return head + bytes(payload)


def unframe(data: bytes, *, protobuf: bool = False) -> Frame:
    """Splits a wire-format record into (schema_id, payload, message_indexes). With
    ``protobuf=True`` the message indexes are read after the id.

    Raises TruncatedFrame (fewer than 5 bytes, or indexes cut short), WrongMagicByte."""
    if data is None:
        raise TruncatedFrame("truncated frame: no data (None)")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SerializationError(f"a frame is bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < 5:
        raise TruncatedFrame(f"truncated frame: {len(data)} bytes, a frame has at least 5 "
                             "(magic byte and 4-byte schema id)")
    if data[0] != MAGIC_BYTE:
        raise WrongMagicByte(f"wrong magic byte {data[0]} (0x{data[0]:02x}): not Confluent's wire format, "
                             "whose first byte is 0")
    schema_id = struct.unpack_from(">I", data, 1)[0]
    if not protobuf:
        return Frame(schema_id, data[5:], None)
    indexes, position = decode_message_indexes(data, 5)
    return Frame(schema_id, data[position:], indexes)


# ----------------------------------------------------------------------------- subjects

def topic_name_strategy(ctx, record_name: Optional[str]) -> str:
    """Confluent's default: ``<topic>-key`` or ``<topic>-value``."""
    if ctx is None or getattr(ctx, "topic", None) is None:
        raise SerializationError("no subject: pass a SerializationContext(topic, field) or subject=...")
    return f"{ctx.topic}-{ctx.field}"


def record_name_strategy(ctx, record_name: Optional[str]) -> str:
    """Confluent's RecordNameStrategy: the record's full name."""
    if not record_name:
        raise SerializationError("the schema has no record name for record_name_strategy")
    return record_name


def topic_record_name_strategy(ctx, record_name: Optional[str]) -> str:
    """Confluent's TopicRecordNameStrategy: ``<topic>-<record full name>``."""
    return f"{topic_name_strategy(ctx, None).rsplit('-', 1)[0]}-{record_name_strategy(ctx, record_name)}"


class _Base:
    """What every serializer shares: the client and the id caches."""

    schema_type = "AVRO"

    def __init__(self, client: Client):
        if not isinstance(client, Client):
            raise TypeError("the first argument is a srclient.Client")
        self.client = client
        self._lock = threading.Lock()
        self._schemas_by_id: Dict[int, Schema] = {}

    def _schema_by_id(self, schema_id: int) -> Schema:
        schema = self._schemas_by_id.get(schema_id)
        if schema is None:
            try:
                schema = self.client.get_schema(schema_id)
            except SchemaNotFound as error:
                raise UnknownSchemaId(schema_id, f"unknown schema id {schema_id}: the registry has no such schema "
                                                 f"({error.message})") from error
            if schema.schema_type != self.schema_type:
                raise SerializationError(f"schema {schema_id} is a {schema.schema_type} schema, "
                                         f"not {self.schema_type}")
            with self._lock:
                self._schemas_by_id[schema_id] = schema
        return schema


class _SerializerBase(_Base, _KafkaSerializer):
    def __init__(self, client: Client, schema: str, *, subject: Optional[str] = None,
                 subject_name_strategy: Callable = topic_name_strategy, auto_register: bool = True,
                 normalize: bool = False, references=None):
        _Base.__init__(self, client)
        self.schema_str = schema
        self.subject = subject
        self.subject_name_strategy = subject_name_strategy
        self.auto_register = auto_register
        self.normalize = normalize
        self.references = references
        self._ids_by_subject: Dict[str, int] = {}

    def _record_name(self) -> Optional[str]:
        return None

    def schema_id_for(self, ctx=None) -> int:
        """The id of this serializer's schema under the subject ``ctx`` names: registered (or, with
        ``auto_register=False``, looked up) on first use, then cached."""
        subject = self.subject or self.subject_name_strategy(ctx, self._record_name())
        schema_id = self._ids_by_subject.get(subject)
        if schema_id is None:
            if self.auto_register:
                schema_id = self.client.register(subject, self.schema_str, self.schema_type,
                                                 references=self.references, normalize=self.normalize).id
            else:
                try:
                    schema_id = self.client.lookup(subject, self.schema_str, self.schema_type,
                                                   references=self.references, normalize=self.normalize).id
                except NotFound as error:
                    raise SerializationError(f"the schema is not registered under {subject!r} and "
                                             f"auto_register is off ({error})") from error
            with self._lock:
                self._ids_by_subject[subject] = schema_id
        return schema_id


# ----------------------------------------------------------------------------- Avro

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


# ----------------------------------------------------------------------------- JSON Schema

def _validator(schema_text: str):
    try:
        import jsonschema
    except ImportError as error:  # pragma: no cover
        raise ImportError("JSON serdes need jsonschema: pip install 'schema-registry-client[json]'") from error
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _check(validator, value, what: str) -> None:
    error = next(iter(validator.iter_errors(value)), None) if validator is not None else None
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise PayloadMismatch(f"{what} does not match the JSON schema at {where}: {error.message}")


class JSONSerializer(_SerializerBase):
    """UTF-8 JSON in Confluent's frame, validated against the JSON schema first (unless
    ``validate=False``)."""

    schema_type = "JSON"

    def __init__(self, client: Client, schema_str: str, to_dict: Optional[Callable[[Any, Any], Any]] = None,
                 validate: bool = True, **kw):
        super().__init__(client, schema_str, **kw)
        self._validator = _validator(schema_str) if validate else None
        self._to_dict = to_dict
        parsed = json.loads(schema_str)
        self._title = parsed.get("title") if isinstance(parsed, dict) else None

    def _record_name(self) -> Optional[str]:
        return self._title

    def __call__(self, obj, ctx=None) -> Optional[bytes]:
        if obj is None:
            return None
        schema_id = self.schema_id_for(ctx)
        value = self._to_dict(obj, ctx) if self._to_dict else obj
        _check(self._validator, value, "the value")
        try:
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as error:
            raise PayloadMismatch(f"the value is not JSON: {error}") from error
        return _HEADER.pack(MAGIC_BYTE, schema_id) + text.encode("utf-8")


class JSONDeserializer(_Base, _KafkaDeserializer):
    """Reads UTF-8 JSON in Confluent's frame and validates it against the writer's schema
    (fetched by id; unless ``validate=False``), or against ``schema_str`` when given."""

    schema_type = "JSON"

    def __init__(self, client: Client, schema_str: Optional[str] = None,
                 from_dict: Optional[Callable[[Any, Any], Any]] = None, validate: bool = True):
        super().__init__(client)
        self._fixed = _validator(schema_str) if schema_str and validate else None
        self._validators: Dict[int, Any] = {}
        self._validate = validate
        self._from_dict = from_dict

    def _validator_for(self, schema_id: int):
        if self._fixed is not None:
            self._schema_by_id(schema_id)  # the id must still exist
            return self._fixed
        validator = self._validators.get(schema_id)
        if validator is None:
            validator = _validator(self._schema_by_id(schema_id).schema)
            with self._lock:
                self._validators[schema_id] = validator
        return validator

    def __call__(self, data: Optional[bytes], ctx=None) -> Any:
        if data is None:
            return None
        schema_id, payload, _ = unframe(data)
        validator = self._validator_for(schema_id) if self._validate else (self._schema_by_id(schema_id) and None)
        try:
            value = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise PayloadMismatch(f"the payload of schema {schema_id} is not UTF-8 JSON: {error}") from error
        _check(validator, value, f"the payload of schema {schema_id}")
        return self._from_dict(value, ctx) if self._from_dict else value


# ----------------------------------------------------------------------------- Protobuf

def _message_indexes(descriptor) -> List[int]:
    """The path of a message type in its file: index among the file's top-level messages, then
    among each parent's nested types."""
    path: List[int] = []
    current = descriptor
    while current.containing_type is not None:
        parent = current.containing_type
        path.append(list(parent.nested_types).index(current))
        current = parent
    path.append(list(current.file.message_types_by_name.values()).index(current))
    return path[::-1]


def _message_at(file_descriptor, indexes: Sequence[int]):
    types = list(file_descriptor.message_types_by_name.values())
    descriptor = None
    for index in indexes:
        if index >= len(types):
            return None
        descriptor = types[index]
        types = list(descriptor.nested_types)
    return descriptor


def _is_builtin(name: str) -> bool:
    return name.startswith(("confluent/", "google/protobuf/", "google/type/"))


def _file_schema(file_descriptor) -> str:
    """The schema text Confluent's serializer registers: the FileDescriptorProto, base64."""
    import base64
    return base64.standard_b64encode(file_descriptor.serialized_pb).decode("ascii")


class ProtobufSerializer(_SerializerBase):
    """A Protobuf message in Confluent's frame (with its message indexes). The schema is the
    message's .proto file, registered as Confluent's serializer does (the FileDescriptorProto in
    base64); imported files are registered first under their file names and referenced (except
    the well-known ones, google/protobuf/*, google/type/* and confluent/*, unless
    ``skip_known_types=False``), as confluent-kafka's serializer does."""

    schema_type = "PROTOBUF"

    def __init__(self, client: Client, message_type, *, skip_known_types: bool = True, **kw):
        descriptor = message_type.DESCRIPTOR
        self._skip_known_types = skip_known_types
        self._message_type = message_type
        self._indexes = _message_indexes(descriptor)
        self._index_bytes = encode_message_indexes(self._indexes)
        self._file = descriptor.file
        super().__init__(client, _file_schema(descriptor.file), **kw)
        self._full_name = descriptor.full_name
        self._references_done = self.references is not None

    def _record_name(self) -> Optional[str]:
        return self._full_name

    def _register_dependencies(self, file_descriptor, depth: int = 0):
        if depth > 32:
            raise SerializationError("imports nest deeper than 32")
        references = []
        for dependency in file_descriptor.dependencies:
            if self._skip_known_types and _is_builtin(dependency.name):
                continue  # google/protobuf/*, google/type/*, confluent/*: as confluent-kafka does
            dep_references = self._register_dependencies(dependency, depth + 1)
            if self.auto_register:
                registered = self.client.register(dependency.name, _file_schema(dependency), "PROTOBUF",
                                                  references=dep_references)
                version = registered.version
            else:
                version = self.client.lookup(dependency.name, _file_schema(dependency), "PROTOBUF",
                                             references=dep_references).version
            references.append((dependency.name, dependency.name, version))
        return references

    def schema_id_for(self, ctx=None) -> int:
        if not self._references_done:
            self.references = self._register_dependencies(self._file)
            self._references_done = True
        return super().schema_id_for(ctx)

    def __call__(self, message, ctx=None) -> Optional[bytes]:
        if message is None:
            return None
        if not isinstance(message, self._message_type):
            raise SerializationError(f"expected a {self._full_name}, got {type(message).__name__}")
        schema_id = self.schema_id_for(ctx)
        return _HEADER.pack(MAGIC_BYTE, schema_id) + self._index_bytes + message.SerializeToString()


class ProtobufDeserializer(_Base, _KafkaDeserializer):
    """Reads a Protobuf message in Confluent's frame into ``message_type`` (as confluent-kafka's
    ProtobufDeserializer does, the reader names its type). The frame's id must be a PROTOBUF
    schema of the registry; message indexes naming another message of the same file decode
    into that message's class."""

    schema_type = "PROTOBUF"

    def __init__(self, client: Client, message_type):
        super().__init__(client)
        self._message_type = message_type
        self._indexes = _message_indexes(message_type.DESCRIPTOR)

    def _class_for(self, indexes: List[int]):
        if indexes == self._indexes:
            return self._message_type
        descriptor = _message_at(self._message_type.DESCRIPTOR.file, indexes)
        if descriptor is None:
            raise PayloadMismatch(f"message indexes {indexes} name no message of "
                                  f"{self._message_type.DESCRIPTOR.file.name}")
        from google.protobuf import message_factory
        return message_factory.GetMessageClass(descriptor)

    def __call__(self, data: Optional[bytes], ctx=None) -> Any:
        if data is None:
            return None
        schema_id, payload, indexes = unframe(data, protobuf=True)
        self._schema_by_id(schema_id)
        cls = self._class_for(indexes or [0])
        try:
            return cls.FromString(payload)
        except Exception as error:  # google.protobuf.message.DecodeError
            raise PayloadMismatch(f"the payload does not decode as {cls.DESCRIPTOR.full_name} "
                                  f"(schema {schema_id}): {error}") from error
