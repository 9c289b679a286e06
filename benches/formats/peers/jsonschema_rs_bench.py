import json, sys, time, jsonschema_rs
for n in [10, 100, 500]:
    schema = json.load(open(f"{sys.argv[1]}/schema{n}.json")); doc = json.load(open(f"{sys.argv[1]}/doc{n}.json"))
    v = jsonschema_rs.validator_for(schema)
    assert v.is_valid(doc)
    iters = {10: 200000, 100: 20000, 500: 4000}[n]
    best = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(iters): v.is_valid(doc)
        best.append((time.perf_counter() - t) / iters)
    best.sort()
    print(f"jsonschema-rs {n} properties: median {best[2]*1e6:.2f} us per validation ({1/best[2]:.0f}/s)")
