"""Schemas the Python suite registers (texts built once, so identical schemas compare equal)."""

import json

USER_V1 = {
    "type": "record", "name": "User", "namespace": "com.example",
    "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}],
}
# BACKWARD-compatible with V1: a new optional field with a default.
USER_V2 = {
    "type": "record", "name": "User", "namespace": "com.example",
    "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"},
               {"name": "email", "type": ["null", "string"], "default": None}],
}
# Not BACKWARD-compatible with V1: a new field without a default.
USER_INCOMPATIBLE = {
    "type": "record", "name": "User", "namespace": "com.example",
    "fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"},
               {"name": "age", "type": "int"}],
}
ADDRESS = {
    "type": "record", "name": "Address", "namespace": "com.example",
    "fields": [{"name": "street", "type": "string"}, {"name": "zip", "type": "string"}],
}
# Uses the named type com.example.Address, which it does not define: a reference.
CUSTOMER = {
    "type": "record", "name": "Customer", "namespace": "com.example",
    "fields": [{"name": "id", "type": "long"}, {"name": "address", "type": "com.example.Address"}],
}

JSON_V1 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Order", "type": "object",
    "properties": {"id": {"type": "integer"}, "item": {"type": "string"}},
    "required": ["id"],
}
# A type change: incompatible in every direction.
JSON_INCOMPATIBLE = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Order", "type": "object",
    "properties": {"id": {"type": "string"}, "item": {"type": "string"}},
    "required": ["id"],
}
JSON_ADDRESS = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object", "properties": {"street": {"type": "string"}}, "required": ["street"],
}
JSON_WITH_REF = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"name": {"type": "string"}, "address": {"$ref": "address.json"}},
    "required": ["name"],
}


def text(schema) -> str:
    return json.dumps(schema)


def same_schema(returned: str, expected) -> bool:
    """The registry may reformat the text (whitespace, key order; for Avro, a namespace folded
    into full names, as its canonical form does), never change its meaning."""
    got = json.loads(returned)
    want = json.loads(expected) if isinstance(expected, str) else expected
    if got == want:
        return True
    try:
        import fastavro
        parse = lambda schema: fastavro.parse_schema(schema, _write_hint=False, _force=True)
        return parse(got) == parse(want)
    except Exception:
        return False


def fresh(schema):
    """A copy that no other test registers: a new global id, not shared with other subjects."""
    import copy
    import uuid
    made = copy.deepcopy(schema)
    tag = uuid.uuid4().hex[:10]
    if made.get("type") == "record":
        made["name"] = f"{made['name']}_{tag}"
    else:
        made["title"] = f"{made.get('title', 'T')}_{tag}"
    return made
