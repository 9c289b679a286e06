"""What the serializers of :mod:`srclient.serdes` share: confluent-kafka's Serializer and
Deserializer interfaces (or stand-ins when it is not installed), the subject name
strategies, and the schema caches by id and by subject.
"""
from __future__ import annotations

import threading
from typing import Callable, Dict, Optional

from .client import Client
from .errors import NotFound, SchemaNotFound, SerializationError, UnknownSchemaId
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
