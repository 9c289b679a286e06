"""JSON Schema serializer and deserializer in Confluent's frame (jsonschema validates).
Re-exported by :mod:`srclient.serdes`.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional

from ._serdes_base import _Base, _KafkaDeserializer, _SerializerBase
from ._serdes_frame import _HEADER, MAGIC_BYTE, unframe
from .client import Client
from .errors import PayloadMismatch

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
