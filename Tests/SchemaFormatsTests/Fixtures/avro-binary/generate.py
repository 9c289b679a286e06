"""Writes vectors.json: Avro binary encodings made by fastavro (schemaless_writer), each with
its datum in Avro's JSON encoding, for AvroBinaryCodecTests. Run: python3 generate.py"""
import io
import json

import fastavro

CASES = [
    ('"int"', -1, -1),
    ('"long"', 1234567890123, 1234567890123),
    ('"string"', "héllo", "héllo"),
    ('"bytes"', b"\x00\xff", "\u0000\u00ff"),
    ('"double"', 1.5, 1.5),
    ('"float"', -0.25, -0.25),
    ('"boolean"', True, True),
    ('{"type":"array","items":"int"}', [1, 2, 3], [1, 2, 3]),
    ('{"type":"map","values":"string"}', {"a": "x", "b": "y"}, {"a": "x", "b": "y"}),
    ('["null","string"]', None, None),
    ('["null","string"]', "s", {"string": "s"}),
    ('{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"]}},'
     '{"name":"f","type":{"type":"fixed","name":"F","size":2}},{"name":"u","type":["null","R"]}]}',
     {"a": 5, "e": "Y", "f": b"ab", "u": {"a": 6, "e": "X", "f": b"cd", "u": None}},
     {"a": 5, "e": "Y", "f": "ab", "u": {"R": {"a": 6, "e": "X", "f": "cd", "u": None}}}),
]

vectors = []
for schema_text, python_value, json_value in CASES:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(schema_text)), python_value)
    vectors.append({"schema": schema_text, "datum": json_value, "hex": out.getvalue().hex()})
with open("vectors.json", "w") as f:
    json.dump({"generator": f"fastavro {fastavro.__version__}", "vectors": vectors}, f, indent=1, ensure_ascii=False)
    f.write("\n")
