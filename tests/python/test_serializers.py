"""Confluent's serializers and deserializers (Avro, JSON Schema) against the REST API.

Every record must be framed as Confluent's wire format: magic byte 0, then the schema id the
registry gave, 4 bytes big-endian, then the payload; the deserializer fetches the writer's
schema by that id.
"""

import struct

import pytest

from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryError
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext, SerializationError

from schemas import ADDRESS, CUSTOMER, JSON_V1, USER_V1, USER_V2, fresh, text
from sr_support import make_client, unique

USER = {"id": 7, "name": "Ada"}
ORDER = {"id": 42, "item": "book"}


def framing(data: bytes) -> int:
    """Checks the magic byte and returns the schema id in the 5-byte prefix."""
    assert isinstance(data, bytes) and len(data) > 5
    assert data[0] == 0, f"magic byte {data[0]}, expected 0"
    return struct.unpack(">I", data[1:5])[0]


def value_ctx(topic):
    return SerializationContext(topic, MessageField.VALUE)


# ----------------------------------------------------------------------------- Avro

def test_avro_round_trip_auto_register(client, new_client):
    topic = unique("topic")
    ctx = value_ctx(topic)
    data = AvroSerializer(client, text(USER_V1))(USER, ctx)
    schema_id = framing(data)

    latest = new_client().get_latest_version(f"{topic}-value")
    assert (latest.schema_id, latest.version) == (schema_id, 1)
    assert AvroDeserializer(new_client())(data, ctx) == USER
    # A reader schema of its own (v2 reads v1 data: the new field takes its default).
    assert AvroDeserializer(new_client(), text(USER_V2))(data, ctx) == {**USER, "email": None}


def test_avro_key_subject(client, new_client):
    topic = unique("topic")
    ctx = SerializationContext(topic, MessageField.KEY)
    data = AvroSerializer(client, text(USER_V1))(USER, ctx)
    assert new_client().get_latest_version(f"{topic}-key").schema_id == framing(data)
    assert AvroDeserializer(new_client())(data, ctx) == USER


def test_avro_auto_register_off_uses_the_registered_id(client, new_client):
    topic = unique("topic")
    registered_id = client.register_schema(f"{topic}-value", Schema(text(USER_V1), "AVRO"))
    serializer = AvroSerializer(new_client(), text(USER_V1), conf={"auto.register.schemas": False})
    data = serializer(USER, value_ctx(topic))
    assert framing(data) == registered_id
    assert AvroDeserializer(new_client())(data, value_ctx(topic)) == USER
    assert new_client().get_versions(f"{topic}-value") == [1]


def test_avro_auto_register_off_unregistered_subject_fails(new_client):
    topic = unique("topic")
    serializer = AvroSerializer(new_client(), text(fresh(USER_V1)), conf={"auto.register.schemas": False})
    with pytest.raises((SchemaRegistryError, SerializationError)) as raised:
        serializer(USER, value_ctx(topic))
    if isinstance(raised.value, SchemaRegistryError):
        assert raised.value.error_code == 40401, raised.value


def test_avro_use_latest_version(client, new_client):
    topic = unique("topic")
    subject = f"{topic}-value"
    id1 = client.register_schema(subject, Schema(text(USER_V1), "AVRO"))
    id2 = client.register_schema(subject, Schema(text(USER_V2), "AVRO"))
    ctx = value_ctx(topic)

    # The serializer writes with the subject's latest schema, whatever it was given.
    latest_writer = AvroSerializer(new_client(), text(USER_V2),
                                   conf={"auto.register.schemas": False, "use.latest.version": True})
    record = {**USER, "email": "ada@example.com"}
    data = latest_writer(record, ctx)
    assert framing(data) == id2
    assert AvroDeserializer(new_client())(data, ctx) == record

    # Old data (v1) read through the latest version.
    old = AvroSerializer(new_client(), text(USER_V1), conf={"auto.register.schemas": False})(USER, ctx)
    assert framing(old) == id1
    reader = AvroDeserializer(new_client(), conf={"use.latest.version": True})
    assert reader(old, ctx) == {**USER, "email": None}


def test_avro_with_references(client, new_client):
    address_subject = unique("addr")
    client.register_schema(address_subject, Schema(text(ADDRESS), "AVRO"))
    reference = SchemaReference(name="com.example.Address", subject=address_subject, version=1)
    topic = unique("topic")
    ctx = value_ctx(topic)
    record = {"id": 1, "address": {"street": "Main St 1", "zip": "12345"}}
    data = AvroSerializer(client, Schema(text(CUSTOMER), "AVRO", [reference]))(record, ctx)
    schema_id = framing(data)
    registered = new_client().get_schema(schema_id)
    assert registered.references == [reference]
    assert AvroDeserializer(new_client())(data, ctx) == record


# ----------------------------------------------------------------------------- JSON Schema

