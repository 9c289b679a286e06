"""The SRP client: a Pythonic face on libsrclient's plain C API (srclient_core.h) via cffi.

Requests are SRP messages built by the protobuf runtime from proto/srp.desc (see _proto.py),
serialized and sent with sr_call_raw; replies come back as bytes and are parsed the same way.

The client is split by concern: the connection, its options and the raw call are in
_connection.py, get_many's pipelined loop in _get_many.py, the conversions between Python
values and SRP messages in _convert.py; the RPC methods are here.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._caches import _Caches
from ._connection import _Connection
# Every name defined here before the split stays importable from here (get_many's own constants,
# _STEP and the like, now live in _get_many).
from ._convert import (_RETRYABLE, _SCHEMA_NOT_FOUND, _TYPE_NAMES, _TYPE_NUMBERS, METHODS,  # noqa: F401
                       ReferenceLike, Version, _level_name, _level_number, _method_ids, _mode_name, _mode_number,
                       _msg, _references, _schema, _schema_text, _schema_type_number, _schema_version,
                       _set_references, _text, _version, _version_number)
from ._get_many import _GetMany, _GetSchemaByIdResponse  # noqa: F401
from .models import (CompatibilityResult, RegisteredSchema, Schema, SchemaVersion, SearchPage, ServerInfo,
                    ValidationError, ValidationResult)
from .watch import Watch, start_watch


class Client(_Connection, _GetMany, _Caches):
    """A connection to a schema registry's SRP port.

    ::

        with Client("127.0.0.1", 7911, api_key="sr_...") as client:
            registered = client.register("orders-value", schema_text)
            schema = client.get_schema(registered.id)

    ``tls`` turns on TLS (implied by any of ``ca_file``, ``cert_file``, ``key_file``,
    ``server_name``): the server's certificate is checked against ``ca_file`` (default: the
    system's CAs) and ``server_name`` (default: the host); ``cert_file``/``key_file`` (PEM) are
    the client certificate for mTLS. ``timeout`` (seconds) bounds every call,
    ``connect_timeout`` the connection and handshake.

    Connecting happens here: failures raise :class:`~srclient.errors.ClientError` subclasses
    (``RegistryConnectionError``, ``TLSError``, ``AuthenticationError``, ...). Error statuses
    raise :class:`~srclient.errors.RegistryError` subclasses carrying ``code``.

    One client is one connection; calls are serialized by a lock, so a client may be shared
    between threads (one at a time on the wire).

    Caches (off by default; see srclient._caches): ``schema_cache_bytes`` > 0 caches schemas by
    id (``get_schema``); ``mutable_cache_entries`` > 0 caches versions, latest versions, levels
    and modes (``get_version``/``get_latest``, ``get_config``, ``get_mode``), kept exact by a
    watch on the connection. ``cache_stats()`` gives the hit/miss counters.
    ``watch_queue_events`` bounds the events queued per watch (default 1,024).
    """

    # ------------------------------------------------------------------ watch

    def watch(self, subjects: Optional[Iterable[str]] = None, prefixes: Optional[Iterable[str]] = None,
              after_position: Optional[int] = None, log_id: Optional[str] = None,
              timeout: Optional[float] = None) -> Watch:
        """Starts a watch of changes (every subject the API key may read when neither
        ``subjects`` nor ``prefixes`` is given). To resume, pass ``after_position`` and
        ``log_id`` of an earlier watch (its ``position`` and ``log_id``): what changed after it
        is sent first. Raises RegistryError when the server refuses (e.g. 42209: no change log)."""
        return start_watch(self, subjects, prefixes, after_position, log_id, timeout)

    # ------------------------------------------------------------------ server

    def ping(self, payload: bytes = b"") -> bytes:
        """The Ping method: the server echoes the payload."""
        return self.call("Ping", _msg("PingRequest")(payload=payload), "PingResponse").payload

    def server_info(self) -> ServerInfo:
        r = self.call("ServerInfo", _msg("ServerInfoRequest")(), "ServerInfoResponse")
        return ServerInfo(r.server_id, r.server_version, r.store, r.schema_count, r.subject_count, r.uptime_ms)

    # ------------------------------------------------------------------ reads

    def get_schema(self, schema_id: int) -> Schema:
        """The schema with this global id (raises SchemaNotFound, code 40403). Through the schema
        cache when it is on."""
        if self._schema_cache_bytes:
            return self._cached_schema(schema_id)
        return _schema(self.call("GetSchemaById", _msg("GetSchemaByIdRequest")(id=schema_id),
                                 "GetSchemaByIdResponse").schema)

    def get_schemas(self, schema_ids: Sequence[int]) -> Tuple[List[Schema], List[int]]:
        """GetSchemasByIds in one request: (schemas found in the order asked, missing ids)."""
        r = self.call("GetSchemasByIds", _msg("GetSchemasByIdsRequest")(ids=list(schema_ids)),
                      "GetSchemasByIdsResponse")
        return [_schema(s) for s in r.schemas], list(r.missing_ids)

    def subject_versions_by_id(self, schema_id: int, include_deleted: bool = False) -> List[Tuple[str, int]]:
        """Every (subject, version) that has this schema id."""
        r = self.call("GetSubjectVersionsById", _msg("GetSubjectVersionsByIdRequest")(
            id=schema_id, include_deleted=include_deleted), "GetSubjectVersionsByIdResponse")
        return [(sv.subject, sv.version) for sv in r.subject_versions]

    def get_version(self, subject: str, version: Version = "latest", include_deleted: bool = False) -> SchemaVersion:
        """The schema registered under ``subject`` at ``version`` (an int, or "latest"). Through the
        mutable cache when it is on (and ``include_deleted`` is false)."""
        if self._mutable_cache_entries and not include_deleted:
            return self._cached_version(subject, _version_number(version))
        r = self.call("GetSchemaByVersion", _msg("GetSchemaByVersionRequest")(
            subject=subject, version=_version_number(version), include_deleted=include_deleted),
            "GetSchemaByVersionResponse")
        return _schema_version(r.schema)

    def get_latest(self, subject: str) -> SchemaVersion:
        """The latest version of ``subject``."""
        return self.get_version(subject, "latest")

    def lookup(self, subject: str, schema: Union[str, Mapping[str, Any]], schema_type: str = "AVRO", *,
               references: Optional[Iterable[ReferenceLike]] = None, normalize: bool = False,
               include_deleted: bool = False) -> SchemaVersion:
        """The version of ``subject`` that has this schema (raises NotFound if none)."""
        request = _msg("LookupSchemaRequest")(subject=subject, schema_type=_schema_type_number(schema_type),
                                              schema=_schema_text(schema), normalize=normalize,
                                              include_deleted=include_deleted)
        _set_references(request, references)
        return _schema_version(self.call("LookupSchema", request, "LookupSchemaResponse").schema)

    def subjects(self, prefix: str = "", include_deleted: bool = False, page_size: int = 0) -> List[str]:
        """Every subject (starting with ``prefix``), following the server's pages."""
        out: List[str] = []
        token = ""
        for _page in range(1_000_000):
            r = self.call("ListSubjects", _msg("ListSubjectsRequest")(
                prefix=prefix, include_deleted=include_deleted, page_size=page_size, page_token=token),
                "ListSubjectsResponse")
            out.extend(r.subjects)
            token = r.next_page_token
            if not token:
                break
        return out

    def versions(self, subject: str, include_deleted: bool = False) -> List[int]:
        """The versions registered under ``subject`` (raises SubjectNotFound, 40401)."""
        return list(self.call("ListVersions", _msg("ListVersionsRequest")(
            subject=subject, include_deleted=include_deleted), "ListVersionsResponse").versions)

    def search_page(self, subject_prefix: str = "", *, metadata: Optional[Mapping[str, str]] = None,
                    tags: Iterable[str] = (), text: str = "", include_deleted: bool = False,
                    latest_only: bool = False, page_size: int = 0, page_token: str = "") -> SearchPage:
        """One page of SearchSchemas: versions matching every criterion given."""
        r = self.call("SearchSchemas", _msg("SearchSchemasRequest")(
            subject_prefix=subject_prefix, metadata=dict(metadata or {}), tags=list(tags), text=text,
            include_deleted=include_deleted, latest_only=latest_only, page_size=page_size, page_token=page_token),
            "SearchSchemasResponse")
        return SearchPage([_schema_version(v) for v in r.results], r.next_page_token)

    def search(self, subject_prefix: str = "", *, metadata: Optional[Mapping[str, str]] = None,
               tags: Iterable[str] = (), text: str = "", include_deleted: bool = False,
               latest_only: bool = False) -> List[SchemaVersion]:
        """Every version matching: subject prefix, metadata pairs, tags, a substring of the
        schema text (all pages)."""
        out: List[SchemaVersion] = []
        token = ""
        tags = list(tags)
        for _page in range(1_000_000):
            page = self.search_page(subject_prefix, metadata=metadata, tags=tags, text=text,
                                    include_deleted=include_deleted, latest_only=latest_only, page_token=token)
            out.extend(page.results)
            token = page.next_page_token
            if not token:
                break
        return out

    # ------------------------------------------------------------------ writes

    def register(self, subject: str, schema: Union[str, Mapping[str, Any]], schema_type: str = "AVRO", *,
                 references: Optional[Iterable[ReferenceLike]] = None, metadata: Optional[Mapping[str, str]] = None,
                 tags: Iterable[str] = (), normalize: bool = False, id: Optional[int] = None,
                 version: Optional[int] = None) -> RegisteredSchema:
        """Registers ``schema`` (text, or a dict/list dumped as JSON) under ``subject``.

        Returns the global id, the version and whether it was new. Raises Incompatible (40901,
        reasons in ``details``), InvalidSchema (42201), ... ``id``/``version`` are for IMPORT mode.
        """
        request = _msg("RegisterSchemaRequest")(subject=subject, schema_type=_schema_type_number(schema_type),
                                                schema=_schema_text(schema), metadata=dict(metadata or {}),
                                                tags=list(tags), normalize=normalize)
        if id is not None:
            request.id = id
        if version is not None:
            request.version = version
        _set_references(request, references)
        r = self.call("RegisterSchema", request, "RegisterSchemaResponse")
        return RegisteredSchema(r.id, r.version, r.created, tuple(r.warnings))

    def delete_subject(self, subject: str, permanent: bool = False) -> List[int]:
        """Soft-deletes ``subject`` (or, after a soft delete, removes it for good with
        ``permanent=True``). Returns the versions deleted."""
        return list(self.call("DeleteSubject", _msg("DeleteSubjectRequest")(subject=subject, permanent=permanent),
                              "DeleteSubjectResponse").versions)

    def delete_version(self, subject: str, version: Version, permanent: bool = False) -> int:
        """Soft-deletes one version (``permanent=True`` after a soft delete removes it)."""
        return self.call("DeleteVersion", _msg("DeleteVersionRequest")(
            subject=subject, version=_version_number(version), permanent=permanent), "DeleteVersionResponse").version

    # ------------------------------------------------------------------ checks

    def check_compatibility(self, subject: str, schema: Union[str, Mapping[str, Any]], schema_type: str = "AVRO", *,
                            references: Optional[Iterable[ReferenceLike]] = None, version: Version = "latest",
                            all_versions: bool = False, verbose: bool = True,
                            normalize: bool = False) -> CompatibilityResult:
        """Would ``schema`` be accepted under ``subject``? Against ``version`` (default the
        latest) or, with ``all_versions``, every version the subject's level calls for.
        The result is truthy when compatible; ``messages`` says why not."""
        request = _msg("CheckCompatibilityRequest")(subject=subject, schema_type=_schema_type_number(schema_type),
                                                    schema=_schema_text(schema), version=_version_number(version),
                                                    all_versions=all_versions, verbose=verbose, normalize=normalize)
        _set_references(request, references)
        r = self.call("CheckCompatibility", request, "CheckCompatibilityResponse")
        return CompatibilityResult(r.is_compatible, tuple(r.messages), _level_name(r.level) or "")

    def validate(self, payload: Union[bytes, str, Any], *, schema_id: Optional[int] = None,
                 subject: Optional[str] = None, version: Version = "latest") -> ValidationResult:
        """Validates a payload against a schema on the server, chosen by ``schema_id`` or by
        ``subject`` and ``version``. ``payload`` is bytes as the server takes them (JSON, Avro's
        JSON encoding, or a wire-format frame where the server accepts it), a str, or any other
        value, which is sent as JSON."""
        if isinstance(payload, str):
            data = payload.encode()
        elif isinstance(payload, (bytes, bytearray, memoryview)):
            data = bytes(payload)
        else:
            data = json.dumps(payload, separators=(",", ":")).encode()
        request = _msg("ValidatePayloadRequest")(payload=data)
        if schema_id is not None:
            request.id = schema_id
        elif subject is not None:
            request.subject_version.subject = subject
            request.subject_version.version = _version_number(version)
        else:
            raise ValueError("validate needs schema_id or subject")
        r = self.call("ValidatePayload", request, "ValidatePayloadResponse")
        return ValidationResult(r.valid, tuple(ValidationError(e.instance_location, e.schema_location, e.message)
                                               for e in r.errors))

    # ------------------------------------------------------------------ config and mode

    def get_config(self, subject: Optional[str] = None, default_to_global: bool = False) -> Optional[str]:
        """The compatibility level of ``subject`` (None: the global one), e.g. "BACKWARD".
        A subject without its own level raises NotFound (40408) unless ``default_to_global``.
        Through the mutable cache when it is on."""
        if self._mutable_cache_entries:
            return self._cached_config(subject, default_to_global)
        r = self.call("GetConfig", _msg("GetConfigRequest")(subject=subject or "",
                                                            default_to_global=default_to_global),
                      "GetConfigResponse")
        return _level_name(r.compatibility)

    def set_config(self, level: str, subject: Optional[str] = None) -> Optional[str]:
        """Sets the compatibility level of ``subject`` (None: the global one)."""
        r = self.call("SetConfig", _msg("SetConfigRequest")(subject=subject or "", compatibility=_level_number(level)),
                      "SetConfigResponse")
        return _level_name(r.compatibility)

    def delete_config(self, subject: Optional[str] = None) -> Optional[str]:
        """Removes the subject's own level (it inherits the global one again); returns it."""
        r = self.call("DeleteConfig", _msg("DeleteConfigRequest")(subject=subject or ""), "DeleteConfigResponse")
        return _level_name(r.compatibility)

    def get_mode(self, subject: Optional[str] = None, default_to_global: bool = False) -> Optional[str]:
        """The mode of ``subject`` (None: the global one): "READWRITE", "READONLY" or "IMPORT".
        Through the mutable cache when it is on."""
        if self._mutable_cache_entries:
            return self._cached_mode(subject, default_to_global)
        r = self.call("GetMode", _msg("GetModeRequest")(subject=subject or "", default_to_global=default_to_global),
                      "GetModeResponse")
        return _mode_name(r.mode)

    def set_mode(self, mode: str, subject: Optional[str] = None, force: bool = False) -> Optional[str]:
        """Sets the mode of ``subject`` (None: the global one)."""
        r = self.call("SetMode", _msg("SetModeRequest")(subject=subject or "", mode=_mode_number(mode), force=force),
                      "SetModeResponse")
        return _mode_name(r.mode)
