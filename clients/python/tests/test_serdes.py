"""The wire format (frame/unframe, message indexes) and the serializers against a real server."""
from __future__ import annotations

import json
import struct

import pytest
from confluent_kafka.serialization import (Deserializer, MessageField, SerializationContext, Serializer)

import srclient
from srclient import serdes
from srclient.serdes import frame, unframe
from sr_support import unique
from protos import Line, Money, Order, Payment, Refund

AVRO = json.dumps({"type": "record", "name": "Payment", "namespace": "py.serdes",
                   "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"},
                              {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []}]})
AVRO_V2 = json.dumps({"type": "record", "name": "Payment", "namespace": "py.serdes",
                      "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"},
                                 {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
                                 {"name": "currency", "type": "string", "default": "EUR"}]})
JSON_SCHEMA = json.dumps({"type": "object", "title": "Payment",
                          "properties": {"id": {"type": "string"}, "amount": {"type": "number"}},
                          "required": ["id", "amount"]})
PAYMENT = {"id": "p-1", "amount": 12.5, "tags": ["a", "b"]}


def ctx(topic):
    return SerializationContext(topic, MessageField.VALUE)


# ----------------------------------------------------------------------------- frame / unframe

def test_frame_layout():
    assert frame(1, b"xyz") == b"\x00\x00\x00\x00\x01xyz"
    assert frame(0x01020304, b"") == b"\x00\x01\x02\x03\x04"
    assert unframe(b"\x00\x00\x00\x01\x00payload") == (256, b"payload", None)
    assert unframe(frame(4_000_000_000, b"p")).schema_id == 4_000_000_000
    with pytest.raises(ValueError):
        frame(2 ** 32, b"")


@pytest.mark.parametrize("indexes, encoded", [
    ([0], b"\x00"), ([], b"\x00"), ([1], b"\x02\x02"), ([0, 0], b"\x04\x00\x00"), ([2, 1], b"\x04\x04\x02"),
    ([64], b"\x02\x80\x01"),
])
def test_message_indexes_as_confluent_writes_them(indexes, encoded):
    assert serdes.encode_message_indexes(indexes) == encoded
    framed = frame(7, b"body", indexes)
    assert framed == b"\x00\x00\x00\x00\x07" + encoded + b"body"
    assert unframe(framed, protobuf=True) == (7, b"body", indexes or [0])


def test_message_indexes_match_confluent_kafka():
    from confluent_kafka.schema_registry.common.serde import SchemaId
    import io
    for indexes in ([0], [1], [0, 0], [3, 2, 1], [300]):
        buf = io.BytesIO()
        SchemaId._encode_varints(buf, indexes, zigzag=True)
        assert buf.getvalue() == serdes.encode_message_indexes(indexes)


@pytest.mark.parametrize("data, error, words", [
    (b"", srclient.TruncatedFrame, "0 bytes"),
    (b"\x00\x00\x01", srclient.TruncatedFrame, "3 bytes"),
    (b"\x01\x00\x00\x00\x01{}", srclient.WrongMagicByte, "magic byte 1"),
    (b"{\"json\": 1}", srclient.WrongMagicByte, "magic byte 123"),
])
def test_bad_frames(data, error, words):
    with pytest.raises(error, match=words):
        unframe(data)


@pytest.mark.parametrize("data", [
    b"\x00\x00\x00\x00\x01",              # no index count at all
    b"\x00\x00\x00\x00\x01\x06\x02",      # 3 indexes announced, 1 byte follows
    b"\x00\x00\x00\x00\x01\x02\x80",      # an index varint cut short
])
def test_truncated_message_indexes(data):
    with pytest.raises(srclient.TruncatedFrame):
        unframe(data, protobuf=True)


def test_over_long_varint_is_an_error_not_a_hang():
    with pytest.raises(srclient.SerializationError):
        unframe(b"\x00\x00\x00\x00\x01" + b"\xff" * 20, protobuf=True)


# ----------------------------------------------------------------------------- Avro

