"""The REST API over raw HTTP: status codes and bodies for good and bad input, media types,
keep-alive, pipelining, request smuggling and oversized bodies, and API keys.

Errors are Confluent's: a JSON object {"error_code": <int>, "message": <string>}.
"""

import http.client
import json
import select
import socket
import time

import pytest
import requests

from schemas import JSON_V1, USER_INCOMPATIBLE, USER_V1, USER_V2, fresh, same_schema, text
from sr_support import ConnectionClosed, RawReader, assert_error_body, basic, connect, request_bytes, unique

V1 = "application/vnd.schemaregistry.v1+json"
MIB = 1024 * 1024
TIMEOUT = 10


def register(url, subject, schema, schema_type=None, references=None, content_type=V1):
    body = {"schema": text(schema)}
    if schema_type:
        body["schemaType"] = schema_type
    if references:
        body["references"] = references
    return requests.post(f"{url}/subjects/{requests.utils.quote(subject, safe='')}/versions",
                         data=json.dumps(body), headers={"Content-Type": content_type}, timeout=TIMEOUT)


def registered_id(url, subject, schema, schema_type=None):
    answer = register(url, subject, schema, schema_type)
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def get(url, path, **kwargs):
    return requests.get(url + path, timeout=TIMEOUT, **kwargs)


# ----------------------------------------------------------------------------- good answers

def test_register_answer_and_schema_by_id(sr_url, subject):
    answer = register(sr_url, subject, USER_V1)
    assert answer.status_code == 200, answer.text
    assert "json" in answer.headers.get("Content-Type", "")
    body = answer.json()
    assert isinstance(body["id"], int) and body["id"] > 0

    by_id = get(sr_url, f"/schemas/ids/{body['id']}")
    assert by_id.status_code == 200, by_id.text
    schema = by_id.json()
    assert "schemaType" not in schema, f"AVRO must leave schemaType out: {schema}"
    assert same_schema(schema["schema"], USER_V1)

    raw = get(sr_url, f"/schemas/ids/{body['id']}/schema")
    assert raw.status_code == 200, raw.text
    assert raw.json() == json.loads(schema["schema"])


def test_json_schema_type_is_present(sr_url, subject):
    schema_id = registered_id(sr_url, subject, JSON_V1, "JSON")
    schema = get(sr_url, f"/schemas/ids/{schema_id}").json()
    assert schema.get("schemaType") == "JSON"
    version = get(sr_url, f"/subjects/{subject}/versions/1").json()
    assert version.get("schemaType") == "JSON"


def test_avro_schema_type_may_be_given_explicitly(sr_url, subject):
    schema_id = registered_id(sr_url, subject, USER_V1, "AVRO")
    assert "schemaType" not in get(sr_url, f"/schemas/ids/{schema_id}").json()


def test_subject_version_answers(sr_url, subject):
    id1 = registered_id(sr_url, subject, USER_V1)
    id2 = registered_id(sr_url, subject, USER_V2)
    first = get(sr_url, f"/subjects/{subject}/versions/1")
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["subject"], body["version"], body["id"]) == (subject, 1, id1)
    assert "schemaType" not in body, f"AVRO must leave schemaType out: {body}"
    assert same_schema(body["schema"], USER_V1)

    for spelled in ("latest", "-1"):
        latest = get(sr_url, f"/subjects/{subject}/versions/{spelled}")
        assert latest.status_code == 200, (spelled, latest.text)
        assert (latest.json()["version"], latest.json()["id"]) == (2, id2), spelled

    raw = get(sr_url, f"/subjects/{subject}/versions/latest/schema")
    assert raw.status_code == 200, raw.text
    assert same_schema(raw.text, USER_V2)
    assert get(sr_url, f"/subjects/{subject}/versions").json() == [1, 2]
    assert {"subject": subject, "version": 1} in get(sr_url, f"/schemas/ids/{id1}/versions").json()


def test_lookup_answer(sr_url, subject):
    schema_id = registered_id(sr_url, subject, USER_V1)
    answer = requests.post(f"{sr_url}/subjects/{subject}", data=json.dumps({"schema": text(USER_V1)}),
                           headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["subject"], body["version"], body["id"]) == (subject, 1, schema_id)
    assert same_schema(body["schema"], USER_V1)


