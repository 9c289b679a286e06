#!/usr/bin/env python3
"""Regenerates the golden SRP frames in proto/testvectors/*.txt.

Independent of the Swift implementation on purpose: protobuf bodies come from
`protoc --encode` (text format in, wire bytes out), LZ4 blocks from liblz4 through
lz4block.c, and frame headers from struct.pack. Needs python3, protoc, cc and liblz4-dev.

    python3 proto/testvectors/tools/generate.py          # rewrite the vectors
    python3 proto/testvectors/tools/generate.py --check  # exit 1 if any file would change

The LZ4 bytes are whatever the installed liblz4 produces (1.9.4 when these were made).
A different liblz4 may compress differently but still validly: decoders must only
depend on decompression, never on a compressor reproducing these exact bytes.
"""

import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)
PROTO = os.path.dirname(VECTORS)

REQUEST, RESPONSE, PING, PONG, GOAWAY = 1, 2, 3, 4, 5
LZ4 = 0x01
DEFAULT_MAX_BODY = 4 * 1024 * 1024
PREFACE = bytes([0x89, 0x53, 0x52, 0x50, 0x0D, 0x0A, 0x00, 0x01])

_lz4block = None


def lz4_tool():
    global _lz4block
    if _lz4block is None:
        out = os.path.join(tempfile.mkdtemp(), "lz4block")
        subprocess.run(["cc", "-O2", "-o", out, os.path.join(HERE, "lz4block.c"), "-llz4"], check=True)
        _lz4block = out
    return _lz4block


def lz4_block(data):
    block = subprocess.run([lz4_tool()], input=data, capture_output=True, check=True).stdout
    # Check the block with liblz4's own safe decoder before trusting it.
    back = subprocess.run([lz4_tool(), "-d", str(len(data))], input=block, capture_output=True, check=True).stdout
    assert back == data
    return block


def lz4_body(data):
    """[u32 big-endian uncompressed length][LZ4 block]."""
    return struct.pack(">I", len(data)) + lz4_block(data)


def pb(message, text):
    """Encodes protobuf text format as `message` (without the srp. prefix) with protoc."""
    return subprocess.run(
        ["protoc", "-I", PROTO, "--encode=srp." + message, os.path.join(PROTO, "srp.proto")],
        input=text.encode(), capture_output=True, check=True).stdout


def header(length, kind, flags, code, request_id):
    return struct.pack(">IBBHI", length, kind, flags, code, request_id)


def frame(kind, flags, code, request_id, body):
    return header(len(body), kind, flags, code, request_id) + body


def hexs(data):
    return data.hex()


def frame_hex(data):
    """Hex of a frame with a space between the header fields and before the body (and after
    the 4-byte length of an LZ4 body), for people; parsers ignore the spaces."""
    parts = [data[0:4], data[4:5], data[5:6], data[6:8], data[8:12]]
    lz4 = len(data) >= 6 and data[5] & LZ4
    return " ".join(p.hex() for p in parts if p) + ((" " + body_hex(data[12:], lz4)) if data[12:] else "")


def body_hex(body, lz4):
    return body[:4].hex() + " " + body[4:].hex() if lz4 and len(body) > 4 else body.hex()