def test_avro_round_trip_and_caching(client):
    topic = unique("py-avro")
    serializer = serdes.AvroSerializer(client, AVRO)
    deserializer = serdes.AvroDeserializer(client)
    assert isinstance(serializer, Serializer) and isinstance(deserializer, Deserializer)
    data = serializer(PAYMENT, ctx(topic))
    schema_id = client.get_latest(f"{topic}-value").id
    assert data[:5] == struct.pack(">bI", 0, schema_id)
    assert deserializer(data, ctx(topic)) == PAYMENT
    assert serializer({"id": "p-2", "amount": 1.0, "tags": []}, ctx(topic))[:5] == data[:5]  # cached id
    assert serializer(None, ctx(topic)) is None and deserializer(None, ctx(topic)) is None
    # The payload is Avro binary as fastavro writes it.
    import fastavro, io
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(AVRO)), PAYMENT)
    assert data[5:] == out.getvalue()


def test_avro_reader_schema_and_lookup_only(client):
    topic = unique("py-avro")
    data = serdes.AvroSerializer(client, AVRO)(PAYMENT, ctx(topic))
    evolved = serdes.AvroDeserializer(client, reader_schema=AVRO_V2)(data, ctx(topic))
    assert evolved == dict(PAYMENT, currency="EUR")
    lookup_only = serdes.AvroSerializer(client, AVRO, auto_register=False)
    assert lookup_only(PAYMENT, ctx(topic)) == data
    with pytest.raises(srclient.SerializationError, match="not registered"):
        serdes.AvroSerializer(client, AVRO_V2, auto_register=False)(PAYMENT, ctx(topic))
    fixed_subject = serdes.AvroSerializer(client, AVRO, subject=f"{topic}-value")
    assert fixed_subject(PAYMENT) == data  # no context needed


