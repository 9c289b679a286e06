# fastavro.validation.validate on the records peers/gen_avro.py wrote (argument 1): median of
# 5 loops, CPU time (time.process_time) and wall time. fastavro takes a Python datum (unions
# unwrapped), so no JSON is parsed here; avro-json-bench reports its JSON parse separately.
import json, sys, time
from importlib.metadata import version
import fastavro
from fastavro.validation import validate
for n in [10, 100, 500]:
    schema = fastavro.parse_schema(json.load(open(f"{sys.argv[1]}/avro{n}.avsc")))
    datum = json.load(open(f"{sys.argv[1]}/avrodatum{n}.json"))
    assert validate(datum, schema)
    iters = {10: 100000, 100: 10000, 500: 2000}[n]
    for _ in range(iters // 10): validate(datum, schema)
    cpu, wall = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(iters): validate(datum, schema)
        cpu.append((time.process_time() - c) / iters); wall.append((time.perf_counter() - t) / iters)
    cpu.sort(); wall.sort()
    print(f"fastavro {version('fastavro')} validate {n} fields: median {cpu[2]*1e6:.3f} us CPU (wall {wall[2]*1e6:.3f} us)")
