"""The SRP client: a Pythonic face on libsrclient's plain C API (srclient_core.h) via cffi.

Requests are SRP messages built by the protobuf runtime from proto/srp.desc (see _proto.py),
serialized and sent with sr_call_raw; replies come back as bytes and are parsed the same way.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from itertools import repeat
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _proto
from ._native import ffi, lib
from .errors import RegistryError, client_error, registry_error_class
from .models import (CompatibilityResult, RegisteredSchema, Schema, SchemaReference, SchemaVersion, SearchPage,
                    ServerInfo, ValidationError, ValidationResult)

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
_GetSchemaByIdResponse = _msg("GetSchemaByIdResponse")
_STEP = 512  # get_many: replies per srpy_many_step (the objects of one step are made while the next are on the way)
_consume = deque(maxlen=0).extend  # runs an iterator (a map of setters) to its end, in C
_SCHEMA_SLOT_SETTERS = tuple(getattr(Schema, name).__set__ for name in ("id", "schema", "schema_type", "references"))
assert Schema.__slots__ == ("id", "schema", "schema_type", "references")


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


class Client:
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
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 7911, api_key: Optional[str] = None, *,
                 tls: Optional[bool] = None, ca_file: Optional[str] = None, cert_file: Optional[str] = None,
                 key_file: Optional[str] = None, server_name: Optional[str] = None, timeout: float = 30.0,
                 connect_timeout: float = 5.0, client_name: Optional[str] = None, compression: bool = True,
                 throttle_retries: int = 0, auto_reconnect: bool = False):
        self._client = ffi.NULL
        self._lock = threading.Lock()
        self.host, self.port = host, int(port)
        self.timeout = timeout
        self._timeout_ms = self._ms(timeout)
        options = lib.sr_options_new()
        if options == ffi.NULL:
            raise MemoryError("sr_options_new")
        try:
            self._set(options, lib.sr_options_set_host, host.encode())
            self._set(options, lib.sr_options_set_port, int(port))
            if api_key:
                self._set(options, lib.sr_options_set_api_key, api_key.encode())
            self._set(options, lib.sr_options_set_client_name,
                      (client_name or f"srclient-python/{_version()}").encode())
            self._set(options, lib.sr_options_set_compression, 1 if compression else 0)
            self._set(options, lib.sr_options_set_connect_timeout_ms, self._ms(connect_timeout))
            self._set(options, lib.sr_options_set_call_timeout_ms, self._timeout_ms)
            self._set(options, lib.sr_options_set_throttle_retries, int(throttle_retries))
            self._set(options, lib.sr_options_set_auto_reconnect, 1 if auto_reconnect else 0)
            if tls is None:
                tls = any(v is not None for v in (ca_file, cert_file, key_file, server_name))
            if tls:
                self._set(options, lib.sr_options_set_tls, 1)
                for setter, value in ((lib.sr_options_set_tls_ca_file, ca_file),
                                      (lib.sr_options_set_tls_cert_file, cert_file),
                                      (lib.sr_options_set_tls_key_file, key_file),
                                      (lib.sr_options_set_tls_server_name, server_name)):
                    if value is not None:
                        self._set(options, setter, str(value).encode())
            client = lib.sr_connect(options)
        finally:
            lib.sr_options_free(options)
        if client == ffi.NULL:
            raise MemoryError("sr_connect")
        err = lib.sr_client_err(client)
        if err != lib.SR_OK:
            error = client_error(err, _text(lib.sr_err_name(err)), _text(lib.sr_client_errstr(client)))
            lib.sr_client_free(client)
            raise error
        self._client = client
        self._length = ffi.new("size_t *")

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _ms(seconds: Optional[float]) -> int:
        if seconds is None:
            return 0  # forever
        if seconds <= 0:
            raise ValueError("timeouts are positive numbers of seconds (or None for none)")
        return max(1, int(seconds * 1000))

    @staticmethod
    def _set(options, setter, value) -> None:
        if setter(options, value) != lib.SR_OK:
            raise ValueError(f"invalid option value {value!r}")

    def _raise_client_error(self, err: int):
        raise client_error(err, _text(lib.sr_err_name(err)), _text(lib.sr_client_errstr(self._client)))

    def _handle(self):
        if self._client == ffi.NULL:
            raise ValueError("the client is closed")
        return self._client

    def call(self, method: str, request, response_type: str, timeout: Optional[float] = None):
        """Sends one SRP request (a message of srclient._proto) and returns the parsed response.

        The escape hatch for RPCs without a method here; raises RegistryError on an error
        status and ClientError when no answer came."""
        body = request.SerializeToString()
        timeout_ms = self._timeout_ms if timeout is None else self._ms(timeout)
        with self._lock:
            client = self._handle()
            reply = lib.sr_call_raw(client, METHODS[method], body, len(body), timeout_ms)
            if reply == ffi.NULL:
                self._raise_client_error(lib.sr_client_err(client))
            try:
                status = lib.sr_reply_status(reply)
                if status != 0:
                    raise self._registry_error(reply, status)
                body_pointer = lib.sr_reply_body(reply, self._length)
                data = ffi.buffer(body_pointer, self._length[0])[:] if body_pointer != ffi.NULL else b""
            finally:
                lib.sr_reply_free(reply)
        return _msg(response_type).FromString(data)

    @staticmethod
    def _registry_error(reply, status: int) -> RegistryError:
        details = [_text(lib.sr_reply_error_detail(reply, i)) for i in range(lib.sr_reply_error_detail_count(reply))]
        cls = registry_error_class(status)
        return cls(status, _text(lib.sr_reply_error_message(reply)), _text(lib.sr_status_name(status)), details,
                   lib.sr_reply_retry_after_ms(reply))

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Closes the connection (idempotent)."""
        with self._lock:
            if self._client != ffi.NULL:
                lib.sr_client_free(self._client)
                self._client = ffi.NULL

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            if getattr(self, "_client", ffi.NULL) != ffi.NULL:
                lib.sr_client_free(self._client)
                self._client = ffi.NULL
        except Exception:
            pass

    def reconnect(self) -> None:
        """Closes and reconnects (requests still pending on the old connection are dropped)."""
        with self._lock:
            client = self._handle()
            if lib.sr_client_reconnect(client) != lib.SR_OK:
                self._raise_client_error(lib.sr_client_err(client))

    @property
    def connected(self) -> bool:
        return self._client != ffi.NULL and bool(lib.sr_client_is_connected(self._client))

    @property
    def tls(self) -> bool:
        """True when the connection is TLS."""
        return bool(lib.sr_client_tls(self._handle()))

    @property
    def max_in_flight(self) -> int:
        """Requests the server processes at once on this connection (HELLO_OK)."""
        return int(lib.sr_client_max_in_flight(self._handle()))

    @property
    def server_version(self) -> str:
        return _text(lib.sr_client_server_version(self._handle()))

    # ------------------------------------------------------------------ server

    def ping(self, payload: bytes = b"") -> bytes:
        """The Ping method: the server echoes the payload."""
        return self.call("Ping", _msg("PingRequest")(payload=payload), "PingResponse").payload

    def server_info(self) -> ServerInfo:
        r = self.call("ServerInfo", _msg("ServerInfoRequest")(), "ServerInfoResponse")
        return ServerInfo(r.server_id, r.server_version, r.store, r.schema_count, r.subject_count, r.uptime_ms)

    # ------------------------------------------------------------------ reads

    def get_schema(self, schema_id: int) -> Schema:
        """The schema with this global id (raises SchemaNotFound, code 40403)."""
        return _schema(self.call("GetSchemaById", _msg("GetSchemaByIdRequest")(id=schema_id),
                                 "GetSchemaByIdResponse").schema)

    def get_schemas(self, schema_ids: Sequence[int]) -> Tuple[List[Schema], List[int]]:
        """GetSchemasByIds in one request: (schemas found in the order asked, missing ids)."""
        r = self.call("GetSchemasByIds", _msg("GetSchemasByIdsRequest")(ids=list(schema_ids)),
                      "GetSchemasByIdsResponse")
        return [_schema(s) for s in r.schemas], list(r.missing_ids)

    def get_many(self, schema_ids: Iterable[int], *, missing_ok: bool = False,
                 timeout: Optional[float] = None) -> Dict[int, Schema]:
        """Fetches many schemas by id, pipelined: one GetSchemaById request per distinct id on
        this connection, at most ``max_in_flight`` unanswered at a time, replies taken as they
        come.

        Returns {id: Schema}. An id the server does not have raises SchemaNotFound (naming
        every missing id) unless ``missing_ok``, when it is left out. THROTTLED and OVERLOADED
        replies are retried after the server's retry_after_ms (a bounded number of rounds).
        ``timeout`` (seconds, default the client's) bounds each wait for a reply; a timeout
        reconnects (dropping the late replies) and raises RegistryTimeout.
        """
        ids = list(dict.fromkeys(map(int, schema_ids)))
        timeout_ms = self._timeout_ms if timeout is None else self._ms(timeout)
        found: Dict[int, Schema] = {}
        missing: List[int] = []
        with self._lock:
            client = self._handle()
            window = max(1, min(int(lib.sr_client_max_in_flight(client)) or 1, 4096))
            for _round in range(20):
                retry, wait_ms = self._get_many_round(client, ids, window, timeout_ms, found, missing)
                if not retry:
                    break
                time.sleep(max(wait_ms, 1) / 1000.0)
                ids = retry
            else:
                raise registry_error_class(13)(13, f"{len(ids)} ids still throttled after 20 rounds", "THROTTLED")
        if missing and not missing_ok:
            missing.sort()
            shown = ", ".join(str(i) for i in missing[:20]) + (", ..." if len(missing) > 20 else "")
            raise registry_error_class(_SCHEMA_NOT_FOUND)(_SCHEMA_NOT_FOUND, f"schemas not found: {shown}",
                                                          "SCHEMA_NOT_FOUND", [str(i) for i in missing])
        return found

    def _get_many_round(self, client, ids: List[int], window: int, timeout_ms: int, found: Dict[int, Schema],
                        missing: List[int]) -> Tuple[List[int], int]:
        # The loop is C (srpy_many_start/srpy_many_step in build_ffi.py): append up to `window`,
        # take each reply, append the next; it decodes each GetSchemaById response into (id,
        # type, text) and keeps the texts in one buffer, each followed by a NUL. It returns
        # every _STEP replies with the window still full, so that the server works on the next
        # replies while Python makes this step's objects, without a Python loop per id: one
        # decode and one split make every string, and map() over the columns fills the Schema
        # objects.
        retry: List[int] = []
        state = {"wait_ms": 0, "failure": None}
        id_array = ffi.new("uint32_t[]", ids)
        many = ffi.new("srpy_many *")
        try:
            err = lib.srpy_many_start(client, id_array, len(ids), window, many)
            while err == lib.SR_OK and many.outstanding:
                err = lib.srpy_many_step(client, many, _STEP, timeout_ms)
                if err == lib.SR_OK:
                    self._get_many_results(many, ids, found, missing, retry, state)
            if err != lib.SR_OK:
                error = client_error(err, _text(lib.sr_err_name(err)), _text(lib.sr_client_errstr(client)))
                if err == lib.SR_ERR_TIMEOUT:
                    lib.sr_client_reconnect(client)  # drop the replies still to come
                raise error
        finally:
            lib.srpy_many_free(many)
        if state["failure"] is not None:
            raise state["failure"]
        return retry, state["wait_ms"]

    @staticmethod
    def _get_many_results(many, ids: List[int], found: Dict[int, Schema], missing: List[int], retry: List[int],
                          state: Dict[str, Any]) -> None:
        decoded, others = many.decoded, many.others
        if decoded:
            order = ffi.unpack(many.order, decoded)
            numbers = ffi.unpack(many.schema_id, decoded)
            types = ffi.unpack(many.schema_type, decoded)
            texts = str(ffi.buffer(many.texts, many.texts_length), "utf-8").split("\x00")
            texts.pop()  # after the last NUL
            if len(texts) != decoded:
                raise RuntimeError(f"get_many: {len(texts)} schema texts for {decoded} replies")
            # A frozen, slotted dataclass filled through its slots' descriptors: what its
            # __init__ does, without the frozen __setattr__ guard, column by column.
            set_id, set_text, set_type, set_references = _SCHEMA_SLOT_SETTERS
            schemas = list(map(object.__new__, repeat(Schema, decoded)))
            _consume(map(set_id, schemas, numbers))
            _consume(map(set_text, schemas, texts))
            _consume(map(set_type, schemas, map(_TYPE_NAMES.get, types, repeat("AVRO"))))
            _consume(map(set_references, schemas, repeat((), decoded)))
            found.update(zip(map(ids.__getitem__, order), schemas))
        if not others:
            return
        other_order = ffi.unpack(many.other_order, others)
        other_status = ffi.unpack(many.other_status, others)
        other_offset = ffi.unpack(many.other_offset, others)
        other_length = ffi.unpack(many.other_length, others)
        bodies = ffi.buffer(many.bodies, many.bodies_length)[:]
        for k in range(others):
            schema_id, status = ids[other_order[k]], other_status[k]
            body = bodies[other_offset[k]:other_offset[k] + other_length[k]]
            if status == 0:
                found[schema_id] = _schema(_GetSchemaByIdResponse.FromString(body).schema)
            elif status == _SCHEMA_NOT_FOUND:
                missing.append(schema_id)
            else:
                error_body = _msg("ErrorBody").FromString(body)
                if status in _RETRYABLE:
                    retry.append(schema_id)
                    state["wait_ms"] = max(state["wait_ms"], error_body.retry_after_ms)
                elif state["failure"] is None:
                    details = [error_body.details[key] for key in sorted(error_body.details, key=lambda k: (len(k), k))]
                    state["failure"] = registry_error_class(status)(status, error_body.message,
                                                                    _text(lib.sr_status_name(status)), details,
                                                                    error_body.retry_after_ms)

    def subject_versions_by_id(self, schema_id: int, include_deleted: bool = False) -> List[Tuple[str, int]]:
        """Every (subject, version) that has this schema id."""
        r = self.call("GetSubjectVersionsById", _msg("GetSubjectVersionsByIdRequest")(
            id=schema_id, include_deleted=include_deleted), "GetSubjectVersionsByIdResponse")
        return [(sv.subject, sv.version) for sv in r.subject_versions]

    def get_version(self, subject: str, version: Version = "latest", include_deleted: bool = False) -> SchemaVersion:
        """The schema registered under ``subject`` at ``version`` (an int, or "latest")."""
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
        A subject without its own level raises NotFound (40408) unless ``default_to_global``."""
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
        """The mode of ``subject`` (None: the global one): "READWRITE", "READONLY" or "IMPORT"."""
        r = self.call("GetMode", _msg("GetModeRequest")(subject=subject or "", default_to_global=default_to_global),
                      "GetModeResponse")
        return _mode_name(r.mode)

    def set_mode(self, mode: str, subject: Optional[str] = None, force: bool = False) -> Optional[str]:
        """Sets the mode of ``subject`` (None: the global one)."""
        r = self.call("SetMode", _msg("SetModeRequest")(subject=subject or "", mode=_mode_number(mode), force=force),
                      "SetModeResponse")
        return _mode_name(r.mode)


def _text(pointer) -> str:
    return "" if pointer == ffi.NULL else ffi.string(pointer).decode("utf-8", "replace")


def _version() -> str:
    from . import __version__
    return __version__
