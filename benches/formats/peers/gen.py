import json, sys
def schema(n):
    props = {}
    for i in range(n):
        if i % 3 == 0: props[f"p{i}"] = {"type": "string", "maxLength": 64, "pattern": "^[a-z]+$"}
        elif i % 3 == 1: props[f"p{i}"] = {"type": "integer", "minimum": 0, "maximum": 1000000}
        else: props[f"p{i}"] = {"type": "array", "items": {"type": "number"}, "maxItems": 10}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": props,
            "required": [f"p{i}" for i in range(0, n, 2)], "additionalProperties": False}
def doc(n):
    d = {}
    for i in range(n):
        d[f"p{i}"] = "abc" if i % 3 == 0 else (i * 7 if i % 3 == 1 else [1.5, 2, 3])
    return d
for n in [10, 100, 500]:
    json.dump(schema(n), open(f"{sys.argv[1]}/schema{n}.json", "w"))
    json.dump(doc(n), open(f"{sys.argv[1]}/doc{n}.json", "w"))
