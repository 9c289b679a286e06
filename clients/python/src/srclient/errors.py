"""Exceptions of srclient.

Two families, both under :class:`SrclientError`:

* :class:`RegistryError`: the server answered the request with a status other than OK. ``code``
  is the status: Confluent's registry code (40403, 40901, ...) or an SRP protocol status
  (13 THROTTLED, ...). Subclasses name the common ones; unknown codes map by range
  (404xx :class:`NotFound`, 409xx :class:`Conflict`, 422xx :class:`InvalidRequest`,
  500xx :class:`ServerError`), as docs/PROTOCOL.md section 7 asks of clients.
* :class:`ClientError`: no answer: the C client's ``sr_err`` (``err``/``err_name``):
  connection refused or broken, timeout, TLS handshake, refused credentials.

And :class:`SerializationError` for the wire-format serializers (:mod:`srclient.serdes`, and the
C library's in :mod:`srclient.cserdes`, whose errors also carry the C code: ``err`` 14-22,
``err_name`` "SR_ERR_WIRE_MAGIC", ...).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Type


class SrclientError(Exception):
    """Base class of everything this package raises."""


# ----------------------------------------------------------------------------- registry statuses

class RegistryError(SrclientError):
    """The server answered with an error status.

    Attributes: ``code`` (int: 40403, 40901, 13, ...), ``name`` ("SCHEMA_NOT_FOUND", ...),
    ``message`` (the server's text), ``details`` (reasons, e.g. each incompatibility found, in
    order), ``retry_after_ms`` (for THROTTLED, OVERLOADED and 50003).
    """

    def __init__(self, code: int, message: str = "", name: str = "", details: Optional[List[str]] = None,
                 retry_after_ms: int = 0):
        self.code = int(code)
        self.name = name
        self.message = message
        self.details = list(details or [])
        self.retry_after_ms = int(retry_after_ms)
        text = f"{self.code} {name}: {message}" if name else f"{self.code}: {message}"
        if self.details:
            text += " (" + "; ".join(self.details) + ")"
        super().__init__(text)


class NotFound(RegistryError):
    """404xx: a subject, version or schema does not exist."""


class SubjectNotFound(NotFound):
    """40401."""


class VersionNotFound(NotFound):
    """40402."""


class SchemaNotFound(NotFound):
    """40403: no schema has that id."""


class SubjectSoftDeleted(NotFound):
    """40404."""


class SubjectNotSoftDeleted(NotFound):
    """40405: a permanent delete needs a soft delete first."""


class VersionSoftDeleted(NotFound):
    """40406."""


class VersionNotSoftDeleted(NotFound):
    """40407: a permanent delete needs a soft delete first."""


class Forbidden(RegistryError):
    """40301: the API key's role or subject prefixes do not allow the request."""


class Conflict(RegistryError):
    """409xx."""


class Incompatible(Conflict):
    """40901: the schema is incompatible with earlier versions; ``details`` says why."""


class InvalidRequest(RegistryError):
    """422xx: an invalid schema, version, level, mode, subject, ..."""


class InvalidSchema(InvalidRequest):
    """42201."""


class OperationNotPermitted(InvalidRequest):
    """42205: e.g. a write in READONLY mode."""


class ReferenceExists(InvalidRequest):
    """42206: the schema is referenced by another and cannot be deleted."""


class ServerError(RegistryError):
    """500xx and the protocol statuses INTERNAL, SHUTTING_DOWN: a failure on the server's side."""


class Throttled(RegistryError):
    """13 THROTTLED or 14 OVERLOADED: not executed; retry after ``retry_after_ms``."""


class DeadlineExceeded(RegistryError):
    """15 DEADLINE_EXCEEDED: the server gave up on the request (a write's outcome is unknown)."""


class ProtocolStatus(RegistryError):
    """Another protocol status (1-99): UNKNOWN_METHOD, MALFORMED_REQUEST, ..."""


_BY_CODE: Dict[int, Type[RegistryError]] = {
    40301: Forbidden,
    40401: SubjectNotFound, 40402: VersionNotFound, 40403: SchemaNotFound, 40404: SubjectSoftDeleted,
    40405: SubjectNotSoftDeleted, 40406: VersionSoftDeleted, 40407: VersionNotSoftDeleted,
    40901: Incompatible,
    42201: InvalidSchema, 42205: OperationNotPermitted, 42206: ReferenceExists,
    13: Throttled, 14: Throttled, 15: DeadlineExceeded, 16: ServerError, 18: ServerError,
}


def registry_error_class(code: int) -> Type[RegistryError]:
    """The exception class for a status: by code, else by range."""
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    if 40400 <= code < 40500:
        return NotFound
    if 40300 <= code < 40400:
        return Forbidden
    if 40900 <= code < 41000:
        return Conflict
    if 42200 <= code < 42300:
        return InvalidRequest
    if 50000 <= code < 60000:
        return ServerError
    if 0 < code < 100:
        return ProtocolStatus
    return RegistryError


# ----------------------------------------------------------------------------- client errors

class ClientError(SrclientError):
    """The call got no answer: the C client's error (``err`` is the sr_err number, ``err_name``
    its name, e.g. "SR_ERR_TIMEOUT")."""

    def __init__(self, err: int, err_name: str, message: str):
        self.err = int(err)
        self.err_name = err_name
        self.message = message
        super().__init__(f"{err_name}: {message}")


class RegistryConnectionError(ClientError, ConnectionError):
    """Connecting failed or the connection broke (SR_ERR_IO, EOF, RESOLVE, NOT_CONNECTED, GOAWAY)."""


