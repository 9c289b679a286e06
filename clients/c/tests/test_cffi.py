#!/usr/bin/env python3
"""A Python binding of libsrclient in a few lines, as the plain C API promises: cffi reads the
declarations of include/srclient_core.h (the text between its srclient-cdef-begin and
srclient-cdef-end markers, as it stands), dlopens the shared library, and talks to a real
server with serialized protobuf bytes built by Python's protobuf package from proto/srp.desc.
No protobuf-c anywhere.

    test_cffi.py <libsrclient.so> <port>

Prints one line per check and "N passed, N failed" (tests/run.sh adds these up)."""
import os
import sys

import cffi
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def declarations(header):
    text = open(os.path.join(HERE, "..", "include", header)).read()
    begin = text.index("/* srclient-cdef-begin */")
    end = text.index("/* srclient-cdef-end */")
    return text[begin:end]


def core_declarations():
    """srclient_core.h, then srclient_serde.h (which builds on it): both as they stand."""
    return declarations("srclient_core.h") + declarations("srclient_serde.h")


def messages():
    files = descriptor_pb2.FileDescriptorSet()
    with open(os.path.join(ROOT, "proto", "srp.desc"), "rb") as f:
        files.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:  # in dependency order
        pool.Add(file)
    return lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName("srp." + name))