def test_json_round_trip_auto_register(client, new_client):
    topic = unique("topic")
    ctx = value_ctx(topic)
    data = JSONSerializer(text(JSON_V1), client)(ORDER, ctx)
    schema_id = framing(data)
    latest = new_client().get_latest_version(f"{topic}-value")
    assert (latest.schema_id, latest.version, latest.schema.schema_type) == (schema_id, 1, "JSON")
    # The writer's schema from the registry, and a reader schema given locally.
    assert JSONDeserializer(None, schema_registry_client=new_client())(data, ctx) == ORDER
    assert JSONDeserializer(text(JSON_V1), schema_registry_client=new_client())(data, ctx) == ORDER


def test_json_auto_register_off_uses_the_registered_id(client, new_client):
    topic = unique("topic")
    registered_id = client.register_schema(f"{topic}-value", Schema(text(JSON_V1), "JSON"))
    serializer = JSONSerializer(text(JSON_V1), new_client(), conf={"auto.register.schemas": False})
    data = serializer(ORDER, value_ctx(topic))
    assert framing(data) == registered_id
    assert JSONDeserializer(None, schema_registry_client=new_client())(data, value_ctx(topic)) == ORDER


def test_json_use_latest_version(client, new_client):
    topic = unique("topic")
    subject = f"{topic}-value"
    client.set_compatibility(subject, "NONE")
    client.register_schema(subject, Schema(text(JSON_V1), "JSON"))
    v2 = fresh(JSON_V1)
    id2 = client.register_schema(subject, Schema(text(v2), "JSON"))
    serializer = JSONSerializer(text(JSON_V1), new_client(),
                                conf={"auto.register.schemas": False, "use.latest.version": True})
    data = serializer(ORDER, value_ctx(topic))
    assert framing(data) == id2
    reader = JSONDeserializer(None, schema_registry_client=new_client(), conf={"use.latest.version": True})
    assert reader(data, value_ctx(topic)) == ORDER


# ----------------------------------------------------------------------------- with an API key

def _round_trip(client_under_test, verify_client):
    topic = unique("authtopic")
    ctx = value_ctx(topic)
    data = AvroSerializer(client_under_test, text(USER_V1))(USER, ctx)
    schema_id = framing(data)
    assert verify_client.get_latest_version(f"{topic}-value").schema_id == schema_id
    assert AvroDeserializer(verify_client)(data, ctx) == USER
    # Another topic: a JSON schema is not compatible with the subject's Avro versions.
    json_ctx = value_ctx(unique("authjson"))
    json_data = JSONSerializer(text(JSON_V1), client_under_test)(ORDER, json_ctx)
    assert JSONDeserializer(None, schema_registry_client=verify_client)(json_data, json_ctx) == ORDER


def test_basic_auth_key_id_and_key(auth_server, auth_client_factory):
    user_info = f"{auth_server.api_key_id}:{auth_server.api_key}"
    _round_trip(auth_client_factory(**{"basic.auth.user.info": user_info}),
                auth_client_factory(**{"basic.auth.user.info": user_info}))


def test_basic_auth_any_user_with_key_as_password(auth_server, auth_client_factory):
    user_info = f"producer:{auth_server.api_key}"
    _round_trip(auth_client_factory(**{"basic.auth.user.info": user_info}),
                auth_client_factory(**{"basic.auth.user.info": user_info}))


def test_basic_auth_in_the_url(auth_server):
    from urllib.parse import quote
    url = f"http://{quote(auth_server.api_key_id)}:{quote(auth_server.api_key, safe='')}@127.0.0.1:{auth_server.rest_port}"
    with make_client(url) as one, make_client(url) as other:
        _round_trip(one, other)


def test_bearer_static_token(auth_server, auth_client_factory):
    conf = {"bearer.auth.credentials.source": "STATIC_TOKEN", "bearer.auth.token": auth_server.api_key,
            "bearer.auth.logical.cluster": "lsrc-local"}
    _round_trip(auth_client_factory(**conf), auth_client_factory(**conf))


def test_no_credentials_is_401(auth_client_factory):
    with pytest.raises(SchemaRegistryError) as raised:
        auth_client_factory().get_subjects()
    assert raised.value.http_status_code == 401, raised.value
    with pytest.raises(SchemaRegistryError) as raised:
        AvroSerializer(auth_client_factory(), text(USER_V1))(USER, value_ctx(unique("authtopic")))
    assert raised.value.http_status_code == 401, raised.value


def test_wrong_key_is_401(auth_server, auth_client_factory):
    wrong = auth_server.api_key[:-4] + ("AAAA" if not auth_server.api_key.endswith("AAAA") else "BBBB")
    for user_info in (f"{auth_server.api_key_id}:{wrong}", f"{auth_server.api_key_id}:{auth_server.api_key_id}",
                      f"{auth_server.api_key}:nothing"):
        with pytest.raises(SchemaRegistryError) as raised:
            auth_client_factory(**{"basic.auth.user.info": user_info}).get_subjects()
        assert raised.value.http_status_code == 401, (user_info, raised.value)
