# jsonschema-rs validating the documents peers/gen.py wrote (argument 1): median of 5 loops,
# CPU time (time.process_time, steady when other work shares the cores) and wall time.
import json, sys, time, jsonschema_rs
from importlib.metadata import version
for n in [10, 100, 500]:
    schema = json.load(open(f"{sys.argv[1]}/schema{n}.json")); doc = json.load(open(f"{sys.argv[1]}/doc{n}.json"))
    v = jsonschema_rs.validator_for(schema)
    assert v.is_valid(doc)
    iters = {10: 200000, 100: 20000, 500: 4000}[n]
    for _ in range(iters // 10): v.is_valid(doc)
    cpu, wall = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(iters): v.is_valid(doc)
        cpu.append((time.process_time() - c) / iters); wall.append((time.perf_counter() - t) / iters)
    cpu.sort(); wall.sort()
    print(f"jsonschema-rs {version('jsonschema-rs')} {n} properties: median {cpu[2]*1e6:.3f} us CPU per validation"
          f" (wall {wall[2]*1e6:.3f} us)")
