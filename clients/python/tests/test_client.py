"""Every Client method against a real server (SQLite store, loopback SRP)."""
from __future__ import annotations

import json
import socket

import pytest

import srclient
from srclient import _proto, errors
from sr_support import unique

RECORD = {"type": "record", "name": "Order", "namespace": "py.client",
          "fields": [{"name": "id", "type": "long"}, {"name": "note", "type": "string"}]}
EVOLVED = dict(RECORD, fields=RECORD["fields"] + [{"name": "qty", "type": "int", "default": 1}])
BREAKING = dict(RECORD, fields=[{"name": "id", "type": "string"}])


def test_connection_facts(client):
    assert client.connected and not client.tls
    assert client.max_in_flight > 0
    assert client.server_version
    assert client.ping(b"hello") == b"hello"
    info = client.server_info()
    assert info.store == "sqlite" and info.server_version
    assert srclient.c_library_version() == "0.1.0"


def test_register_get_lookup(client, subject):
    registered = client.register(subject, RECORD)
    assert registered.id > 0 and registered.version == 1 and registered.created
    again = client.register(subject, json.dumps(RECORD, indent=2))  # another spelling, same schema
    assert (again.id, again.version, again.created) == (registered.id, 1, False)

    schema = client.get_schema(registered.id)
    assert isinstance(schema, srclient.Schema)
    assert schema.id == registered.id and schema.schema_type == "AVRO" and "py.client.Order" in schema.schema

    by_version = client.get_version(subject, 1)
    latest = client.get_latest(subject)
    assert by_version == latest == client.get_version(subject, "latest")
    assert (latest.subject, latest.version, latest.id, latest.deleted) == (subject, 1, registered.id, False)

    found = client.lookup(subject, RECORD)
    assert (found.subject, found.version, found.id) == (subject, 1, registered.id)
    assert client.versions(subject) == [1]
    assert (subject, 1) in client.subject_versions_by_id(registered.id)
    schemas, missing = client.get_schemas([registered.id, 987654])
    assert [s.id for s in schemas] == [registered.id] and missing == [987654]


def test_json_schema_metadata_and_search(client, subject):
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    registered = client.register(subject, schema, "JSON", metadata={"owner": "py-team"}, tags=["pii"])
    version = client.get_latest(subject)
    assert version.schema_type == "JSON" and version.id == registered.id
    assert client.search(subject)[0].id == registered.id
    by_metadata = client.search(metadata={"owner": "py-team"})
    assert subject in {v.subject for v in by_metadata}
    assert client.search(subject, tags=["pii"])[0].subject == subject
    assert client.search(subject, tags=["no-such-tag"]) == []
    page = client.search_page(subject, page_size=1)
    assert len(page.results) == 1


def test_subjects_listing_with_prefix(client):
    prefix = unique("py-list") + "-"
    names = [f"{prefix}{i}" for i in range(3)]
    for name in names:
        client.register(name, '"string"')
    assert client.subjects(prefix) == names
    assert client.subjects(prefix, page_size=1) == names  # pages followed
    assert set(names) <= set(client.subjects())


def test_compatibility_and_incompatible_registration(client, subject):
    client.register(subject, RECORD)
    assert client.check_compatibility(subject, EVOLVED)
    result = client.check_compatibility(subject, BREAKING)
    assert not result and not result.is_compatible and result.messages
    with pytest.raises(srclient.Incompatible) as caught:
        client.register(subject, BREAKING)
    assert caught.value.code == 40901 and caught.value.name == "INCOMPATIBLE_SCHEMA" and caught.value.details
    assert isinstance(caught.value, errors.Conflict) and isinstance(caught.value, srclient.RegistryError)
    assert client.register(subject, EVOLVED).version == 2
    assert client.check_compatibility(subject, EVOLVED, version=1).is_compatible
    assert client.check_compatibility(subject, RECORD, all_versions=True).is_compatible