JSON_SCHEMA = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.com/schemas/order-created.json",
  "title": "OrderCreated",
  "description": "Emitted once when a customer places an order.",
  "type": "object",
  "required": ["orderId", "customerId", "createdAt", "currency", "lines"],
  "additionalProperties": false,
  "properties": {
    "orderId": {"type": "string", "format": "uuid", "description": "Unique id of the order."},
    "customerId": {"type": "string", "format": "uuid", "description": "Id of the customer who ordered."},
    "createdAt": {"type": "string", "format": "date-time", "description": "When the order was placed."},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 currency code."},
    "lines": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "required": ["sku", "quantity", "unitPrice"],
        "additionalProperties": false,
        "properties": {
          "sku": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Stock keeping unit."},
          "quantity": {"type": "integer", "minimum": 1, "description": "How many units were ordered."},
          "unitPrice": {"type": "number", "minimum": 0, "description": "Price of one unit in the currency."},
          "discount": {"type": "number", "minimum": 0, "maximum": 1, "description": "Fraction taken off."}
        }
      }
    },
    "shippingAddress": {
      "type": "object",
      "required": ["line1", "city", "country"],
      "properties": {
        "line1": {"type": "string", "description": "Street and number."},
        "line2": {"type": "string", "description": "Flat, floor, building."},
        "city": {"type": "string", "description": "City or town."},
        "postalCode": {"type": "string", "description": "Postal code, if the country has them."},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2 code."}
      }
    },
    "notes": {"type": "string", "maxLength": 1000, "description": "Free text from the customer."}
  }
}"""

AVRO_USER = '{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}'

AVRO_ORDER = ('{"type":"record","name":"Order","namespace":"com.example","fields":['
              + ",".join('{"name":"field%d","type":"string","doc":"Field number %d of the order record."}' % (i, i)
                         for i in range(12))
              + "]}")


def pbstr(s):
    """A protobuf text-format string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def vectors():
    v = []

    def add(number, name, meaning, direction, expect, **fields):
        v.append((number, name, meaning, direction, expect, fields))

    def add_frame(number, name, meaning, direction, kind, flags, code, request_id, body,
                  plain=None, message=None, max_body=None):
        fields = dict(hex=frame_hex(frame(kind, flags, code, request_id, body)), kind=kind, flags=flags, code=code,
                      request_id=request_id, body_hex=body_hex(body, flags & LZ4))
        if plain is not None:
            fields["plain_body_hex"] = hexs(plain)
        if message:
            fields["message"] = "srp." + message
        if max_body is not None:
            fields["max_body"] = max_body
        add(number, name, meaning, direction, "frame", **fields)

    # ------------------------------------------------------------------ good traffic
    add(0, "preface", "connection preface: magic 89 'SRP' CR LF, framing version 1", "client-to-server",
        "preface", hex=PREFACE[:6].hex() + " " + PREFACE[6:].hex(), version=1)

    hello = pb("HelloRequest", 'protocol_versions: 1 client_name: "srp-example/1.0" compressions: COMPRESSION_LZ4')
    add_frame(1, "hello-request",
              "REQUEST, method 1 (Hello), request id 1, body HelloRequest{protocol_versions: [1], "
              "client_name: \"srp-example/1.0\", compressions: [LZ4]}; sent before the handshake, so the "
              "16 KiB pre-handshake limit applies",
              "client-to-server", REQUEST, 0, 1, 1, hello, message="HelloRequest", max_body=16384)

    hello_ok = pb("HelloResponse", 'protocol_version: 1 compression: COMPRESSION_LZ4 max_frame_size: 4194304 '
                  'token_rate: 100000 token_burst: 20000 max_in_flight: 1024 server_id: "sr-1" '
                  'compression_threshold: 512 server_version: "0.1.0" request_deadlines: true')
    add_frame(2, "hello-response",
              "RESPONSE, status 0 (OK), request id 1, body HelloResponse{protocol_version: 1, compression: LZ4, "
              "max_frame_size: 4194304, token_rate: 100000, token_burst: 20000, max_in_flight: 1024, "
              "server_id: \"sr-1\", compression_threshold: 512, server_version: \"0.1.0\", request_deadlines: true}: "
              "what a server with the default settings (and server-id sr-1) answers vector 01",
              "server-to-client", RESPONSE, 0, 0, 1, hello_ok, message="HelloResponse")

    get = pb("GetSchemaByIdRequest", "id: 42")
    add_frame(3, "get-schema-by-id-request",
              "REQUEST, method 10 (GetSchemaById), request id 7, body GetSchemaByIdRequest{id: 42}",
              "client-to-server", REQUEST, 0, 10, 7, get, message="GetSchemaByIdRequest")

    got = pb("GetSchemaByIdResponse", "schema { id: 42 schema: %s }" % pbstr(AVRO_USER))
    add_frame(4, "get-schema-by-id-response",
              "RESPONSE, status 0 (OK), request id 7, body GetSchemaByIdResponse{schema: {id: 42, "
              "schema_type: AVRO (default, so absent), schema: %s}}; %d bytes, under the 512-byte "
              "threshold, so plain" % (AVRO_USER, len(got)),
              "server-to-client", RESPONSE, 0, 0, 7, got, message="GetSchemaByIdResponse")

    big = pb("GetSchemaByIdResponse", "schema { id: 43 schema_type: SCHEMA_TYPE_JSON schema: %s }" % pbstr(JSON_SCHEMA))
    assert len(big) >= 1024
    big_lz4 = lz4_body(big)
    add_frame(5, "get-schema-by-id-response-lz4",
              "RESPONSE, status 0 (OK), flags LZ4, request id 8, body GetSchemaByIdResponse{schema: {id: 43, "
              "schema_type: JSON, schema: <a %d-byte JSON Schema for an OrderCreated event>}}: %d plain bytes "
              "sent as a %d-byte body = u32 big-endian length %d (0x%08x) + %d-byte LZ4 block"
              % (len(JSON_SCHEMA), len(big), len(big_lz4), len(big), len(big), len(big_lz4) - 4),
              "server-to-client", RESPONSE, LZ4, 0, 8, big_lz4, plain=big, message="GetSchemaByIdResponse")

    not_found = pb("ErrorBody", 'code: 40403 message: "Schema 99 not found."')
    add_frame(6, "error-schema-not-found",
              "RESPONSE, status 40403 (schema not found), request id 9, body ErrorBody{code: 40403, "
              "message: \"Schema 99 not found.\"}: the answer to GetSchemaById{id: 99}",
              "server-to-client", RESPONSE, 0, 40403, 9, not_found, message="ErrorBody")

    # Map entries: protoc writes them in key order here; a re-serialiser must be deterministic
    # (sorted keys) to reproduce the bytes.
    incompatible = pb("ErrorBody",
                      'code: 40901 message: "Schema being registered is incompatible with an earlier schema '
                      'for subject \'orders-value\'" '
                      'details { key: "0" value: "reader field \'email\' has no default and is missing from the writer" } '
                      'details { key: "1" value: "field \'amount\' changed type from double to string" }')
    add_frame(7, "error-incompatible-with-details",
              "RESPONSE, status 40901 (incompatible schema), request id 11, body ErrorBody{code: 40901, message, "
              "details: {\"0\": first reason, \"1\": second reason}}: the answer to a RegisterSchema",
              "server-to-client", RESPONSE, 0, 40901, 11, incompatible, message="ErrorBody")

    throttled = pb("ErrorBody", 'code: 13 message: "rate limit of 100000 tokens/s exceeded (RegisterSchema costs 10)" '
                   'retry_after_ms: 3')
    add_frame(8, "throttled",
              "RESPONSE, status 13 (THROTTLED), request id 12, body ErrorBody{code: 13, message, retry_after_ms: 3}: "
              "the request was not executed; retry it after 3 ms",
              "server-to-client", RESPONSE, 0, 13, 12, throttled, message="ErrorBody")

    payload = bytes.fromhex("0000018f2a3b4c5d")
    add_frame(9, "ping", "PING, code 0, request id 1, an opaque 8-byte body (here a timestamp)",
              "client-to-server", PING, 0, 0, 1, payload)
    add_frame(10, "pong", "PONG answering vector 09: same request id, same body",
              "server-to-client", PONG, 0, 0, 1, payload)

    shutting = pb("ErrorBody", 'code: 16 message: "server shutting down"')
    add_frame(11, "goaway-shutting-down",
              "GOAWAY, status 16 (SHUTTING_DOWN), request id 12 (the last request the server will process), "
              "body ErrorBody{code: 16, message: \"server shutting down\"}",
              "server-to-client", GOAWAY, 0, 16, 12, shutting, message="ErrorBody")

    bad_preface_goaway = pb("ErrorBody", 'code: 2 message: "expected the SRP preface 89 53 52 50 0D 0A, got '
                            '\'GET / HTTP/1.1\\\\r\\\\n\' (HTTP?): this port speaks SRP"')
    add_frame(12, "goaway-bad-preface",
              "GOAWAY, status 2 (BAD_PREFACE), request id 0 (nothing was processed), body ErrorBody{code: 2, "
              "message}: what the server sends before closing on an HTTP request (vector 20)",
              "server-to-client", GOAWAY, 0, 2, 0, bad_preface_goaway, message="ErrorBody")

    info = pb("ServerInfoRequest", "")
    assert info == b""
    add_frame(13, "empty-body-request",
              "REQUEST, method 3 (ServerInfo), request id 13, empty body: ServerInfoRequest{} encodes to "
              "zero bytes, so the body length is 0",
              "client-to-server", REQUEST, 0, 3, 13, info, message="ServerInfoRequest")

    register = pb("RegisterSchemaRequest", 'subject: "orders-value" schema: %s metadata { key: "owner" value: "team-orders" }'
                  % pbstr(AVRO_ORDER))
    register_lz4 = lz4_body(register)
    add_frame(14, "register-schema-request-lz4",
              "REQUEST, flags LZ4, method 20 (RegisterSchema), request id 14, body RegisterSchemaRequest{subject: "
              "\"orders-value\", schema: <a %d-byte Avro record>, metadata: {\"owner\": \"team-orders\"}}: %d plain "
              "bytes sent as %d = 4-byte length + LZ4 block" % (len(AVRO_ORDER), len(register), len(register_lz4)),
              "client-to-server", REQUEST, LZ4, 20, 14, register_lz4, plain=register, message="RegisterSchemaRequest")

    registered = pb("RegisterSchemaResponse", "id: 44 version: 3 created: true")
    add_frame(15, "register-schema-response",
              "RESPONSE, status 0 (OK), request id 14, body RegisterSchemaResponse{id: 44, version: 3, created: true}",
              "server-to-client", RESPONSE, 0, 0, 14, registered, message="RegisterSchemaResponse")

    # Watch (PROTOCOL.md 19): one request answered by several RESPONSEs under its id.
    watch = pb("WatchRequest", 'subject_prefixes: "orders-" after_position: 812 log_id: "6f1c0b1e"')
    add_frame(16, "watch-request",
              "REQUEST, method 60 (Watch), request id 5, body WatchRequest{subject_prefixes: [\"orders-\"], "
              "after_position: 812, log_id: \"6f1c0b1e\"}: resume after position 812 of that change log",
              "client-to-server", REQUEST, 0, 60, 5, watch, message="WatchRequest")
    watching = pb("WatchResponse", 'log_id: "6f1c0b1e" position: 812')
    add_frame(17, "watch-response",
              "RESPONSE, status 0, request id 5: the Watch's first answer, WatchResponse{log_id: \"6f1c0b1e\", "
              "position: 812, resync: false}; events follow under the same request id",
              "server-to-client", RESPONSE, 0, 0, 5, watching, message="WatchResponse")
    events = pb("WatchEvents",
                'events { position: 813 type: WATCH_EVENT_TYPE_VERSION_REGISTERED subject: "orders-value" '
                'versions: 3 id: 40 } '
                'events { position: 815 type: WATCH_EVENT_TYPE_CONFIG_CHANGED compatibility: COMPATIBILITY_LEVEL_FULL } '
                'position: 816')
    add_frame(18, "watch-events",
              "RESPONSE, status 0, request id 5 again: a WatchEvents body with two events, version 3 (id 40) of "
              "orders-value registered at position 813 and the global compatibility set to FULL at 815; every "
              "change up to 816 was considered (814 and 816 concerned other subjects)",
              "server-to-client", RESPONSE, 0, 0, 5, events, message="WatchEvents")
    unwatch = pb("UnwatchRequest", "watch_request_id: 5")
    add_frame(19, "unwatch-request",
              "REQUEST, method 61 (Unwatch), request id 9, body UnwatchRequest{watch_request_id: 5}: nothing is "
              "sent under request id 5 after its UnwatchResponse",
              "client-to-server", REQUEST, 0, 61, 9, unwatch, message="UnwatchRequest")

    # ------------------------------------------------------------------ errors: preface
    add(20, "bad-preface-http", "an HTTP request where the preface belongs: rejected at its first byte 'G' (0x47 != 0x89)",
        "client-to-server", "error", stage="preface", hex=hexs(b"GET / HTTP/1.1\r\n"), error_status=2)
    tls = bytes.fromhex("16030102000100 01fc0303".replace(" ", "")) + bytes(range(0x10, 0x20))
    add(21, "bad-preface-tls", "the start of a TLS ClientHello (record type 0x16, version 03 01): rejected at its first byte",
        "client-to-server", "error", stage="preface", hex=hexs(tls), error_status=2)
    add(22, "unsupported-framing-version", "a correct magic with framing version 2, which this version does not speak",
        "client-to-server", "error", stage="preface", hex=PREFACE[:6].hex() + " 0002", error_status=3)

    # ------------------------------------------------------------------ errors: frame header
    add(23, "unknown-kind", "a frame header with kind 6, which no version defines yet",
        "client-to-server", "error", stage="frame", hex=frame_hex(header(2, 6, 0, 0, 21) + b"\x08\x01"), error_status=6)
    add(24, "kind-zero", "a frame header with kind 0, never valid",
        "client-to-server", "error", stage="frame", hex=frame_hex(header(0, 0, 0, 0, 22)), error_status=6)
    add(25, "reserved-flag-bit", "a REQUEST with flag bit 0x02 set: reserved bits must be zero",
        "client-to-server", "error", stage="frame", hex=frame_hex(header(2, REQUEST, 0x02, 10, 23) + get), error_status=5)
    add(26, "length-over-limit",
        "a REQUEST header announcing a 16385-byte body while the limit is 16384 (before the handshake): "
        "rejected from the 12-byte header alone, none of the body is needed",
        "client-to-server", "error", stage="frame", hex=frame_hex(header(16385, REQUEST, 0, 1, 1)), error_status=4,
        max_body=16384)
    add(27, "length-over-limit-lz4",
        "an LZ4 REQUEST header announcing a 4194309-byte body: the limit for an LZ4 body is max_body + 4 "
        "(the length prefix) = 4194308",
        "client-to-server", "error", stage="frame", hex=frame_hex(header(4194309, REQUEST, LZ4, 10, 24)), error_status=4)
    add(28, "http-response-as-frame",
        "a client that reached an HTTP server reads 'HTTP/1.1 400 Bad Request' as a header: length 0x48545450, "
        "kind 0x2F ('/'): rejected as an unknown kind before the length is considered",
        "server-to-client", "error", stage="frame", hex=hexs(b"HTTP/1.1 400 Bad Request\r\n"), error_status=6)

    # ------------------------------------------------------------------ errors: LZ4 bodies
    small = pb("GetSchemaByIdResponse", "schema { id: 42 schema: %s }" % pbstr(AVRO_USER))
    small_block = lz4_block(small)

    def add_body_error(number, name, meaning, body, lz4_negotiated=1, max_body=None):
        fields = dict(stage="body", hex=frame_hex(frame(RESPONSE, LZ4, 0, number, body)), kind=RESPONSE, flags=LZ4,
                      code=0, request_id=number, body_hex=body_hex(body, True), lz4_negotiated=lz4_negotiated,
                      error_status=12)
        if max_body is not None:
            fields["max_body"] = max_body
        add(number, name, meaning, "server-to-client", "error", **fields)

    add_body_error(30, "lz4-not-negotiated",
                   "a valid LZ4 body on a connection whose handshake chose no compression",
                   struct.pack(">I", len(small)) + small_block, lz4_negotiated=0)
    add_body_error(31, "lz4-declared-over-limit",
                   "an LZ4 body declaring 4194305 uncompressed bytes, one over max_body: refused before allocating",
                   struct.pack(">I", 4194305) + small_block)
    add_body_error(32, "lz4-declared-beyond-ratio",
                   "an LZ4 body declaring 1000 bytes from a 3-byte block: LZ4 cannot expand more than 255:1 "
                   "(3 x 255 = 765), so refused before allocating",
                   struct.pack(">I", 1000) + bytes.fromhex("1f0001"))
    add_body_error(33, "lz4-declared-too-large",
                   "a valid block of %d bytes declared as %d: it does not decode to exactly the declared size"
                   % (len(small), len(small) + 1), struct.pack(">I", len(small) + 1) + small_block)
    add_body_error(34, "lz4-declared-too-small",
                   "a valid block of %d bytes declared as %d: decoding overflows the declared size"
                   % (len(small), len(small) - 1), struct.pack(">I", len(small) - 1) + small_block)
    add_body_error(35, "lz4-truncated-block",
                   "a valid block with its last 4 bytes cut off, declared as the full %d bytes" % len(small),
                   struct.pack(">I", len(small)) + small_block[:-4])
    add_body_error(36, "lz4-no-length-prefix",
                   "an LZ4 body of 2 bytes: too short to hold the 4-byte uncompressed length",
                   bytes.fromhex("0001"))

    # ------------------------------------------------------------------ errors: protobuf
    garbage = bytes.fromhex("0a0501")
    add(37, "malformed-request-body",
        "REQUEST, method 10 (GetSchemaById), request id 37, body 0a 05 01: field 1 claims 5 bytes but 1 follows; "
        "frame and body are fine, parsing GetSchemaByIdRequest fails, the server answers MALFORMED_REQUEST",
        "client-to-server", "error", stage="message", hex=frame_hex(frame(REQUEST, 0, 10, 37, garbage)), kind=REQUEST,
        flags=0, code=10, request_id=37, body_hex=hexs(garbage), message="srp.GetSchemaByIdRequest", error_status=11)
    return v


ORDER = ["name", "meaning", "direction", "expect", "stage", "hex", "version", "kind", "flags", "code", "request_id",
         "body_hex", "plain_body_hex", "message", "lz4_negotiated", "max_body", "error_status"]


def render(number, name, meaning, direction, expect, fields):
    values = dict(fields, name=name, meaning=meaning, direction=direction, expect=expect)
    assert set(values) <= set(ORDER), set(values) - set(ORDER)
    lines = ["# Generated by proto/testvectors/tools/generate.py. Format: proto/testvectors/README.md."]
    for key in ORDER:
        if key in values:
            value = str(values[key])
            assert "\n" not in value
            lines.append(("%s: %s" % (key, value)).rstrip())
    return "%02d-%s.txt" % (number, name), "\n".join(lines) + "\n"


def main():
    check = "--check" in sys.argv
    changed = []
    for vector in vectors():
        filename, text = render(*vector)
        path = os.path.join(VECTORS, filename)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            changed.append(filename)
            if not check:
                with open(path, "w") as f:
                    f.write(text)
    for filename in changed:
        print(("would change " if check else "wrote ") + filename)
    if check and changed:
        sys.exit(1)


if __name__ == "__main__":
    main()
