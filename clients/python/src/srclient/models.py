"""The values srclient returns: small frozen dataclasses, plus the enums' names."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

#: Schema types as the registry names them (Confluent's schemaType).
SCHEMA_TYPES = ("AVRO", "JSON", "PROTOBUF")
#: Confluent's compatibility levels.
COMPATIBILITY_LEVELS = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL",
                        "FULL_TRANSITIVE")
#: Registry modes.
MODES = ("READWRITE", "READONLY", "IMPORT")


@dataclass(frozen=True, slots=True)
class SchemaReference:
    """A reference from one schema to a version of another subject."""

    name: str
    subject: str
    version: int


@dataclass(frozen=True, slots=True)
class Schema:
    """A schema by global id. ``schema`` is the text as the server stores it (normalised)."""

    id: int
    schema: str
    schema_type: str = "AVRO"
    references: Tuple[SchemaReference, ...] = ()


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """A schema as registered under one subject at one version."""

    subject: str
    version: int
    id: int
    schema: str
    schema_type: str = "AVRO"
    references: Tuple[SchemaReference, ...] = ()
    metadata: Dict[str, str] = field(default_factory=dict)
    tags: Tuple[str, ...] = ()
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class RegisteredSchema:
    """What register() answers: the id, the version under the subject, and whether it is new."""

    id: int
    version: int
    created: bool
    warnings: Tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompatibilityResult:
    """What check_compatibility() answers. ``messages`` says why not (when verbose)."""

    is_compatible: bool
    messages: Tuple[str, ...] = ()
    level: str = ""

    def __bool__(self) -> bool:
        return self.is_compatible


@dataclass(frozen=True, slots=True)
class ValidationError:
    """One reason a payload is invalid (JSON pointers into the payload and the schema)."""

    instance_location: str
    schema_location: str
    message: str


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What validate() answers."""

    valid: bool
    errors: Tuple[ValidationError, ...] = ()

    def __bool__(self) -> bool:
        return self.valid


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search() results; ``next_page_token`` is empty on the last page."""

    results: List[SchemaVersion]
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class ServerInfo:
    server_id: str
    server_version: str
    store: str
    schema_count: int
    subject_count: int
    uptime_ms: int