def test_config(client, subject):
    client.register(subject, RECORD)
    assert client.get_config() in srclient.models.COMPATIBILITY_LEVELS
    with pytest.raises(srclient.NotFound) as caught:
        client.get_config(subject)
    assert caught.value.code == 40408
    assert client.get_config(subject, default_to_global=True) == client.get_config()
    assert client.set_config("NONE", subject) == "NONE"
    assert client.get_config(subject) == "NONE"
    assert client.register(subject, BREAKING).version == 2  # NONE lets it in
    assert client.delete_config(subject) == "NONE"
    with pytest.raises(ValueError):
        client.set_config("SIDEWAYS", subject)


def test_mode(client, subject):
    client.register(subject, RECORD)
    assert client.get_mode() == "READWRITE"
    assert client.set_mode("READONLY", subject) == "READONLY"
    assert client.get_mode(subject) == "READONLY"
    with pytest.raises(srclient.RegistryError) as caught:
        client.register(subject, EVOLVED)
    assert caught.value.code == 42205
    assert client.set_mode("READWRITE", subject) == "READWRITE"
    assert client.register(subject, EVOLVED).version == 2


def test_deletes_soft_and_permanent(client, subject):
    first = client.register(subject, RECORD)
    client.register(subject, EVOLVED)
    with pytest.raises(errors.VersionNotSoftDeleted) as caught:
        client.delete_version(subject, 2, permanent=True)
    assert caught.value.code == 40407
    assert client.delete_version(subject, 2) == 2
    assert client.versions(subject) == [1]
    assert client.versions(subject, include_deleted=True) == [1, 2]
    assert client.get_version(subject, 2, include_deleted=True).deleted
    assert client.delete_version(subject, 2, permanent=True) == 2
    assert client.versions(subject, include_deleted=True) == [1]

    with pytest.raises(errors.SubjectNotSoftDeleted) as caught:
        client.delete_subject(subject, permanent=True)
    assert caught.value.code == 40405
    assert client.delete_subject(subject) == [1]
    assert subject not in client.subjects()
    assert subject in client.subjects(include_deleted=True)
    assert client.delete_subject(subject, permanent=True) == [1]
    with pytest.raises(srclient.SubjectNotFound) as caught:
        client.versions(subject)
    assert caught.value.code == 40401
    assert client.get_schema(first.id).id == first.id or True  # ids may outlive their subjects


def test_validate(client, subject):
    registered = client.register(subject, RECORD)
    assert client.validate({"id": 1, "note": "x"}, schema_id=registered.id)
    bad = client.validate({"id": "one", "note": "x"}, schema_id=registered.id)
    assert not bad.valid and bad.errors and bad.errors[0].message
    assert client.validate(b'{"id": 2, "note": "y"}', subject=subject).valid
    assert client.validate('{"id": 3, "note": "z"}', subject=subject, version=1).valid
    with pytest.raises(ValueError):
        client.validate({})


def test_error_codes(client, subject):
    with pytest.raises(srclient.SchemaNotFound) as caught:
        client.get_schema(2_000_000_000)
    error = caught.value
    assert error.code == 40403 and error.name == "SCHEMA_NOT_FOUND" and error.message
    assert isinstance(error, srclient.NotFound) and "40403" in str(error)
    with pytest.raises(srclient.SubjectNotFound) as caught:
        client.get_latest(subject)
    assert caught.value.code == 40401
    client.register(subject, RECORD)
    with pytest.raises(srclient.VersionNotFound) as caught:
        client.get_version(subject, 7)
    assert caught.value.code == 40402
    with pytest.raises(srclient.InvalidSchema) as caught:
        client.register(subject, '{"type": "record", "name": "Broken"')
    assert caught.value.code == 42201
    with pytest.raises(srclient.NotFound) as caught:
        client.lookup(subject, '"string"')
    assert caught.value.code in (40403, 40401)
    with pytest.raises(ValueError):
        client.register(subject, RECORD, "XML")
    # The connection goes on after error statuses.
    assert client.get_latest(subject).version == 1


def test_unknown_codes_map_by_range():
    assert errors.registry_error_class(40499) is srclient.NotFound
    assert errors.registry_error_class(42299) is srclient.InvalidRequest
    assert errors.registry_error_class(50099) is errors.ServerError
    assert errors.registry_error_class(40999) is srclient.Conflict
    assert errors.registry_error_class(13) is errors.Throttled


