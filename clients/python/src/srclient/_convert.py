"""What the client converts: Python values to and from SRP messages (schema types,
versions, compatibility levels, modes, references, schemas), the method ids of the C
library, and C strings to str. Shared by the modules of :class:`srclient.Client`.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from . import _proto
from ._native import ffi, lib
from .models import Schema, SchemaReference, SchemaVersion

ReferenceLike = Union[SchemaReference, Tuple[str, str, int], Mapping[str, Any]]
Version = Union[int, str]

_TYPE_NAMES = {0: "AVRO", 1: "JSON", 2: "PROTOBUF"}
_TYPE_NUMBERS = {name: number for number, name in _TYPE_NAMES.items()}
_SCHEMA_NOT_FOUND = 40403
_RETRYABLE = (13, 14)  # THROTTLED, OVERLOADED: not executed


def _method_ids() -> Dict[str, int]:
    ids = {}
    for method in range(1, 256):
        name = lib.sr_method_name(method)
        if name != ffi.NULL:
            ids[ffi.string(name).decode()] = method
    return ids


METHODS = _method_ids()

_msg = _proto.message


def _schema_type_number(schema_type: str) -> int:
    try:
        return _TYPE_NUMBERS[schema_type.upper()]
    except (KeyError, AttributeError):
        raise ValueError(f"schema_type must be one of {sorted(_TYPE_NUMBERS)}, not {schema_type!r}") from None


def _version_number(version: Version) -> int:
    if version == "latest" or version is None:
        return -1
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"version must be an int or 'latest', not {version!r}")
    return version


def _level_number(level: str) -> int:
    try:
        return _proto.enum_value("CompatibilityLevel", "COMPATIBILITY_LEVEL_" + level.upper())
    except (KeyError, AttributeError):
        raise ValueError(f"unknown compatibility level {level!r}") from None


def _mode_number(mode: str) -> int:
    try:
        return _proto.enum_value("Mode", "MODE_" + mode.upper())
    except (KeyError, AttributeError):
        raise ValueError(f"unknown mode {mode!r}") from None


def _level_name(number: int) -> Optional[str]:
    name = _proto.enum_name("CompatibilityLevel", number)
    return None if number == 0 else name.replace("COMPATIBILITY_LEVEL_", "")


def _mode_name(number: int) -> Optional[str]:
    return None if number == 0 else _proto.enum_name("Mode", number).replace("MODE_", "")


def _references(message) -> Tuple[SchemaReference, ...]:
    return tuple(SchemaReference(r.name, r.subject, r.version) for r in message.references)


def _set_references(request, references: Optional[Iterable[ReferenceLike]]) -> None:
    for reference in references or ():
        if isinstance(reference, SchemaReference):
            name, subject, version = reference.name, reference.subject, reference.version
        elif isinstance(reference, Mapping):
            name, subject, version = reference["name"], reference["subject"], reference["version"]
        else:
            name, subject, version = reference
        request.references.add(name=name, subject=subject, version=int(version))


def _schema(message) -> Schema:
    return Schema(message.id, message.schema, _TYPE_NAMES.get(message.schema_type, str(message.schema_type)),
                  _references(message) if message.references else ())


def _schema_version(message) -> SchemaVersion:
    return SchemaVersion(message.subject, message.version, message.id, message.schema,
                         _TYPE_NAMES.get(message.schema_type, str(message.schema_type)), _references(message),
                         dict(message.metadata), tuple(message.tags), message.deleted)


def _schema_text(schema: Union[str, Mapping[str, Any], list]) -> str:
    return schema if isinstance(schema, str) else json.dumps(schema, separators=(",", ":"))



def _text(pointer) -> str:
    return "" if pointer == ffi.NULL else ffi.string(pointer).decode("utf-8", "replace")


def _version() -> str:
    from . import __version__
    return __version__
