"""Cross-checks with confluent-kafka's own serdes, through the server's REST port: bytes our
serializers write are read by confluent-kafka's AvroDeserializer / JSONDeserializer /
ProtobufDeserializer, and the reverse. And our objects plug into confluent-kafka's producer."""
from __future__ import annotations

import json

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer as KafkaAvroDeserializer
from confluent_kafka.schema_registry.avro import AvroSerializer as KafkaAvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer as KafkaJSONDeserializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer as KafkaJSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer as KafkaProtobufDeserializer
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer as KafkaProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from srclient import serdes
from sr_support import make_client, unique
from protos import Line, Money, Order, Payment, Refund
from test_serdes import AVRO, JSON_SCHEMA, PAYMENT


@pytest.fixture
def rest(server):
    made = make_client(server.url)
    yield made
    made.close()


def ctx(topic):
    return SerializationContext(topic, MessageField.VALUE)


def test_avro_ours_to_confluent_and_back(client, rest):
    topic = unique("py-x-avro")
    ours = serdes.AvroSerializer(client, AVRO)(PAYMENT, ctx(topic))
    assert KafkaAvroDeserializer(rest)(ours, ctx(topic)) == PAYMENT
    theirs = KafkaAvroSerializer(rest, AVRO)(PAYMENT, ctx(topic))
    assert theirs == ours  # same schema id, same Avro bytes
    other_topic = unique("py-x-avro")
    theirs = KafkaAvroSerializer(rest, AVRO)(dict(PAYMENT, id="from-confluent"), ctx(other_topic))
    assert serdes.AvroDeserializer(client)(theirs, ctx(other_topic)) == dict(PAYMENT, id="from-confluent")


def test_json_ours_to_confluent_and_back(client, rest):
    topic = unique("py-x-json")
    value = {"id": "x", "amount": 9.5}
    ours = serdes.JSONSerializer(client, JSON_SCHEMA)(value, ctx(topic))
    assert KafkaJSONDeserializer(JSON_SCHEMA, schema_registry_client=rest)(ours, ctx(topic)) == value
    assert KafkaJSONDeserializer(None, schema_registry_client=rest)(ours, ctx(topic)) == value
    other_topic = unique("py-x-json")
    theirs = KafkaJSONSerializer(JSON_SCHEMA, rest)(value, ctx(other_topic))
    assert theirs[0] == 0 and json.loads(theirs[5:]) == value
    assert serdes.JSONDeserializer(client)(theirs, ctx(other_topic)) == value


def test_protobuf_ours_to_confluent_and_back(client, rest):
    topic = unique("py-x-proto")
    order = Order(id="o-9", amount=99, lines=[Line(sku="a", qty=1), Line(sku="b", qty=3)])
    ours = serdes.ProtobufSerializer(client, Order)(order, ctx(topic))
    assert KafkaProtobufDeserializer(Order, {"use.deprecated.format": False}, rest)(ours, ctx(topic)) == order
    theirs = KafkaProtobufSerializer(Order, rest, {"use.deprecated.format": False})(order, ctx(topic))
    assert theirs == ours  # same registration (the file's descriptor), same id, same indexes
    other_topic = unique("py-x-proto")
    refund = Refund(order_id="o-9", amount=1)
    theirs = KafkaProtobufSerializer(Refund, rest, {"use.deprecated.format": False})(refund, ctx(other_topic))
    assert serdes.unframe(theirs, protobuf=True).message_indexes == [1]
    assert serdes.ProtobufDeserializer(client, Refund)(theirs, ctx(other_topic)) == refund


def test_plugs_into_the_serializing_producer(client):
    """SerializingProducer calls our serializer for each produce(); with no broker (loopback port
    1, nothing listens) the record just waits in the queue, which we purge."""
    from confluent_kafka import SerializingProducer
    topic = unique("py-x-producer")
    serializer = serdes.AvroSerializer(client, AVRO)
    producer = SerializingProducer({"bootstrap.servers": "127.0.0.1:1", "value.serializer": serializer,
                                    "socket.connection.setup.timeout.ms": 1000, "log_level": 0})
    producer.produce(topic, value=PAYMENT)
    assert len(producer) >= 1  # the record (and librdkafka's own requests) wait in the queue
    producer.purge()
    producer.flush(0)
    assert client.get_latest(f"{topic}-value").schema  # registered by the serializer inside produce()


def test_plugs_into_the_deserializing_consumer_config(client):
    from confluent_kafka import DeserializingConsumer
    consumer = DeserializingConsumer({"bootstrap.servers": "127.0.0.1:1", "group.id": unique("g"),
                                      "value.deserializer": serdes.AvroDeserializer(client), "log_level": 0})
    consumer.close()


def test_protobuf_with_imports_both_ways(client, rest):
    topic = unique("py-x-proto")
    payment = Payment(total=Money(currency="USD", units=7))
    payment.at.seconds = 1_600_000_000
    ours = serdes.ProtobufSerializer(client, Payment)(payment, ctx(topic))
    conf = {"use.deprecated.format": False}
    theirs = KafkaProtobufSerializer(Payment, rest, conf)(payment, ctx(topic))
    assert theirs == ours  # the same references resolved to the same registration
    assert serdes.ProtobufDeserializer(client, Payment)(theirs, ctx(topic)) == payment


def test_confluent_protobuf_deserializer_resolves_our_references(client, rest):
    topic = unique("py-x-proto")
    payment = Payment(total=Money(currency="USD", units=7))
    ours = serdes.ProtobufSerializer(client, Payment)(payment, ctx(topic))
    conf = {"use.deprecated.format": False}
    assert KafkaProtobufDeserializer(Payment, conf, rest)(ours, ctx(topic)) == payment
