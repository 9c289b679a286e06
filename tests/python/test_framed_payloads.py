"""Payloads as Kafka carries them (Confluent's frame: magic byte 0, schema id, datum), written
by confluent-kafka's own serializers and validated by the server (/x-registry/v1/validate with
payloadBase64): Avro binary and JSON; damage is named, never a crash."""

from __future__ import annotations

import base64

import requests
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from schemas import JSON_V1, USER_V1, fresh, text
from sr_support import unique

TIMEOUT = 30


def _validate(url, data: bytes, **extra):
    body = {"payloadBase64": base64.b64encode(data).decode(), **extra}
    return requests.post(f"{url}/x-registry/v1/validate", json=body, timeout=TIMEOUT)


def test_avro_binary_from_confluent_serializer(sr_url, client):
    topic = unique("framed")
    ctx = SerializationContext(topic, MessageField.VALUE)
    data = AvroSerializer(client, text(fresh(USER_V1)))({"id": 7, "name": "Ada"}, ctx)
    answer = _validate(sr_url, data)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"valid": True, "errors": []}

    truncated = _validate(sr_url, data[:-2])
    assert truncated.status_code == 200 and truncated.json()["valid"] is False, truncated.text
    assert "Truncated" in truncated.json()["errors"][0]["message"]
    left_over = _validate(sr_url, data + b"\x00")
    assert left_over.json()["valid"] is False and "left over" in left_over.json()["errors"][0]["message"]

    wrong_magic = _validate(sr_url, b"\x01" + data[1:])
    assert wrong_magic.status_code == 422 and "magic" in wrong_magic.json()["message"], wrong_magic.text
    unknown_id = _validate(sr_url, b"\x00\x7f\xff\xff\xf0" + data[5:])
    assert unknown_id.status_code == 404 and unknown_id.json()["error_code"] == 40403, unknown_id.text
    short = _validate(sr_url, b"\x00\x00\x01")
    assert short.status_code == 422 and "Truncated" in short.json()["message"], short.text


def test_json_from_confluent_serializer(sr_url, client):
    topic = unique("framedjson")
    ctx = SerializationContext(topic, MessageField.VALUE)
    data = JSONSerializer(text(fresh(JSON_V1)), client)({"id": 42, "item": "book"}, ctx)
    answer = _validate(sr_url, data)
    assert answer.status_code == 200 and answer.json()["valid"] is True, answer.text