def test_get_many(client, subject):
    ids = [client.register(f"{subject}-{i}", '{"type":"fixed","name":"F%d","size":%d}' % (i, i + 1)).id
           for i in range(20)]
    many = ids * 60  # 1,200 requests' worth of ids, duplicates collapse
    found = client.get_many(many)
    assert sorted(found) == sorted(set(ids))
    assert all(found[i].id == i and found[i].schema_type == "AVRO" for i in ids)
    assert found[ids[3]] == client.get_schema(ids[3])
    assert client.get_many([]) == {}

    with pytest.raises(srclient.SchemaNotFound) as caught:
        client.get_many(ids + [1_999_999_999, 1_999_999_998])
    assert caught.value.code == 40403 and "1999999998" in caught.value.message
    assert caught.value.details == ["1999999998", "1999999999"]
    partial = client.get_many(ids + [1_999_999_999], missing_ok=True)
    assert sorted(partial) == sorted(ids)
    assert client.get_schema(ids[0]).id == ids[0]  # the connection is clean afterwards


def test_get_many_texts_across_steps(client, subject, monkeypatch):
    """get_many makes every string of a step with one decode and one split: texts of many
    lengths, non-ASCII ones, missing ids between them, over many steps (7 replies each here)."""
    from srclient import _get_many
    monkeypatch.setattr(_get_many, "_STEP", 7)
    texts = [json.dumps({"type": "enum", "name": f"E{i}", "doc": "café ✓ 日本" * (i % 5), "symbols": ["A", "B"]},
                        ensure_ascii=False) for i in range(40)]
    ids = [client.register(f"{subject}-{i}", text).id for i, text in enumerate(texts)]
    missing = list(range(1_600_000_000, 1_600_000_010))
    found = client.get_many([x for pair in zip(ids, missing + ids[10:]) for x in pair], missing_ok=True)
    assert sorted(found) == sorted(ids)
    for schema_id in ids:
        assert found[schema_id] == client.get_schema(schema_id)
    assert any("日本" in found[i].schema for i in ids)


def test_get_many_deeper_than_max_in_flight(client, subject):
    schema_id = client.register(subject, '"long"').id
    others = [client.register(f"{subject}-{i}", '"string"').id for i in range(2)]
    assert len(set(others)) == 1
    count = client.max_in_flight * 3 + 7
    # Distinct ids are needed for distinct requests: unknown ones, allowed to be missing.
    ids = [schema_id] + list(range(1_500_000_000, 1_500_000_000 + count))
    found = client.get_many(ids, missing_ok=True)
    assert list(found) == [schema_id]


def test_closed_client(server):
    made = srclient.Client("127.0.0.1", server.srp_port)
    with made:
        assert made.ping() == b""
    assert not made.connected
    with pytest.raises(ValueError):
        made.get_schema(1)
    made.close()  # idempotent


def test_reconnect(client):
    client.reconnect()
    assert client.ping(b"again") == b"again"


def test_call_escape_hatch(client):
    from srclient import _proto
    reply = client.call("Ping", _proto.message("PingRequest")(payload=b"raw"), "PingResponse")
    assert reply.payload == b"raw"


def test_connection_refused():
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(srclient.RegistryConnectionError) as caught:
        srclient.Client("127.0.0.1", port, connect_timeout=5)
    assert caught.value.err_name.startswith("SR_ERR_") and isinstance(caught.value, ConnectionError)


def test_timeout_against_a_silent_peer():
    with socket.socket() as silent:  # accepts TCP (backlog) and never answers HELLO
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(srclient.ClientError) as caught:
            srclient.Client("127.0.0.1", silent.getsockname()[1], connect_timeout=0.3)
    assert caught.value.err_name in ("SR_ERR_TIMEOUT", "SR_ERR_HANDSHAKE")


def test_not_an_srp_port(server):
    with pytest.raises(srclient.RegistryConnectionError):
        srclient.Client("127.0.0.1", server.rest_port, connect_timeout=5)


