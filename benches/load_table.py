#!/usr/bin/env python3
"""Prints the load-scenario table of benches/README.md from benches/load/*.json, or with
--update rewrites it in place between the <!-- load-table --> markers."""
import json, pathlib, sys

here = pathlib.Path(__file__).resolve().parent


def ms(us):
    return f"{us / 1000:,.2f}" if us < 10_000 else f"{us / 1000:,.0f}"


def lat(latency):
    return " / ".join(ms(latency[k]) for k in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us"))


def row(name):
    data = json.loads((here / "load" / f"{name}.json").read_text())
    total = data["summary"]["total"]
    errors = ", ".join(f"{n} {s}" for s, n in total["errors_by_status"].items()) or "0"
    if name == "stress":
        knee = data["stress"]["knee"]
        broke = data["stress"].get("breaking_step")
        result = f"**knee {knee['offered_rps']:,.0f} req/s** ({knee['achieved_rps']:,.0f} ok, p99 {ms(knee['latency']['p99_us'])} ms)"
        if broke:
            result += f"; {broke['offered_rps']:,.0f}: {broke['achieved_rps']:,.0f} ok, p99 {ms(broke['latency']['p99_us'])} ms"
    elif name == "spike":
        spike = data["spike"]
        result = (f"p99 before {ms(spike['before_p99_us'])} ms, peak {ms(spike['peak_p99_us'])} ms, "
                  f"**recovered {spike['recovery_seconds']} s** after the spike")
    elif name == "soak":
        soak = data["soak"]
        result = (f"RSS {soak['rss_first_kib'] // 1024} -> {soak['rss_last_kib'] // 1024} MiB; "
                  f"p99 first {ms(soak['p99_first_us'])} ms, last {ms(soak['p99_last_us'])} ms")
    else:
        ops = data.get("operations", {})
        parts = []
        for key, op in (("get", "GetSchemaById"), ("register", "RegisterSchema")):
            if key in ops and "latency" in ops[key]:
                parts.append(f"{op} p50 {ms(ops[key]['latency']['p50_us'])} / p99 {ms(ops[key]['latency']['p99_us'])} ms")
        result = "; ".join(parts)
    return (f"| {name}, {data['summary']['offered_seconds']:.0f} s | {total['offered']:,} | "
            f"{data['summary']['throughput_rps']:,.0f} | {lat(total['latency'])} | {errors} | {result} |")


table = "\n".join(
    ["| scenario | offered | ok req/s | p50 / p90 / p99 / p99.9 / max (ms) | errors | result |",
     "|---|---|---|---|---|---|"]
    + [row(name) for name in ("baseline", "stress", "spike", "soak") if (here / "load" / f"{name}.json").exists()])

if "--update" in sys.argv:
    readme = here / "README.md"
    text = readme.read_text()
    begin, end = "<!-- load-table -->\n", "<!-- /load-table -->\n"
    start, stop = text.index(begin) + len(begin), text.index(end)
    readme.write_text(text[:start] + table + "\n" + text[stop:])
else:
    print(table)