class RegistryTimeout(ClientError, TimeoutError):
    """No answer within the timeout (SR_ERR_TIMEOUT); the connection stays up."""


class TLSError(RegistryConnectionError):
    """The TLS handshake failed (certificate, server name, protocol), or TLS is not built in."""


class HandshakeError(RegistryConnectionError):
    """HELLO was refused or answered badly (SR_ERR_HANDSHAKE)."""


class AuthenticationError(HandshakeError):
    """The server refused the credentials (UNAUTHENTICATED): a missing or wrong API key."""


class ProtocolError(RegistryConnectionError):
    """The server broke the framing (SR_ERR_PROTOCOL); the connection is unusable."""


_CLIENT_BY_ERR: Dict[int, Type[ClientError]] = {
    1: RegistryConnectionError, 2: RegistryConnectionError, 3: ProtocolError, 4: RegistryTimeout,
    6: RegistryConnectionError, 7: HandshakeError, 8: RegistryConnectionError, 10: RegistryConnectionError,
    13: TLSError,
}


def client_error(err: int, err_name: str, message: str) -> ClientError:
    """The exception for an sr_err."""
    cls = _CLIENT_BY_ERR.get(err, ClientError)
    if cls is HandshakeError and "UNAUTHENTICATED" in message.upper():
        cls = AuthenticationError
    return cls(err, err_name, message)


# ----------------------------------------------------------------------------- serializers

class SerializationError(SrclientError, ValueError):
    """A value could not be serialized, or bytes could not be deserialized.

    Raised by the C serializers (:mod:`srclient.cserdes`), ``err`` is the C library's sr_err
    (14-22) and ``err_name`` its name ("SR_ERR_AVRO_DATA"); for the Python ones both are None."""

    err: Optional[int] = None
    err_name: Optional[str] = None


class WrongMagicByte(SerializationError):
    """The first byte of a frame is not 0 (not Confluent's wire format)."""


class TruncatedFrame(SerializationError):
    """The bytes end before the frame's header (or its message indexes) does."""


class UnknownSchemaId(SerializationError):
    """The frame names a schema id the registry does not have (``schema_id``)."""

    def __init__(self, schema_id: int, message: str):
        self.schema_id = schema_id
        super().__init__(message)


class PayloadMismatch(SerializationError):
    """The payload does not match the schema (bad Avro bytes, invalid JSON, bad Protobuf); also a
    value that does not match it when serializing."""


class InvalidMessageIndexes(SerializationError):
    """A malformed Protobuf message-index list (SR_ERR_WIRE_INDEXES)."""


class SchemaCompileError(SerializationError):
    """A schema the C library cannot compile (SR_ERR_SCHEMA: a bad or unsupported Avro schema)."""


class SerializerRegistryError(SerializationError):
    """The registry refused what a C serializer asked on first use (SR_ERR_REGISTRY: registering
    an incompatible schema, looking up one that is not registered). ``code`` is the registry's
    status when the message names it ("INCOMPATIBLE (40901): ..."), else None."""

    def __init__(self, message: str, code: Optional[int] = None):
        self.code = code
        super().__init__(message)


# The C library's sr_err codes of its serializers (srclient_serde.h).
SR_ERR_JSON, SR_ERR_SCHEMA, SR_ERR_AVRO_VALUE, SR_ERR_AVRO_DATA = 14, 15, 16, 17
SR_ERR_WIRE_MAGIC, SR_ERR_WIRE_TRUNCATED, SR_ERR_WIRE_INDEXES, SR_ERR_UNKNOWN_SCHEMA, SR_ERR_REGISTRY = 18, 19, 20, 21, 22

_SERDE_BY_ERR: Dict[int, Type[SerializationError]] = {
    SR_ERR_JSON: PayloadMismatch, SR_ERR_SCHEMA: SchemaCompileError, SR_ERR_AVRO_VALUE: PayloadMismatch,
    SR_ERR_AVRO_DATA: PayloadMismatch, SR_ERR_WIRE_MAGIC: WrongMagicByte, SR_ERR_WIRE_TRUNCATED: TruncatedFrame,
    SR_ERR_WIRE_INDEXES: InvalidMessageIndexes, SR_ERR_UNKNOWN_SCHEMA: UnknownSchemaId,
    SR_ERR_REGISTRY: SerializerRegistryError,
}


def serde_error(err: int, err_name: str, message: str, schema_id: Optional[int] = None) -> SrclientError:
    """The exception for an sr_err of the C serializers: a SerializationError subclass carrying
    ``err``/``err_name`` for codes 14-22, the ClientError of :func:`client_error` for the
    client's own (a timeout while fetching a schema, a broken connection, ...)."""
    cls = _SERDE_BY_ERR.get(err)
    if cls is None:
        if err == 9:  # SR_ERR_ARGUMENT
            error: SrclientError = SerializationError(f"{err_name}: {message}")
            error.err, error.err_name = err, err_name  # type: ignore[attr-defined]
            return error
        return client_error(err, err_name, message)
    text = f"{err_name}: {message}"
    if cls is UnknownSchemaId:
        error = UnknownSchemaId(-1 if schema_id is None else schema_id, text)
    elif cls is SerializerRegistryError:
        import re
        found = re.search(r"\((\d+)\)", message)
        error = SerializerRegistryError(text, int(found.group(1)) if found else None)
    else:
        error = cls(text)
    error.err, error.err_name = err, err_name
    return error