def test_avro_bad_input(client):
    topic = unique("py-avro")
    serializer = serdes.AvroSerializer(client, AVRO)
    deserializer = serdes.AvroDeserializer(client)
    data = serializer(PAYMENT, ctx(topic))
    with pytest.raises(srclient.PayloadMismatch, match="does not match the Avro schema"):
        serializer({"id": 5, "amount": "many"}, ctx(topic))
    with pytest.raises(srclient.WrongMagicByte):
        deserializer(b"\x07" + data[1:], ctx(topic))
    with pytest.raises(srclient.TruncatedFrame):
        deserializer(data[:3], ctx(topic))
    with pytest.raises(srclient.UnknownSchemaId) as caught:
        deserializer(frame(1_900_000_000, data[5:]), ctx(topic))
    assert caught.value.schema_id == 1_900_000_000 and "unknown schema id" in str(caught.value)
    with pytest.raises(srclient.PayloadMismatch):
        deserializer(data[:-3], ctx(topic))  # the record is cut short
    with pytest.raises(srclient.PayloadMismatch, match="left over"):
        deserializer(data + b"\x00\x01", ctx(topic))
    with pytest.raises(srclient.PayloadMismatch):
        deserializer(data[:5] + b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", ctx(topic))
    json_id = client.register(unique("py-json"), JSON_SCHEMA, "JSON").id
    with pytest.raises(srclient.SerializationError, match="JSON schema"):
        deserializer(frame(json_id, b"{}"), ctx(topic))


# ----------------------------------------------------------------------------- JSON Schema

def test_json_round_trip_and_errors(client):
    topic = unique("py-json")
    serializer = serdes.JSONSerializer(client, JSON_SCHEMA)
    deserializer = serdes.JSONDeserializer(client)
    value = {"id": "j-1", "amount": 3}
    data = serializer(value, ctx(topic))
    assert json.loads(data[5:]) == value
    assert client.get_latest(f"{topic}-value").schema_type == "JSON"
    assert deserializer(data, ctx(topic)) == value
    with pytest.raises(srclient.PayloadMismatch, match="amount"):
        serializer({"id": "j-2"}, ctx(topic))
    with pytest.raises(srclient.PayloadMismatch, match="not UTF-8 JSON"):
        deserializer(data[:5] + b"{not json", ctx(topic))
    with pytest.raises(srclient.PayloadMismatch, match="does not match"):
        deserializer(data[:5] + b'{"id": 1, "amount": 2}', ctx(topic))
    with pytest.raises(srclient.UnknownSchemaId):
        deserializer(frame(1_900_000_001, b"{}"), ctx(topic))
    assert serdes.JSONDeserializer(client, validate=False)(data[:5] + b'{"id": 1}', ctx(topic)) == {"id": 1}


# ----------------------------------------------------------------------------- Protobuf

def test_protobuf_round_trip(client):
    topic = unique("py-proto")
    serializer = serdes.ProtobufSerializer(client, Order)
    deserializer = serdes.ProtobufDeserializer(client, Order)
    order = Order(id="o-1", amount=42, lines=[Line(sku="s", qty=2)])
    data = serializer(order, ctx(topic))
    assert data[5] == 0  # message indexes [0]: the single byte 0
    registered = client.get_latest(f"{topic}-value")
    assert registered.schema_type == "PROTOBUF" and data[1:5] == struct.pack(">I", registered.id)
    assert deserializer(data, ctx(topic)) == order

    refund_data = serdes.ProtobufSerializer(client, Refund)(Refund(order_id="o-1", amount=5), ctx(unique("py-r")))
    assert refund_data[5:7] == b"\x02\x02"  # [1]
    assert serdes.ProtobufDeserializer(client, Refund)(refund_data) == Refund(order_id="o-1", amount=5)
    line_data = serdes.ProtobufSerializer(client, Line)(Line(sku="x", qty=1), ctx(unique("py-l")))
    assert unframe(line_data, protobuf=True).message_indexes == [0, 0]
    assert serdes.ProtobufDeserializer(client, Order)(line_data) == Line(sku="x", qty=1)  # indexes pick the class


def test_protobuf_bad_input(client):
    topic = unique("py-proto")
    data = serdes.ProtobufSerializer(client, Order)(Order(id="o"), ctx(topic))
    deserializer = serdes.ProtobufDeserializer(client, Order)
    with pytest.raises(srclient.PayloadMismatch):
        deserializer(data[:6] + b"\x0a\x09abc", ctx(topic))  # a string longer than the bytes
    with pytest.raises(srclient.PayloadMismatch, match="name no message"):
        deserializer(data[:5] + b"\x02\x0e" + data[6:], ctx(topic))  # index [7]
    with pytest.raises(srclient.TruncatedFrame):
        deserializer(data[:5], ctx(topic))
    with pytest.raises(srclient.SerializationError, match="expected a srclient.test.Order"):
        serdes.ProtobufSerializer(client, Order)(Refund(), ctx(topic))


def test_protobuf_imports_become_references(client):
    topic = unique("py-proto")
    payment = Payment(total=Money(currency="EUR", units=12))
    payment.at.seconds = 1_700_000_000
    data = serdes.ProtobufSerializer(client, Payment)(payment, ctx(topic))
    registered = client.get_latest(f"{topic}-value")
    assert [(r.name, r.subject) for r in registered.references] == [("srclient_test/common.proto",
                                                                      "srclient_test/common.proto")]
    assert client.get_latest("srclient_test/common.proto").schema_type == "PROTOBUF"
    assert serdes.ProtobufDeserializer(client, Payment)(data, ctx(topic)) == payment


def test_server_validates_what_the_serializers_write(client):
    """ValidatePayload takes a wire-format frame (the id inside picks the schema)."""
    topic = unique("py-validate")
    avro = serdes.AvroSerializer(client, AVRO)(PAYMENT, ctx(topic))
    schema_id = serdes.unframe(avro).schema_id
    assert client.validate(avro, schema_id=schema_id).valid
    truncated = client.validate(avro[:-4], schema_id=schema_id)
    assert not truncated.valid and truncated.errors
    json_topic = unique("py-validate")
    framed_json = serdes.JSONSerializer(client, JSON_SCHEMA)({"id": "v", "amount": 1}, ctx(json_topic))
    assert client.validate(framed_json, subject=f"{json_topic}-value").valid