def main():
    library, port = sys.argv[1], int(sys.argv[2])
    ffi = cffi.FFI()
    ffi.cdef(core_declarations())  # raises on anything cffi cannot parse
    check("srclient_core.h and srclient_serde.h parse with cffi", True)
    lib = ffi.dlopen(library)
    check("sr_version", ffi.string(lib.sr_version()) == b"0.1.0")
    methods = {}
    for method in range(1, 256):
        name = lib.sr_method_name(method)
        if name != ffi.NULL:
            methods[ffi.string(name).decode()] = method
    check("method ids found by name", methods.get("RegisterSchema") == 20 and methods.get("Hello") == 1, methods)
    message = messages()

    options = lib.sr_options_new()
    lib.sr_options_set_port(options, port)
    lib.sr_options_set_client_name(options, b"python-cffi/test")
    client = lib.sr_connect(options)
    lib.sr_options_free(options)
    check("connect", lib.sr_client_err(client) == lib.SR_OK, ffi.string(lib.sr_client_errstr(client)))

    def call(method, request, timeout=20000):
        body = request.SerializeToString()
        response, length, status = ffi.new("uint8_t **"), ffi.new("size_t *"), ffi.new("unsigned *")
        err = lib.sr_call_bytes(client, methods[method], body, len(body), timeout, response, length, status)
        data = bytes(ffi.buffer(response[0], length[0])) if response[0] != ffi.NULL else b""
        lib.sr_free(response[0])
        return err, status[0], data

    schema = '{"type":"record","name":"FromPython","fields":[{"name":"id","type":"long"}]}'
    request = message("RegisterSchemaRequest")(subject="python-cffi", schema=schema)
    err, status, data = call("RegisterSchema", request)
    registered = message("RegisterSchemaResponse").FromString(data)
    check("RegisterSchema with sr_call_bytes", err == lib.SR_OK and status == lib.SR_STATUS_OK and registered.id > 0,
          (err, status, data))

    err, status, data = call("GetSchemaById", message("GetSchemaByIdRequest")(id=registered.id))
    found = message("GetSchemaByIdResponse").FromString(data)
    check("GetSchemaById reads it back", status == 0 and "FromPython" in found.schema.schema, found)

    err, status, data = call("GetSchemaById", message("GetSchemaByIdRequest")(id=999999))
    error = message("ErrorBody").FromString(data)
    check("an error status with its ErrorBody", err == 0 and status == lib.SR_STATUS_SCHEMA_NOT_FOUND
          and ffi.string(lib.sr_status_name(status)) == b"SCHEMA_NOT_FOUND" and error.message, (status, error))

    # Pipelined, with the loop of the README: append, then take replies while any are pending.
    body = message("GetSchemaByIdRequest")(id=registered.id).SerializeToString()
    request_id = ffi.new("uint32_t *")
    ids = set()
    for _ in range(1000):
        assert lib.sr_append_bytes(client, methods["GetSchemaById"], body, len(body), request_id) == 0
        ids.add(request_id[0])
    reply = ffi.new("sr_reply **")
    answered = set()
    while lib.sr_pending(client) > 0 and lib.sr_get_reply(client, 20000, reply) == lib.SR_OK:
        length = ffi.new("size_t *")
        payload = bytes(ffi.buffer(lib.sr_reply_body(reply[0], length), length[0]))
        if lib.sr_reply_status(reply[0]) == 0 and message("GetSchemaByIdResponse").FromString(payload).schema.id:
            answered.add(lib.sr_reply_request_id(reply[0]))
        lib.sr_reply_free(reply[0])
    check("1,000 pipelined with sr_append_bytes, every reply taken", answered == ids, len(answered))

    raw = lib.sr_call_raw(client, methods["GetSchemaById"], b"\x08\xbf\x84\x3d", 4, 20000)
    check("sr_call_raw: the error message without protobuf",
          raw != ffi.NULL and b"not found" in ffi.string(lib.sr_reply_error_message(raw)).lower())
    lib.sr_reply_free(raw)

    # Kafka payloads through cffi (srclient_serde.h): a serializer registering on first use,
    # a deserializer reading it back, and the errors a consumer meets, by name.
    errbuf = ffi.new("char[512]")
    schema = b'{"type":"record","name":"FromCffi","fields":[{"name":"id","type":"long"},{"name":"b","type":"bytes"}]}'
    value = b'{"id":-3,"b":"\\u0000\\u00ff"}'
    serializer = lib.sr_serializer_new(client, b"python-cffi-value", schema, lib.SR_SCHEMA_AVRO)
    payload, length = ffi.new("uint8_t **"), ffi.new("size_t *")
    err = lib.sr_serialize(serializer, value, len(value), payload, length)
    framed = bytes(ffi.buffer(payload[0], length[0])) if err == lib.SR_OK else b""
    lib.sr_free(payload[0])
    check("sr_serialize registers and frames", err == lib.SR_OK and framed[:1] == b"\0"
          and int.from_bytes(framed[1:5], "big") == lib.sr_serializer_schema_id(serializer)
          and framed[5:] == b"\x05\x04\x00\xff", (ffi.string(lib.sr_serializer_errstr(serializer)), framed))
    deserializer = lib.sr_deserializer_new(client)
    datum = ffi.new("sr_datum **")
    err = lib.sr_deserialize(deserializer, framed, len(framed), datum)
    body = ffi.string(lib.sr_datum_body(datum[0], ffi.NULL)) if err == lib.SR_OK else b""
    check("sr_deserialize reads it back", body == b'{"id":-3,"b":"\\u0000\xc3\xbf"}', body)
    lib.sr_datum_free(datum[0])
    err = lib.sr_deserialize(deserializer, b"{}", 2, datum)
    check("a wrong magic byte is SR_ERR_WIRE_MAGIC", ffi.string(lib.sr_err_name(err)) == b"SR_ERR_WIRE_MAGIC")
    err = lib.sr_deserialize(deserializer, b"\0\0\x0f\x42\x3f", 5, datum)
    check("an unknown id is SR_ERR_UNKNOWN_SCHEMA", err == lib.SR_ERR_UNKNOWN_SCHEMA
          and b"999999" in ffi.string(lib.sr_deserializer_errstr(deserializer)))
    lib.sr_deserializer_free(deserializer)
    lib.sr_serializer_free(serializer)
    indexes, count, offset, schema_id = ffi.new("int32_t[8]"), ffi.new("size_t *"), ffi.new("size_t *"), ffi.new("uint32_t *")
    err = lib.sr_wire_unframe_protobuf(b"\0\0\0\0\x07\x04\x02\x04body", 12, schema_id, indexes, 8, count, offset, errbuf, 512)
    check("sr_wire_unframe_protobuf", err == 0 and schema_id[0] == 7 and list(indexes[0:count[0]]) == [1, 2] and offset[0] == 8)
    lib.sr_client_free(client)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
