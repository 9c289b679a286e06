#!/usr/bin/env python3
"""Writes avro-vectors.json: more Avro binary encodings made by fastavro (schemaless_writer)
for test-avro, each with its datum in Avro's JSON encoding, beside the shared ones of
Tests/SchemaFormatsTests/Fixtures/avro-binary/vectors.json. Run: python3 avro_vectors.py
(needs fastavro; the committed file is what the tests read)."""
import io
import json
import os

import fastavro

RECORD = {
    "type": "record", "name": "Order", "namespace": "shop.v1",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
            {"name": "name", "type": "string"},
            {"name": "tier", "type": {"type": "enum", "name": "Tier", "namespace": "shop.common",
                                      "symbols": ["FREE", "GOLD"]}}]}},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": "string"}, {"name": "qty", "type": "int"},
            {"name": "weight", "type": ["null", "float"]}]}}},
        {"name": "tags", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
        {"name": "backup", "type": ["null", "Customer"]},
        {"name": "tier2", "type": ["null", "shop.common.Tier"]},
        {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
        {"name": "uuid", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "ok", "type": "boolean"},
        {"name": "ratio", "type": "double"},
    ],
}
ORDER = {
    "id": -9223372036854775808, "when": 1700000000123, "day": 19700, "price": b"\x01\x86\xa0",
    "customer": {"name": "Zoë \U0001F600", "tier": "GOLD"},
    "lines": [{"sku": "a", "qty": 2, "weight": 0.5}, {"sku": "b\n\"c\"", "qty": -2147483648, "weight": None}],
    "tags": {"x": ["1", "2"], "": []},
    "backup": {"name": "", "tier": "FREE"}, "tier2": "FREE",
    "hash": b"\x00\x7f\x80\xff", "uuid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "ok": False, "ratio": 1e-300,
}
ORDER_JSON = dict(ORDER, price="\u0001\u0086\u00a0",
                  lines=[{"sku": "a", "qty": 2, "weight": {"float": 0.5}},
                         {"sku": "b\n\"c\"", "qty": -2147483648, "weight": None}],
                  backup={"shop.v1.Customer": {"name": "", "tier": "FREE"}}, tier2={"shop.common.Tier": "FREE"},
                  hash="\u0000\u007f\u0080\u00ff")

CASES = [
    ('"null"', None, None),
    ('"int"', 0, 0), ('"int"', -64, -64), ('"int"', 64, 64), ('"int"', 2147483647, 2147483647),
    ('"int"', -2147483648, -2147483648),
    ('"long"', 9223372036854775807, 9223372036854775807), ('"long"', -9223372036854775808, -9223372036854775808),
    ('"float"', 3.4028234663852886e38, 3.4028234663852886e38), ('"double"', -0.0, -0.0),
    ('"double"', 2.2250738585072014e-308, 2.2250738585072014e-308),
    ('"string"', "", ""), ('"string"', "\u0000\u001f\u007f\u00e9\u4e2d\U0010ffff", "\u0000\u001f\u007f\u00e9\u4e2d\U0010ffff"),
    ('"bytes"', bytes(range(256)), "".join(chr(i) for i in range(256))),
    ('{"type":"array","items":"long"}', [], []),
    ('{"type":"array","items":{"type":"array","items":"null"}}', [[None, None], []], [[None, None], []]),
    ('{"type":"map","values":"double"}', {}, {}),
    ('{"type":"map","values":["null","long"]}', {"a": 1, "b": None}, {"a": {"long": 1}, "b": None}),
    ('["int","string","null"]', None, None),
    ('["int","string","null"]', 7, {"int": 7}),
    ('[{"type":"map","values":"int"},{"type":"array","items":"int"}]', [1], {"array": [1]}),
    ('[{"type":"map","values":"int"},{"type":"array","items":"int"}]', {"k": 1}, {"map": {"k": 1}}),
    ('{"type":"record","name":"Empty","fields":[]}', {}, {}),
    ('{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS","DIAMONDS","CLUBS"]}', "CLUBS", "CLUBS"),
    ('{"type":"fixed","name":"Zero","size":0}', b"", ""),
    ('{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}',
     {"v": 1, "next": {"v": 2, "next": {"v": 3, "next": None}}},
     {"v": 1, "next": {"Node": {"v": 2, "next": {"Node": {"v": 3, "next": None}}}}}),
    (json.dumps(RECORD, separators=(",", ":")), ORDER, ORDER_JSON),
]

vectors = []
for schema_text, python_value, json_value in CASES:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(schema_text)), python_value)
    # fastavro reads its own bytes back to the same value: the vector is consistent.
    back = fastavro.schemaless_reader(io.BytesIO(out.getvalue()), fastavro.parse_schema(json.loads(schema_text)), None)
    vectors.append({"schema": schema_text, "datum": json_value, "hex": out.getvalue().hex()})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "avro-vectors.json")
with open(path, "w") as f:
    json.dump({"generator": f"fastavro {fastavro.__version__}", "vectors": vectors}, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(vectors)} vectors written to {path}")
