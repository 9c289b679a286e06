"""The C library's serializers through the package (srclient.cserdes), against the same server as
the Python ones: cross-language round trips (Python AvroSerializer -> C sr_deserializer, C
sr_serializer -> Python AvroDeserializer and confluent-kafka's AvroDeserializer over REST; the
same for JSON), and bad input on the C path raising the exception that carries the C code."""
from __future__ import annotations

import json
import struct

import pytest
from confluent_kafka.schema_registry.avro import AvroDeserializer as KafkaAvroDeserializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer as KafkaJSONDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

import srclient
from srclient import cserdes, serdes
from srclient.errors import SR_ERR_AVRO_DATA, SR_ERR_AVRO_VALUE, SR_ERR_JSON, SR_ERR_REGISTRY, SR_ERR_SCHEMA
from srclient.errors import SR_ERR_UNKNOWN_SCHEMA, SR_ERR_WIRE_INDEXES, SR_ERR_WIRE_MAGIC, SR_ERR_WIRE_TRUNCATED
from sr_support import make_client, unique
from test_serdes import AVRO, JSON_SCHEMA, PAYMENT

# A record with a union, to see Avro's JSON encoding ({"branch": value}) against Python values.
ORDER = json.dumps({"type": "record", "name": "Order", "namespace": "py.cserdes",
                    "fields": [{"name": "id", "type": "long"},
                               {"name": "note", "type": ["null", "string"], "default": None},
                               {"name": "lines", "type": {"type": "array", "items": {
                                   "type": "record", "name": "Line",
                                   "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}}]})
ORDER_PY = {"id": 7, "note": "gift", "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}
ORDER_AVRO_JSON = {"id": 7, "note": {"string": "gift"}, "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}


@pytest.fixture
def rest(server):
    made = make_client(server.url)
    yield made
    made.close()


def ctx(topic):
    return SerializationContext(topic, MessageField.VALUE)


def test_errors_map_to_exceptions_with_the_c_code():
    from srclient._native import ffi, lib
    from srclient.errors import serde_error
    expected = {14: srclient.PayloadMismatch, 15: srclient.SchemaCompileError, 16: srclient.PayloadMismatch,
                17: srclient.PayloadMismatch, 18: srclient.WrongMagicByte, 19: srclient.TruncatedFrame,
                20: srclient.InvalidMessageIndexes, 21: srclient.UnknownSchemaId, 22: srclient.SerializerRegistryError}
    assert (lib.SR_ERR_JSON, lib.SR_ERR_REGISTRY) == (14, 22)
    for err, cls in expected.items():
        name = ffi.string(lib.sr_err_name(err)).decode()
        error = serde_error(err, name, "why")
        assert type(error) is cls and isinstance(error, srclient.SerializationError)
        assert (error.err, error.err_name) == (err, name) and name.startswith("SR_ERR_") and name in str(error)
    assert isinstance(serde_error(4, "SR_ERR_TIMEOUT", "late"), srclient.RegistryTimeout)
    assert serde_error(22, "SR_ERR_REGISTRY", "INCOMPATIBLE (40901): no").code == 40901


# ----------------------------------------------------------------------------- Avro across languages

def test_python_avro_to_c_deserializer(client):
    topic = unique("py-c-avro")
    data = serdes.AvroSerializer(client, ORDER)(ORDER_PY, ctx(topic))
    datum = cserdes.CDeserializer(client).deserialize(data)
    assert datum.schema_id == client.get_latest(f"{topic}-value").id
    assert datum.schema_type == "AVRO" and datum.message_indexes == []
    assert datum.value() == ORDER_AVRO_JSON  # the C side speaks Avro's JSON encoding
    assert cserdes.CDeserializer(client)(serdes.AvroSerializer(client, AVRO)(PAYMENT, ctx(topic + "-p"))) == PAYMENT


def test_c_avro_to_python_and_confluent(client, rest):
    topic = unique("py-c-avro")
    serializer = cserdes.CSerializer(client, f"{topic}-value", ORDER)
    assert serializer.schema_id is None
    data = serializer(ORDER_AVRO_JSON)
    assert serializer.schema_id == client.get_latest(f"{topic}-value").id
    assert data[:5] == struct.pack(">bI", 0, serializer.schema_id)
    assert serdes.AvroDeserializer(client)(data, ctx(topic)) == ORDER_PY
    assert KafkaAvroDeserializer(rest)(data, ctx(topic)) == ORDER_PY
    # Byte for byte what the Python serializer (fastavro) writes for the same record.
    assert serdes.AvroSerializer(client, ORDER)(ORDER_PY, ctx(topic)) == data
    # Text in, and the C deserializer back to the same text.
    text = json.dumps(ORDER_AVRO_JSON, separators=(",", ":"))
    assert serializer.serialize(text) == data
    assert cserdes.CDeserializer(client).deserialize(data).body == text


def test_c_avro_lookup_only_and_registry_refusal(client):
    topic = unique("py-c-avro")
    cserdes.CSerializer(client, f"{topic}-value", AVRO)(PAYMENT)
    assert cserdes.CSerializer(client, f"{topic}-value", AVRO, auto_register=False)(PAYMENT)[0] == 0
    not_there = cserdes.CSerializer(client, f"{topic}-value", ORDER, auto_register=False)
    with pytest.raises(srclient.SerializerRegistryError) as caught:
        not_there(ORDER_AVRO_JSON)
    assert caught.value.err == SR_ERR_REGISTRY and caught.value.err_name == "SR_ERR_REGISTRY"


def test_c_avro_schema_codec_matches_fastavro():
    import io
    import fastavro
    schema = cserdes.AvroSchema(ORDER)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(ORDER)), ORDER_PY)
    assert schema.encode(ORDER_AVRO_JSON) == out.getvalue()
    assert json.loads(schema.decode(out.getvalue())) == ORDER_AVRO_JSON


# ----------------------------------------------------------------------------- bad input on the C path

@pytest.fixture
def avro_payload(client):
    return cserdes.CSerializer(client, f"{unique('py-c-bad')}-value", ORDER)(ORDER_AVRO_JSON)


def _c_error(call, cls, err):
    with pytest.raises(cls) as caught:
        call()
    assert caught.value.err == err, caught.value
    assert caught.value.err_name in str(caught.value)
    return caught.value


def test_c_wrong_magic_byte(client, avro_payload):
    d = cserdes.CDeserializer(client)
    _c_error(lambda: d.deserialize(b"\x01" + avro_payload[1:]), srclient.WrongMagicByte, SR_ERR_WIRE_MAGIC)
    _c_error(lambda: d.deserialize(b'{"id": 7}'), srclient.WrongMagicByte, SR_ERR_WIRE_MAGIC)
    _c_error(lambda: cserdes.unframe(b"\x07\x00\x00\x00\x01"), srclient.WrongMagicByte, SR_ERR_WIRE_MAGIC)


@pytest.mark.parametrize("length", [0, 1, 4])
def test_c_truncated_frame(client, avro_payload, length):
    d = cserdes.CDeserializer(client)
    _c_error(lambda: d.deserialize(avro_payload[:length]), srclient.TruncatedFrame, SR_ERR_WIRE_TRUNCATED)
    _c_error(lambda: cserdes.unframe(avro_payload[:length]), srclient.TruncatedFrame, SR_ERR_WIRE_TRUNCATED)


def test_c_unknown_schema_id(client):
    d = cserdes.CDeserializer(client)
    error = _c_error(lambda: d.deserialize(cserdes.frame(2_000_000_000, b"\x02")), srclient.UnknownSchemaId,
                     SR_ERR_UNKNOWN_SCHEMA)
    assert error.schema_id == 2_000_000_000


def test_c_avro_bytes_not_matching_the_schema(client, avro_payload):
    d = cserdes.CDeserializer(client)
    assert d.deserialize(avro_payload).value() == ORDER_AVRO_JSON
    header = avro_payload[:5]
    for body in (avro_payload[5:-1],                       # cut short
                 avro_payload[5:] + b"\x00",               # a byte left over
                 b"\x0e\x04",                              # union index 2 of a 2-branch union
                 b"\x0e\x00\xfe\xff\xff\xff\x0f"):         # an array block count with no items behind it
        _c_error(lambda: d.deserialize(header + body), srclient.PayloadMismatch, SR_ERR_AVRO_DATA)
    assert d.deserialize(avro_payload).value() == ORDER_AVRO_JSON  # still usable afterwards


def test_c_value_and_schema_errors(client):
    serializer = cserdes.CSerializer(client, f"{unique('py-c-bad')}-value", ORDER)
    _c_error(lambda: serializer({"id": "seven", "lines": []}), srclient.PayloadMismatch, SR_ERR_AVRO_VALUE)
    _c_error(lambda: serializer.serialize('{"id": 7,'), srclient.PayloadMismatch, SR_ERR_JSON)
    _c_error(lambda: cserdes.CSerializer(client, "x-value", '{"type": "record", "name": "R", "fields": '
                                                            '[{"name": "a", "type": "Nope"}]}'),
             srclient.SchemaCompileError, SR_ERR_SCHEMA)
    _c_error(lambda: cserdes.AvroSchema(ORDER).decode(b"\x0e"), srclient.PayloadMismatch, SR_ERR_AVRO_DATA)


def test_c_protobuf_frame_indexes():
    framed = cserdes.frame_protobuf(5, [2, 1], b"msg")
    assert framed == serdes.frame(5, b"msg", [2, 1])
    assert cserdes.unframe_protobuf(framed) == (5, [2, 1], b"msg")
    _c_error(lambda: cserdes.unframe_protobuf(b"\x00\x00\x00\x00\x05\x01"), srclient.InvalidMessageIndexes,
             SR_ERR_WIRE_INDEXES)  # a negative count (zigzag 1 = -1)


def test_closed_client_raises_instead_of_crashing(server, avro_payload):
    made = srclient.Client("127.0.0.1", server.srp_port, timeout=10)
    d = cserdes.CDeserializer(made)
    s = cserdes.CSerializer(made, f"{unique('py-c-closed')}-value", AVRO)
    made.close()
    with pytest.raises(ValueError, match="closed"):
        d.deserialize(avro_payload)
    with pytest.raises(ValueError, match="closed"):
        s(PAYMENT)


# ----------------------------------------------------------------------------- JSON across languages

def test_json_across_languages(client, rest):
    value = {"id": "j-1", "amount": 3.25}
    topic = unique("py-c-json")
    ours = serdes.JSONSerializer(client, JSON_SCHEMA)(value, ctx(topic))
    datum = cserdes.CDeserializer(client).deserialize(ours)
    assert datum.schema_type == "JSON" and datum.value() == value
    other = unique("py-c-json")
    from_c = cserdes.CSerializer(client, f"{other}-value", JSON_SCHEMA, "JSON")(value)
    assert from_c[0] == 0 and json.loads(from_c[5:]) == value
    assert serdes.JSONDeserializer(client)(from_c, ctx(other)) == value
    assert KafkaJSONDeserializer(None, schema_registry_client=rest)(from_c, ctx(other)) == value
    d = cserdes.CDeserializer(client)
    _c_error(lambda: d.deserialize(from_c[:5] + b'{"id": '), srclient.PayloadMismatch, SR_ERR_JSON)
