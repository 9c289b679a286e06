"""srclient: the Python client of the schema registry.

* :class:`Client` speaks SRP (docs/PROTOCOL.md) through libsrclient, the C client, compiled
  into this package with cffi: register, get by id / subject+version / latest, lookup,
  subjects, versions, compatibility checks, config, mode, deletes, search, payload validation,
  and pipelined :meth:`Client.get_many`; API keys, TLS and mTLS.
* :mod:`srclient.serdes`: Confluent's wire format (magic byte 0, 4-byte schema id, Protobuf
  message indexes) and Avro / JSON Schema / Protobuf serializers that plug into
  confluent-kafka's Producer and Consumer.
* :mod:`srclient.cserdes`: the C library's own serializer, deserializer, wire format and Avro
  codec (srclient_serde.h) through cffi; their errors carry the C code (``err``, ``err_name``).
* :meth:`Client.watch`: the server's change notifications (:class:`Watch`, :class:`WatchEvent`),
  and the C client's caches (``schema_cache_bytes``, ``mutable_cache_entries``, ``cache_stats``).
* :mod:`srclient.errors`: RegistryError (with ``code``: 40403, 40901, ...) and friends.
"""
from __future__ import annotations

__version__ = "0.1.0"

from .client import Client  # noqa: E402
from .errors import (AuthenticationError, ClientError, Conflict, Forbidden, Incompatible,  # noqa: E402
                     InvalidMessageIndexes, InvalidRequest, InvalidSchema, NotFound, PayloadMismatch,
                     RegistryConnectionError, RegistryError, RegistryTimeout, SchemaCompileError, SchemaNotFound,
                     SerializationError, SerializerRegistryError, SrclientError, SubjectNotFound, TLSError,
                     TruncatedFrame, UnknownSchemaId, VersionNotFound, WrongMagicByte)
from .watch import Watch, WatchEnded, WatchEvent  # noqa: E402
from .models import (CompatibilityResult, RegisteredSchema, Schema, SchemaReference, SchemaVersion,  # noqa: E402
                    SearchPage, ServerInfo, ValidationError, ValidationResult)


def c_library_version() -> str:
    """The version of the libsrclient compiled into this package."""
    from ._native import ffi, lib
    return ffi.string(lib.sr_version()).decode()


def tls_available() -> bool:
    """True when the C library was built with OpenSSL."""
    from ._native import lib
    return bool(lib.sr_tls_available())


__all__ = [
    "Client", "Schema", "SchemaVersion", "SchemaReference", "RegisteredSchema", "CompatibilityResult",
    "ValidationResult", "ValidationError", "SearchPage", "ServerInfo",
    "SrclientError", "RegistryError", "NotFound", "SubjectNotFound", "VersionNotFound", "SchemaNotFound",
    "Forbidden", "Conflict", "Incompatible", "InvalidRequest", "InvalidSchema", "ClientError",
    "RegistryConnectionError", "RegistryTimeout", "TLSError", "AuthenticationError", "SerializationError",
    "WrongMagicByte", "TruncatedFrame", "UnknownSchemaId", "PayloadMismatch", "InvalidMessageIndexes",
    "SchemaCompileError", "SerializerRegistryError", "c_library_version", "tls_available",
    "Watch", "WatchEvent", "WatchEnded",
]