def test_references_through_every_read(client, subject):
    inner = {"type": "record", "name": "Inner", "namespace": "py.refs", "fields": [{"name": "x", "type": "int"}]}
    client.register(f"{subject}-inner", inner)
    outer = {"type": "record", "name": "Outer", "namespace": "py.refs",
             "fields": [{"name": "inner", "type": "py.refs.Inner"}]}
    reference = srclient.SchemaReference("py.refs.Inner", f"{subject}-inner", 1)
    registered = client.register(subject, outer, references=[reference])
    assert client.get_schema(registered.id).references == (reference,)
    assert client.get_latest(subject).references == (reference,)
    assert client.lookup(subject, outer, references=[("py.refs.Inner", f"{subject}-inner", 1)]).id == registered.id
    many = client.get_many([registered.id, client.get_latest(f"{subject}-inner").id])
    assert many[registered.id].references == (reference,)  # the protobuf-runtime path of get_many
    assert many[registered.id] == client.get_schema(registered.id)


def _wait_stopped(pid: int) -> None:
    """Until every thread of pid is stopped (state T in /proc): kill() returns before they are."""
    import os
    import time
    for _ in range(500):
        states = []
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/stat") as stat:
                    states.append(stat.read().rsplit(")", 1)[1].split()[0])
            except OSError:
                continue
        if states and all(state in ("T", "t") for state in states):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not stop: thread states {states}")


def test_call_and_get_many_timeouts(tmp_path):
    """A stopped (SIGSTOP) server: a call and a get_many time out with RegistryTimeout; after
    SIGCONT the client goes on (get_many reconnects itself, dropping the late replies)."""
    import signal
    from sr_support import start_server
    running = start_server(tmp_path)
    try:
        client = srclient.Client("127.0.0.1", running.srp_port, timeout=10, connect_timeout=0.5)
        with client:
            schema_id = client.register(unique("py-timeout"), '"float"').id
            running.process.send_signal(signal.SIGSTOP)
            _wait_stopped(running.process.pid)
            try:
                with pytest.raises(srclient.RegistryTimeout) as caught:
                    client.call("GetSchemaById", _proto.message("GetSchemaByIdRequest")(id=schema_id),
                                "GetSchemaByIdResponse", timeout=0.2)
                assert caught.value.err_name == "SR_ERR_TIMEOUT" and isinstance(caught.value, TimeoutError)
                with pytest.raises(srclient.RegistryTimeout):
                    client.get_many([schema_id], timeout=0.2)
            finally:
                running.process.send_signal(signal.SIGCONT)
            if not client.connected:  # the reconnect inside get_many met the stopped server
                client.reconnect()
            assert client.get_schema(schema_id).schema == '"float"'
            assert client.get_many([schema_id])[schema_id].schema == '"float"'
    finally:
        running.stop()


def test_get_many_retries_throttled_requests(tmp_path, monkeypatch):
    """A server with a small token bucket answers part of a pipeline THROTTLED; get_many
    retries those after retry_after_ms and returns every id (the rounds are bounded)."""
    from sr_support import start_server
    running = start_server(tmp_path, "--set", "token-rate=200", "--set", "token-burst=20")
    try:
        with srclient.Client("127.0.0.1", running.srp_port, timeout=10, throttle_retries=20) as client:
            ids = [client.register(unique("py-throttle"), '{"type":"enum","name":"E%d","symbols":["A"]}' % i).id
                   for i in range(8)]
            missing = list(range(1_600_000_000, 1_600_000_000 + 60))
            rounds = []
            original = srclient.Client._get_many_round

            def counting(self, client_handle, round_ids, *rest):
                rounds.append(len(round_ids))
                return original(self, client_handle, round_ids, *rest)

            monkeypatch.setattr(srclient.Client, "_get_many_round", counting)
            found = client.get_many(ids + missing, missing_ok=True)
            assert sorted(found) == sorted(ids)
            # A burst of 20 tokens against 68 requests that arrive together: some are THROTTLED.
            assert len(rounds) > 1 and rounds[0] == 68 and rounds == sorted(rounds, reverse=True), rounds
    finally:
        running.stop()
