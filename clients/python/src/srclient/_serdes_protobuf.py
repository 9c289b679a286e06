"""Protobuf serializer and deserializer in Confluent's frame, with the message indexes.
Re-exported by :mod:`srclient.serdes`.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

from ._serdes_base import _Base, _KafkaDeserializer, _SerializerBase
from ._serdes_frame import _HEADER, MAGIC_BYTE, encode_message_indexes, unframe
from .client import Client
from .errors import PayloadMismatch, SerializationError

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