def test_verbose_compatibility_messages(sr_url, subject):
    registered_id(sr_url, subject, USER_V1)
    assert requests.put(f"{sr_url}/config/{subject}", json={"compatibility": "BACKWARD"},
                        timeout=TIMEOUT).status_code == 200
    path = f"{sr_url}/compatibility/subjects/{subject}/versions/latest"
    body = json.dumps({"schema": text(USER_INCOMPATIBLE)})
    verbose = requests.post(path + "?verbose=true", data=body, headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert verbose.status_code == 200, verbose.text
    answer = verbose.json()
    assert answer["is_compatible"] is False
    assert isinstance(answer.get("messages"), list) and answer["messages"], answer
    assert all(isinstance(message, str) for message in answer["messages"])

    fine = requests.post(path, data=json.dumps({"schema": text(USER_V2)}), headers={"Content-Type": V1},
                         timeout=TIMEOUT)
    assert fine.status_code == 200 and fine.json()["is_compatible"] is True, fine.text


def test_config_and_mode_answers(sr_url, subject):
    registered_id(sr_url, subject, USER_V1)
    assert get(sr_url, "/config").json()["compatibilityLevel"] == "BACKWARD"
    assert_error_body(get(sr_url, f"/config/{subject}"), 404, 40408)
    defaulted = get(sr_url, f"/config/{subject}?defaultToGlobal=true")
    assert defaulted.status_code == 200 and defaulted.json()["compatibilityLevel"] == "BACKWARD", defaulted.text
    put = requests.put(f"{sr_url}/config/{subject}", json={"compatibility": "FULL"}, timeout=TIMEOUT)
    assert put.status_code == 200 and put.json()["compatibility"] == "FULL", put.text
    assert get(sr_url, f"/config/{subject}").json()["compatibilityLevel"] == "FULL"

    assert get(sr_url, "/mode").json()["mode"] == "READWRITE"
    assert_error_body(get(sr_url, f"/mode/{subject}"), 404, 40409)
    defaulted_mode = get(sr_url, f"/mode/{subject}?defaultToGlobal=true")
    assert defaulted_mode.status_code == 200 and defaulted_mode.json()["mode"] == "READWRITE", defaulted_mode.text


def test_schema_types(sr_url):
    answer = get(sr_url, "/schemas/types")
    assert answer.status_code == 200, answer.text
    assert {"AVRO", "JSON"} <= set(answer.json())


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("path", ["/nope", "/subjects/a/versions/1/schema/extra", "/schemas/idz/1", "/v2/subjects"])
def test_unknown_route_is_404(sr_url, path):
    assert_error_body(get(sr_url, path), 404, 404)


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/schemas/ids/1"),
    ("PUT", "/subjects"),
    ("POST", "/schemas/ids/1"),
    ("PATCH", "/config"),
])
def test_wrong_method_is_405(sr_url, method, path):
    answer = requests.request(method, sr_url + path, data=b"{}", headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert_error_body(answer, 405, 405)


@pytest.mark.parametrize("payload", [b'{"schema": ', b"not json", b"[1, 2", b'{"schema": "x",}'])
def test_malformed_json_body(sr_url, subject, payload):
    answer = requests.post(f"{sr_url}/subjects/{subject}/versions", data=payload,
                           headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert_error_body(answer, (400, 422))


@pytest.mark.parametrize("payload", [b"[]", b'"a string"', b"42", b'{"schema": 5}'])
def test_json_of_the_wrong_shape(sr_url, subject, payload):
    answer = requests.post(f"{sr_url}/subjects/{subject}/versions", data=payload,
                           headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert_error_body(answer, (400, 422))


def test_missing_schema_field_is_42201(sr_url, subject):
    answer = requests.post(f"{sr_url}/subjects/{subject}/versions", data=b"{}", headers={"Content-Type": V1},
                           timeout=TIMEOUT)
    assert_error_body(answer, 422, 42201)


def test_invalid_schema_is_42201(sr_url, subject):
    assert_error_body(register(sr_url, subject, {"type": "record", "name": "X"}), 422, 42201)
    bad_text = requests.post(f"{sr_url}/subjects/{subject}/versions", data=json.dumps({"schema": "{nope"}),
                             headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert_error_body(bad_text, 422, 42201)
    assert_error_body(register(sr_url, subject, {"type": 5}, "JSON"), 422, 42201)


def test_unknown_schema_type_is_422(sr_url, subject):
    assert_error_body(register(sr_url, subject, USER_V1, "XML"), 422, 42201)


@pytest.mark.parametrize("id_text", ["abc", "1.5", "-1", "99999999999999999999"])
def test_non_numeric_or_out_of_range_id(sr_url, id_text):
    assert_error_body(get(sr_url, f"/schemas/ids/{id_text}"), (404, 422))


def test_unknown_id_is_40403(sr_url):
    assert_error_body(get(sr_url, "/schemas/ids/2000000000"), 404, 40403)
    assert_error_body(get(sr_url, "/schemas/ids/2000000000/schema"), 404, 40403)


@pytest.mark.parametrize("version", ["abc", "0", "-2", "1.0", "99999999999"])
def test_invalid_version_is_42202(sr_url, subject, version):
    registered_id(sr_url, subject, USER_V1)
    assert_error_body(get(sr_url, f"/subjects/{subject}/versions/{version}"), 422, 42202)


def test_not_found_codes(sr_url, subject):
    registered_id(sr_url, subject, USER_V1)
    assert_error_body(get(sr_url, f"/subjects/{subject}/versions/5"), 404, 40402)
    missing = unique("none")
    assert_error_body(get(sr_url, f"/subjects/{missing}/versions"), 404, 40401)
    assert_error_body(get(sr_url, f"/subjects/{missing}/versions/latest"), 404, 40401)
    assert_error_body(requests.delete(f"{sr_url}/subjects/{missing}", timeout=TIMEOUT), 404, 40401)
    lookup = requests.post(f"{sr_url}/subjects/{missing}", data=json.dumps({"schema": text(USER_V1)}),
                           headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert_error_body(lookup, 404, 40401)
    lookup_other = requests.post(f"{sr_url}/subjects/{subject}", data=json.dumps({"schema": text(USER_V2)}),
                                 headers={"Content-Type": V1}, timeout=TIMEOUT)
    assert_error_body(lookup_other, 404, 40403)


def test_incompatible_registration_is_409(sr_url, subject):
    registered_id(sr_url, subject, USER_V1)
    requests.put(f"{sr_url}/config/{subject}", json={"compatibility": "BACKWARD"}, timeout=TIMEOUT)
    assert_error_body(register(sr_url, subject, USER_INCOMPATIBLE), 409, (409, 40901))


def test_invalid_level_and_mode(sr_url, subject):
    answer = requests.put(f"{sr_url}/config/{subject}", json={"compatibility": "SOMETIMES"}, timeout=TIMEOUT)
    assert_error_body(answer, 422, 42203)
    answer = requests.put(f"{sr_url}/mode/{subject}", json={"mode": "SIDEWAYS"}, timeout=TIMEOUT)
    assert_error_body(answer, 422, 42204)


# ----------------------------------------------------------------------------- media types

@pytest.mark.parametrize("content_type", [
    V1, "application/vnd.schemaregistry+json", "application/json", "application/json; charset=utf-8",
])
def test_request_media_types_accepted(sr_url, content_type):
    subject = unique("media")
    answer = register(sr_url, subject, USER_V1, content_type=content_type)
    assert answer.status_code == 200, (content_type, answer.status_code, answer.text)
    assert isinstance(answer.json()["id"], int)


@pytest.mark.parametrize("accept", [V1, "application/json", "application/vnd.schemaregistry+json", "*/*"])
def test_accept_headers(sr_url, accept):
    answer = get(sr_url, "/subjects", headers={"Accept": accept})
    assert answer.status_code == 200, (accept, answer.text)
    assert isinstance(answer.json(), list)
    assert "json" in answer.headers.get("Content-Type", ""), answer.headers


# ----------------------------------------------------------------------------- connections

def test_keep_alive_several_requests_on_one_connection(server, subject):
    registered_id(server.url, subject, USER_V1)
    conn = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=TIMEOUT)
    try:
        conn.connect()
        first_socket = conn.sock
        paths = ["/subjects", f"/subjects/{subject}/versions", f"/subjects/{subject}/versions/1", "/nope", "/config"]
        for index, path in enumerate(paths * 2):
            conn.request("GET", path, headers={"Accept": V1})
            response = conn.getresponse()
            body = response.read()
            assert response.status == (404 if path == "/nope" else 200), (path, response.status, body)
            assert response.getheader("Connection", "").lower() != "close", (path, response.getheaders())
            assert conn.sock is first_socket, f"the server closed the connection after request {index} ({path})"
        # A POST with a body on the same connection.
        conn.request("POST", f"/subjects/{subject}", body=json.dumps({"schema": text(USER_V1)}),
                     headers={"Content-Type": V1})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        response.read()
        assert conn.sock is first_socket
    finally:
        conn.close()


def test_pipelined_requests_answered_in_order(server):
    url, port = server.url, server.rest_port
    subjects = [unique("pipe") for _ in range(3)]
    ids = [registered_id(url, s, fresh(USER_V1)) for s in subjects]
    batch = b"".join([
        request_bytes("GET", f"/schemas/ids/{ids[0]}", port=port),
        request_bytes("GET", "/nope", port=port),
        request_bytes("GET", f"/schemas/ids/{ids[1]}", port=port),
        request_bytes("POST", f"/subjects/{subjects[2]}", body=json.dumps({"schema": get(
            url, f"/schemas/ids/{ids[2]}").json()["schema"]}).encode(), port=port),
        request_bytes("GET", f"/subjects/{subjects[1]}/versions", port=port),
    ])
    with connect(port) as sock:
        sock.sendall(batch)
        reader = RawReader(sock)
        answers = [reader.read_response() for _ in range(5)]
    assert [a.status for a in answers] == [200, 404, 200, 200, 200], [(a.status, a.body[:200]) for a in answers]
    assert json.loads(answers[0].json()["schema"])["name"] == json.loads(
        get(url, f"/schemas/ids/{ids[0]}").json()["schema"])["name"]
    assert json.loads(answers[2].json()["schema"])["name"] == json.loads(
        get(url, f"/schemas/ids/{ids[1]}").json()["schema"])["name"]
    assert answers[1].json()["error_code"] == 404
    assert (answers[3].json()["subject"], answers[3].json()["id"]) == (subjects[2], ids[2])
    assert answers[4].json() == [1]


def _read_after_bad_request(sock):
    """The status of the server's answer, or None if it closed without one; then expects EOF."""
    reader = RawReader(sock)
    try:
        first = reader.read_response()
    except ConnectionClosed:
        return None, None
    try:
        second = reader.read_response()
    except (ConnectionClosed, socket.timeout):
        second = None
    return first, second


def test_content_length_and_transfer_encoding_together(server):
    port = server.rest_port
    subject = unique("smuggle")
    # The chunked body ends at once; what follows would be a second (smuggled) request
    # for anyone who believed Content-Length instead.
    smuggled = request_bytes("GET", "/subjects", port=port)
    body = json.dumps({"schema": text(USER_V1)}).encode()
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    head = (f"POST /subjects/{subject}/versions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {V1}\r\nContent-Length: {len(chunked) + len(smuggled)}\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n").encode()
    with connect(port, timeout=5) as sock:
        sock.sendall(head + chunked + smuggled)
        first, second = _read_after_bad_request(sock)
    if first is not None:
        assert first.status == 400, f"expected 400 (or a closed connection), got {first.status}: {first.body[:300]}"
        assert second is None, f"the connection stayed open after an ambiguous request: second answer {second.status}"
    assert requests.get(f"{server.url}/subjects/{subject}/versions", timeout=TIMEOUT).status_code == 404, \
        "the ambiguous request registered a schema"


def test_conflicting_content_lengths(server):
    port = server.rest_port
    body = json.dumps({"schema": text(USER_V1)}).encode()
    head = (f"POST /subjects/{unique('cl')}/versions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {V1}\r\nContent-Length: {len(body)}\r\nContent-Length: {len(body) + 1}\r\n\r\n").encode()
    with connect(port, timeout=5) as sock:
        sock.sendall(head + body + b" ")
        first, _ = _read_after_bad_request(sock)
    if first is not None:
        assert first.status == 400, f"expected 400 (or a closed connection), got {first.status}"


def _send_oversized(port, head: bytes, body_chunks):
    """Sends head then the chunks until the server answers, stops reading or closes."""
    sock = connect(port, timeout=5)
    try:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            body_chunks = []
        for chunk in body_chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server answered (or closed) before the end of the body
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                break
        try:
            return RawReader(sock).read_response()
        except (ConnectionClosed, socket.timeout, ConnectionResetError):
            return None
    finally:
        sock.close()


def test_body_over_16_mib_with_content_length(server):
    port = server.rest_port
    total = 16 * MIB + 1024
    head = (f"POST /subjects/{unique('big')}/versions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {V1}\r\nContent-Length: {total}\r\n\r\n").encode()
    payload = b'{"schema": "' + b"x" * (total - 14) + b'"}'
    assert len(payload) == total
    chunks = [payload[i:i + MIB] for i in range(0, total, MIB)]
    answer = _send_oversized(port, head, chunks)
    if answer is not None:
        assert answer.status == 413, f"expected 413 (or a closed connection), got {answer.status}: {answer.body[:300]}"
    assert get(server.url, "/subjects").status_code == 200


def test_body_over_16_mib_chunked(server):
    port = server.rest_port
    head = (f"POST /subjects/{unique('big')}/versions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: {V1}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    piece = b"x" * MIB
    chunks = [b'c\r\n{"schema": "\r\n'] + [f"{MIB:x}\r\n".encode() + piece + b"\r\n" for _ in range(17)] + \
        [b'2\r\n"}\r\n0\r\n\r\n']
    answer = _send_oversized(port, head, chunks)
    if answer is not None:
        assert answer.status == 413, f"expected 413 (or a closed connection), got {answer.status}: {answer.body[:300]}"
    assert get(server.url, "/subjects").status_code == 200


def test_huge_header_refused(server):
    port = server.rest_port
    head = (f"GET /subjects HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Padding: {'a' * (256 * 1024)}\r\n\r\n").encode()
    answer = _send_oversized(port, head, [])
    if answer is not None:
        assert answer.status in (400, 413, 431), f"got {answer.status} for a 256 KiB header"
    assert get(server.url, "/subjects").status_code == 200


def test_server_still_answers_after_abuse(server, subject):
    # Runs after the tests above in file order; also checks a fresh registration end to end.
    schema_id = registered_id(server.url, subject, USER_V1)
    assert get(server.url, f"/schemas/ids/{schema_id}").status_code == 200


# ----------------------------------------------------------------------------- API keys

def _wait_until_accepted(url, header, deadline_s=10.0):
    deadline = time.monotonic() + deadline_s
    while True:
        status = requests.get(url + "/subjects", headers={"Authorization": header}, timeout=TIMEOUT).status_code
        if status == 200 or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_auth_required_and_accepted_forms(auth_server):
    url, key, key_id = auth_server.url, auth_server.api_key, auth_server.api_key_id
    assert_error_body(get(url, "/subjects"), 401, 401)
    assert_error_body(get(url, "/schemas/ids/1"), 401, 401)
    accepted = {
        "basic id:key": basic(key_id, key),
        "basic any:key": basic("whoever", key),
        "bearer key": f"Bearer {key}",
    }
    for name, header in accepted.items():
        answer = get(url, "/subjects", headers={"Authorization": header})
        assert answer.status_code == 200, (name, answer.status_code, answer.text)
    refused = {
        "basic id:wrong": basic(key_id, key[:-2] + ("AA" if not key.endswith("AA") else "BB")),
        "bearer wrong": "Bearer sr_000000000000_nope",
        "bearer empty": "Bearer ",
        "digest": f"Digest {key}",
        "basic garbage": "Basic !!!notbase64",
    }
    for name, header in refused.items():
        assert_error_body(get(url, "/subjects", headers={"Authorization": header}), 401, 401)


def test_roles_and_prefixes(auth_server):
    url, admin = auth_server.url, auth_server.api_key
    prefix = unique("team") + "."
    _, read_key = auth_server.create_key("read", "reader", api_key=admin)
    _, write_key = auth_server.create_key("write", "writer", api_key=admin, subject_prefixes=(prefix,))
    read, write, admin_auth = f"Bearer {read_key}", f"Bearer {write_key}", f"Bearer {admin}"
    assert _wait_until_accepted(url, read) == 200
    assert _wait_until_accepted(url, write) == 200

    body = json.dumps({"schema": text(USER_V1)})
    headers = {"Content-Type": V1}
    mine, other = prefix + "orders", unique("other")
    ok = requests.post(f"{url}/subjects/{mine}/versions", data=body, headers={**headers, "Authorization": write},
                       timeout=TIMEOUT)
    assert ok.status_code == 200, ok.text
    assert requests.post(f"{url}/subjects/{other}/versions", data=body,
                         headers={**headers, "Authorization": admin_auth}, timeout=TIMEOUT).status_code == 200

    # read: reads yes, writes no.
    assert get(url, f"/subjects/{mine}/versions", headers={"Authorization": read}).status_code == 200
    denied = requests.post(f"{url}/subjects/{mine}/versions", data=body, headers={**headers, "Authorization": read},
                           timeout=TIMEOUT)
    assert_error_body(denied, 403, 40301)
    # write with a prefix: only its subjects, and no compatibility changes (admin).
    outside = requests.post(f"{url}/subjects/{other}/versions", data=body,
                            headers={**headers, "Authorization": write}, timeout=TIMEOUT)
    assert_error_body(outside, 403, 40301)
    config = requests.put(f"{url}/config/{mine}", json={"compatibility": "NONE"},
                          headers={"Authorization": write}, timeout=TIMEOUT)
    assert_error_body(config, 403, 40301)
    listed = get(url, "/subjects", headers={"Authorization": write})
    assert listed.status_code == 200
    assert mine in listed.json() and other not in listed.json()


@pytest.mark.parametrize("path", ["/schemas", "/subjects"])
def test_paging_with_extreme_offset_and_limit(sr_url, path):
    # Near Int64's bounds: an empty page, never an overflow.
    for query in ("offset=9223372036854775807&limit=9223372036854775807", "offset=-5&limit=-9223372036854775808"):
        answer = get(sr_url, f"{path}?{query}")
        assert answer.status_code == 200, (query, answer.text)
        assert isinstance(answer.json(), list)


def test_latest_with_metadata(sr_url, subject):
    def register_with(schema, properties):
        body = {"schema": text(schema), "metadata": {"properties": properties}}
        answer = requests.post(f"{sr_url}/subjects/{subject}/versions", json=body, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    requests.put(f"{sr_url}/config/{subject}", json={"compatibility": "NONE"}, timeout=TIMEOUT)
    first = register_with(USER_V1, {"owner": "team-a", "tier": "gold"})
    second = register_with(USER_V2, {"owner": "team-b"})
    found = get(sr_url, f"/subjects/{subject}/metadata?key=owner&value=team-a")
    assert found.status_code == 200 and found.json()["id"] == first, found.text
    assert found.json()["metadata"]["properties"]["tier"] == "gold"
    assert get(sr_url, f"/subjects/{subject}/metadata?key=owner&value=team-b").json()["id"] == second
    assert_error_body(get(sr_url, f"/subjects/{subject}/metadata?key=owner&value=nobody"), 404, 40402)
    assert_error_body(get(sr_url, f"/subjects/{unique('none')}/metadata?key=a&value=b"), 404, 40401)
    assert_error_body(get(sr_url, f"/subjects/{subject}/metadata?key=a"), 422)
