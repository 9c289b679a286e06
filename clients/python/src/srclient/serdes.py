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

The implementation is split by concern (this module re-exports every name): the frame in
_serdes_frame.py, what the serializers share (subject name strategies, caches) in
_serdes_base.py, then _serdes_avro.py, _serdes_json.py and _serdes_protobuf.py.
"""
from __future__ import annotations

# Every name defined here before the split, public and private, stays importable from here.
from ._serdes_avro import (AvroDeserializer, AvroSerializer, _avro_schema_json, _fastavro,  # noqa: F401
                           _resolve_avro_references)
from ._serdes_base import (_Base, _KafkaDeserializer, _KafkaSerializer, _SerializerBase,  # noqa: F401
                           record_name_strategy, topic_name_strategy, topic_record_name_strategy)
from ._serdes_frame import (_HEADER, _MAX_VARINT_BYTES, MAGIC_BYTE, Frame, _read_varint, _unzigzag,  # noqa: F401
                            _write_varint, _zigzag, decode_message_indexes, encode_message_indexes, frame, unframe)
from ._serdes_json import JSONDeserializer, JSONSerializer, _check, _validator  # noqa: F401
from ._serdes_protobuf import (ProtobufDeserializer, ProtobufSerializer, _file_schema, _is_builtin,  # noqa: F401
                               _message_at, _message_indexes)
from .client import Client  # noqa: F401

__all__ = ["MAGIC_BYTE", "Frame", "frame", "unframe", "encode_message_indexes", "decode_message_indexes",
           "topic_name_strategy", "AvroSerializer", "AvroDeserializer", "JSONSerializer", "JSONDeserializer",
           "ProtobufSerializer", "ProtobufDeserializer"]
