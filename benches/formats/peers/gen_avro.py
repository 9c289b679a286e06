# Avro records of N fields for avro-json-bench and fastavro_validate_bench.py (argument 1: the
# directory): field i is ["null","string"] (i % 3 == 0), long (1) or an array of doubles (2),
# the shapes peers/gen.py gives JSON Schema. avro{n}.avsc is the schema, avrojson{n}.json the
# record in Avro's JSON encoding (unions wrapped: {"string": "abc"}), avrodatum{n}.json the
# same record as fastavro takes it (unions unwrapped).
import json, sys
def schema(n):
    fields = []
    for i in range(n):
        t = ["null", "string"] if i % 3 == 0 else ("long" if i % 3 == 1 else {"type": "array", "items": "double"})
        fields.append({"name": f"p{i}", "type": t})
    return {"type": "record", "name": "R", "namespace": "bench", "fields": fields}
def datum(n, wrap):
    d = {}
    for i in range(n):
        d[f"p{i}"] = ({"string": "abc"} if wrap else "abc") if i % 3 == 0 else (i * 7 if i % 3 == 1 else [1.5, 2.0, 3.0])
    return d
for n in [10, 100, 500]:
    json.dump(schema(n), open(f"{sys.argv[1]}/avro{n}.avsc", "w"))
    json.dump(datum(n, True), open(f"{sys.argv[1]}/avrojson{n}.json", "w"))
    json.dump(datum(n, False), open(f"{sys.argv[1]}/avrodatum{n}.json", "w"))
