#!/usr/bin/env python3
"""Regenerates the committed seed corpus (fuzz/corpus/<target>/) from the repository's own
test data: proto/testvectors, the Avro and JSON Schema Test Suite fixtures under
Tests/SchemaFormatsTests/Fixtures, and a few hand-written inputs. Needs protoc (to encode
the request seeds). Seeds kept as regressions (crashers found by fuzzing) are named
`regression-*` and are left alone. Run from anywhere: fuzz/make-corpus.py"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
FIXTURES = ROOT / "Tests/SchemaFormatsTests/Fixtures"
VECTORS = ROOT / "proto/testvectors"
PREFACE = bytes.fromhex("895352500d0a0001")  # magic 0x89 "SRP" CR LF, framing version 1


def reset(target):
    folder = FUZZ / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if not old.name.startswith("regression-"):
            old.unlink()
    return folder


def write(folder, name, data):
    if isinstance(data, str):
        data = data.encode()
    (folder / name).write_bytes(data)


def vectors():
    result = {}
    for path in sorted(VECTORS.glob("*.txt")):
        fields = {}
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#") or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
        for key in ("hex", "body_hex", "plain_body_hex"):
            if key in fields:
                fields[key] = bytes.fromhex(fields[key].replace(" ", ""))
        result[path.stem] = fields
    return result


METHODS = [1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 30, 31, 40, 41, 42, 43, 44]
REQUEST_TYPES = {
    1: "HelloRequest", 2: "PingRequest", 3: "ServerInfoRequest", 10: "GetSchemaByIdRequest",
    11: "GetSchemasByIdsRequest", 12: "GetSubjectVersionsByIdRequest", 13: "GetSchemaByVersionRequest",
    14: "LookupSchemaRequest", 15: "ListSubjectsRequest", 16: "ListVersionsRequest",
    17: "SearchSchemasRequest", 20: "RegisterSchemaRequest", 21: "DeleteSubjectRequest",
    22: "DeleteVersionRequest", 30: "CheckCompatibilityRequest", 31: "ValidatePayloadRequest",
    40: "GetConfigRequest", 41: "SetConfigRequest", 42: "DeleteConfigRequest", 43: "GetModeRequest",
    44: "SetModeRequest",
}
AVRO_USER = '{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]}'
TEXT_REQUESTS = {
    1: 'protocol_versions: [1] client_name: "fuzz" compressions: [COMPRESSION_LZ4] credentials { api_key: "k" }',
    2: 'payload: "\\001\\002\\003\\004"',
    10: "id: 42",
    11: "ids: [1, 2, 3, 4294967295]",
    12: "id: 7 include_deleted: true",
    13: 'subject: "orders-value" version: -1 include_deleted: true',
    14: 'subject: "orders-value" schema_type: SCHEMA_TYPE_AVRO schema: %s references { name: "com.example.Address" subject: "address" version: 2 } normalize: true' % json.dumps(AVRO_USER),
    15: 'prefix: "orders" include_deleted: true page_size: 100 page_token: "abc"',
    16: 'subject: "orders-value"',
    17: 'subject_prefix: "o" metadata { key: "owner" value: "team" } metadata { key: "a" value: "b" } tags: ["pii", "gdpr"] text: "User" latest_only: true page_size: 10',
    20: 'subject: "orders-value" schema_type: SCHEMA_TYPE_JSON schema: "{\\"type\\":\\"object\\"}" metadata { key: "owner" value: "team-orders" } tags: "x" normalize: true id: 100 version: 3',
    21: 'subject: "orders-value" permanent: true',
    22: 'subject: "orders-value" version: 2 permanent: true',
    30: 'subject: "orders-value" schema: %s version: -1 all_versions: true verbose: true' % json.dumps(AVRO_USER),
    31: 'subject_version { subject: "orders-value" version: 1 } payload: "{\\"id\\":1}"',
    40: 'subject: "orders-value" default_to_global: true',
    41: 'subject: "orders-value" compatibility: COMPATIBILITY_LEVEL_FULL_TRANSITIVE',
    42: 'subject: "orders-value"',
    43: 'subject: "" default_to_global: true',
    44: 'subject: "orders-value" mode: MODE_IMPORT force: true',
}


def encode(method, text):
    return subprocess.run(
        ["protoc", f"--proto_path={ROOT / 'proto'}", f"--encode=srp.{REQUEST_TYPES[method]}", "srp.proto"],
        input=text.encode(), capture_output=True, check=True).stdout


def frame(kind, code, request_id, body, flags=0):
    return len(body).to_bytes(4, "big") + bytes([kind, flags]) + code.to_bytes(2, "big") + request_id.to_bytes(4, "big") + body


def requests_corpus(vs):
    folder = reset("FuzzRequests")
    for method in METHODS:
        selector = bytes([METHODS.index(method)])
        write(folder, f"{method:02d}-empty", selector)
        if method in TEXT_REQUESTS:
            write(folder, f"{method:02d}-fields", selector + encode(method, TEXT_REQUESTS[method]))
    for name, v in vs.items():
        if v.get("direction") == "client-to-server" and v.get("kind") == "1" and "message" in v:
            body = v.get("plain_body_hex", v["body_hex"])
            write(folder, f"vector-{name}", bytes([METHODS.index(int(v["code"]))]) + body)


def frames_corpus(vs):
    folder = reset("FuzzFrames")
    hello = vs["01-hello-request"]["hex"]
    hello_plain = frame(1, 1, 1, encode(1, 'protocol_versions: [1] client_name: "no-lz4"'))
    start = PREFACE + hello
    for name, v in vs.items():
        if v.get("direction") != "client-to-server":
            continue
        if v.get("expect") == "preface" or v.get("stage") == "preface":
            write(folder, f"vector-{name}", b"\x00" + v["hex"])
        elif name.startswith("01-"):
            write(folder, "vector-01-hello-only", b"\x00" + start)
        elif v.get("lz4_negotiated") == "0":
            write(folder, f"vector-{name}", b"\x00" + PREFACE + hello_plain + v["hex"])
        else:
            write(folder, f"vector-{name}", b"\x00" + start + v["hex"])
    ping = frame(3, 0, 9, b"12345678")
    get = vs["03-get-schema-by-id-request"]["hex"]
    register = vs["14-register-schema-request-lz4"]["hex"]
    session = start + get + ping + frame(4, 0, 3, b"") + register + frame(1, 31, 4, encode(31, TEXT_REQUESTS[31]))
    write(folder, "session-whole", b"\x00" + session)
    write(folder, "session-byte-at-a-time", b"\x01" + session)
    write(folder, "session-7-byte-reads", b"\x07" + session)
    write(folder, "session-shutting-down", b"\x80" + session)
    # Many writes: the bucket (burst 40) throttles, the in-flight cap (4) pauses reading.
    write(folder, "throttled", b"\x00" + start + b"".join(frame(1, 20, i, encode(20, TEXT_REQUESTS[20])) for i in range(2, 12)))
    write(folder, "in-flight-cap", b"\x00" + start + b"".join(frame(1, 10, i, bytes([8, i])) for i in range(2, 12)))
    write(folder, "before-hello", b"\x00" + PREFACE + get)
    write(folder, "ping-before-hello", b"\x00" + PREFACE + ping)
    write(folder, "second-hello", b"\x00" + start + hello)
    write(folder, "hello-lz4-flag", b"\x00" + PREFACE + frame(1, 1, 1, hello[12:], flags=1))
    write(folder, "hello-bad-version", b"\x00" + PREFACE + frame(1, 1, 1, encode(1, "protocol_versions: [2, 3]")))
    write(folder, "hello-not-protobuf", b"\x00" + PREFACE + frame(1, 1, 1, b"\xff\xff\xff"))
    write(folder, "unknown-method", b"\x00" + start + frame(1, 99, 2, b""))
    write(folder, "response-from-client", b"\x00" + start + frame(2, 0, 2, b""))
    write(folder, "goaway-then-request", b"\x00" + start + frame(5, 0, 0, b"") + get)
    write(folder, "truncated-frame", b"\x00" + start + get[:-1])
    for method in METHODS[1:]:
        write(folder, f"request-{method:02d}", b"\x00" + start + frame(1, method, 5, encode(method, TEXT_REQUESTS.get(method, ""))))


def avro_texts():
    texts = []
    for path in sorted((FIXTURES / "avro/schema_tests/pass").iterdir()):
        texts.append((f"pass-{path.name}", path.read_text()))
    for path in sorted((FIXTURES / "avro/schema_tests/fail").iterdir())[:6]:
        texts.append((f"fail-{path.name}", path.read_text()))
    inputs = [l[len("<<INPUT "):] for l in (FIXTURES / "avro/schema-tests.txt").read_text().splitlines() if l.startswith("<<INPUT ")]
    for index, text in enumerate(inputs[::4]):
        texts.append((f"canonical-{index:02d}", text))
    return texts


def avro_corpus():
    folder = reset("FuzzAvroSchema")
    for name, text in avro_texts():
        write(folder, name, text)
    address = '{"type":"record","name":"Address","namespace":"com.example","fields":[{"name":"city","type":"string"}]}'
    person = '{"type":"record","name":"Person","namespace":"com.example","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","com.example.Address"],"default":null}]}'
    write(folder, "reference", address + "\x00" + person)


def suite_groups(draft):
    for path in sorted((FIXTURES / "json-schema-test-suite/tests" / draft).glob("*.json")):
        yield path.stem, json.loads(path.read_text())


def json_schema_corpus():
    folder = reset("FuzzJSONSchema")
    for name, groups in suite_groups("draft2020-12"):
        write(folder, f"2020-12-{name}", json.dumps(groups[0]["schema"]))
    for draft in ("draft7", "draft4"):
        for name, groups in suite_groups(draft):
            if name in ("ref", "definitions", "dependencies", "items", "format"):
                write(folder, f"{draft}-{name}", json.dumps(dict(groups[0]["schema"], **{"$schema": {"draft7": "http://json-schema.org/draft-07/schema#", "draft4": "http://json-schema.org/draft-04/schema#"}[draft]}) if isinstance(groups[0]["schema"], dict) else groups[0]["schema"]))


def payloads_corpus():
    folder = reset("FuzzPayloads")
    fixed = {
        0: ['{"id":1,"ok":true,"price":"\\u0000\\u0001","when":1700000000000,"tag":{"string":"x"},"hash":"0123456789abcdef",'
            '"lines":[{"sku":"a","qty":1,"weight":{"float":1.5}}],"attrs":{"k":{"long":3},"n":null},"next":null}',
            '{"id":"x","lines":[{}],"tag":{"com.example.Kind":"D"},"next":{"com.example.Order":{"id":2}}}'],
        1: ['null', '{"int":1}', '{"array":["a","b"]}', '{"bytes":"\\u00ff"}', '{"double":1e308}'],
        2: ['{"a":"0123456789ab"}', '{"a":"short"}'],
        3: ['{"id":1,"email":"a@b.c","code":"AB-12","lines":[{"sku":"x","qty":1}],"kind":{"x":[1]},"x-y":2,"next":{"id":2,"lines":[{"qty":0.5}]}}',
            '{"id":0,"lines":[],"bad":1}'],
        4: ['{"value":"2024-01-01T00:00:00Z","children":[{"value":3},{"children":[]}]}', '{"value":true,"longpropertyname":1}'],
        5: ['["127.0.0.1","https://example.com",4.9,true,false]', '["x"]'],
    }
    for selector, payloads in fixed.items():
        for index, payload in enumerate(payloads):
            write(folder, f"fixed-{selector}-{index}", bytes([selector]) + payload.encode())
    count = 0
    for name, groups in suite_groups("draft2020-12"):
        if count >= 16:
            break
        group = groups[0]
        for test in group["tests"][:2]:
            write(folder, f"json-{name}-{test['valid']}", b"\x81" + json.dumps(group["schema"]).encode() + b"\x00" + json.dumps(test["data"]).encode())
        count += 1
    avro = [
        ('"long"', "123"), ('["null","string"]', '{"string":"x"}'),
        ('{"type":"enum","name":"E","symbols":["A","B"]}', '"B"'),
        ('{"type":"array","items":{"type":"map","values":"int"}}', '[{"a":1},{}]'),
        ('{"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":4}', '"ab"'),
        ('{"type":"record","name":"R","fields":[{"name":"r","type":["null","R"]}]}', '{"r":{"R":{"r":null}}}'),
    ]
    for index, (schema, payload) in enumerate(avro):
        write(folder, f"avro-{index}", b"\x80" + schema.encode() + b"\x00" + payload.encode())


def soundness_corpus():
    # The input is a stream of choices (one byte each) for SoundnessGenerator: seeded
    # pseudo-random bytes of a few lengths give pairs like the property test's.
    folder = reset("FuzzJSONSchemaSoundness")
    state = 0x5EED
    for index, length in enumerate([16, 48, 96, 160, 256, 384, 512, 768]):
        data = bytearray()
        for _ in range(length):
            state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            data.append(state >> 56)
        write(folder, f"random-{index}-{length}", bytes(data))


def main():
    vs = vectors()
    frames_corpus(vs)
    requests_corpus(vs)
    avro_corpus()
    json_schema_corpus()
    payloads_corpus()
    soundness_corpus()
    for folder in sorted((FUZZ / "corpus").iterdir()):
        files = list(folder.iterdir())
        print(f"{folder.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    sys.exit(main())
