"""Protobuf with confluent-kafka's own ProtobufSerializer/ProtobufDeserializer (classes generated
by protoc at test time): registration (with the well-known Timestamp import), a round trip, the
registry's view over REST, and framed-payload validation by the server."""

from __future__ import annotations

import base64
import importlib
import shutil
import subprocess
import sys

import pytest
import requests
from confluent_kafka.schema_registry import Schema
from confluent_kafka.serialization import MessageField, SerializationContext

from sr_support import make_client, unique

TIMEOUT = 30
ORDER = """
syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1;
  int64 amount = 2;
  google.protobuf.Timestamp at = 3;
  map<string, string> tags = 4;
  repeated Line lines = 5;
  message Line { string sku = 1; uint32 quantity = 2; }
}
"""


@pytest.fixture(scope="module")
def order_pb2(tmp_path_factory):
    if shutil.which("protoc") is None:
        pytest.fail("protoc is missing (scripts/install-deps.sh installs protobuf-compiler)")
    directory = tmp_path_factory.mktemp(f"proto_{unique('m').replace('-', '_')}")
    (directory / "order.proto").write_text(ORDER)
    subprocess.run(["protoc", f"--python_out={directory}", "-I", str(directory), "-I", "/usr/include", "order.proto"],
                   check=True)
    sys.path.insert(0, str(directory))
    try:
        module = importlib.import_module("order_pb2")
        yield importlib.reload(module)
    finally:
        sys.path.remove(str(directory))


def test_confluent_protobuf_serializer_round_trip(sr_url, order_pb2):
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
    topic = unique("pborders")
    ctx = SerializationContext(topic, MessageField.VALUE)
    writer = make_client(sr_url)
    serializer = ProtobufSerializer(order_pb2.Order, writer, {"use.deprecated.format": False})
    order = order_pb2.Order(id="o1", amount=12)
    order.tags["k"] = "v"
    order.at.seconds = 100
    order.lines.add(sku="a", quantity=2)
    data = serializer(order, ctx)
    assert data[0] == 0

    reader = make_client(sr_url)  # a fresh client: the schema comes from the server
    deserializer = ProtobufDeserializer(order_pb2.Order, {"use.deprecated.format": False}, reader)
    assert deserializer(data, ctx) == order

    version = requests.get(f"{sr_url}/subjects/{topic}-value/versions/latest", timeout=TIMEOUT).json()
    assert version["schemaType"] == "PROTOBUF"
    assert "message Order" in version["schema"]

    valid = requests.post(f"{sr_url}/x-registry/v1/validate",
                          json={"payloadBase64": base64.b64encode(data).decode()}, timeout=TIMEOUT)
    assert valid.status_code == 200 and valid.json() == {"valid": True, "errors": []}, valid.text
    broken = requests.post(f"{sr_url}/x-registry/v1/validate",
                           json={"payloadBase64": base64.b64encode(data[:-3]).decode()}, timeout=TIMEOUT)
    assert broken.status_code == 200 and broken.json()["valid"] is False, broken.text


def test_protobuf_text_registration_and_compatibility(sr_url, client):
    subject = unique("pbtext")
    first = client.register_schema(subject, Schema(ORDER, "PROTOBUF"))
    # Formatting and comments do not change the id.
    again = client.register_schema(subject, Schema("// again\n" + ORDER.replace("\n", "\n\n"), "PROTOBUF"))
    assert again == first
    client.set_compatibility(subject, "BACKWARD")
    changed = ORDER.replace("int64 amount = 2;", "string amount = 2;")
    assert client.test_compatibility(subject, Schema(changed, "PROTOBUF")) is False
    added = ORDER.replace("repeated Line lines = 5;", "repeated Line lines = 5;\n  string note = 6;")
    assert client.test_compatibility(subject, Schema(added, "PROTOBUF")) is True
    serialized = requests.get(f"{sr_url}/schemas/ids/{first}?format=serialized", timeout=TIMEOUT).json()
    assert "message" not in serialized["schema"]  # base64 of the descriptor
    # The same on reads by subject version (confluent-kafka resolves references through them).
    by_version = requests.get(f"{sr_url}/subjects/{subject}/versions/1?format=serialized", timeout=TIMEOUT).json()
    assert by_version["schema"] == serialized["schema"] and by_version["id"] == first, by_version
    as_text = requests.get(f"{sr_url}/subjects/{subject}/versions/1", timeout=TIMEOUT).json()
    assert "message" in as_text["schema"], as_text
    bad = requests.post(f"{sr_url}/subjects/{subject}/versions", timeout=TIMEOUT,
                        json={"schema": "syntax = \"proto3\"; message A { int32 x = 1 }", "schemaType": "PROTOBUF"})
    assert bad.status_code == 422 and bad.json()["error_code"] == 42201, bad.text
    assert ":1:" in bad.json()["message"], bad.text
