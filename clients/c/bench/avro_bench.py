#!/usr/bin/env python3
"""Avro binary encode+decode of a ~1 KiB record: libsrclient's codec (build/avro-bench) against
fastavro (schemaless_writer + schemaless_reader), same record, same run, one operation = one
encode + one decode. Not a test: prints ops/s of each and the ratios.

    python3 bench/avro_bench.py [-n N] [--bench build/avro-bench]     (from clients/c, after make)

Needs fastavro (pip install fastavro==1.13.1)."""
import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import fastavro

SCHEMA = {
    "type": "record", "name": "Order", "namespace": "bench",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
            {"name": "name", "type": "string"}, {"name": "email", "type": "string"},
            {"name": "address", "type": ["null", "string"]},
            {"name": "tier", "type": {"type": "enum", "name": "Tier", "symbols": ["FREE", "SILVER", "GOLD"]}}]}},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
            {"name": "sku", "type": "string"}, {"name": "title", "type": "string"},
            {"name": "qty", "type": "int"}, {"name": "price", "type": "double"},
            {"name": "discount", "type": ["null", "float"]}]}}},
        {"name": "tags", "type": {"type": "map", "values": "string"}},
        {"name": "paid", "type": "boolean"},
        {"name": "checksum", "type": {"type": "fixed", "name": "Md5", "size": 16}},
        {"name": "note", "type": ["null", "string"]},
    ],
}
RECORD = {
    "id": 1234567890123, "created": 1733443200000,
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "address": "12 St James's Square, London",
                 "tier": "GOLD"},
    "lines": [{"sku": f"SKU-{i:05d}", "title": f"Analytical engine part number {i}", "qty": i + 1,
               "price": 19.99 * (i + 1), "discount": 0.5 if i % 2 else None} for i in range(16)],
    "tags": {"channel": "web", "campaign": "winter-2026", "region": "eu-west"},
    "paid": True, "checksum": bytes(range(16)), "note": "leave at the door",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=50000)
    parser.add_argument("--bench", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build",
                                                        "avro-bench"))
    args = parser.parse_args()
    parsed = fastavro.parse_schema(SCHEMA)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, RECORD)
    datum = out.getvalue()

    with tempfile.TemporaryDirectory() as work:
        schema_path, datum_path = os.path.join(work, "schema.json"), os.path.join(work, "datum.avro")
        with open(schema_path, "w") as f:
            json.dump(SCHEMA, f)
        with open(datum_path, "wb") as f:
            f.write(datum)
        c = subprocess.run([args.bench, schema_path, datum_path, str(args.n)], capture_output=True, text=True)
    if c.returncode != 0:
        sys.exit(f"{args.bench} failed: {c.stderr}")
    print(c.stdout, end="")
    rates = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+): .* = (\d+) ops/s$", c.stdout, re.M)}

    start = time.perf_counter()
    for _ in range(args.n):
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, parsed, RECORD)
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, parsed, None)
    seconds = time.perf_counter() - start
    fast = args.n / seconds
    print(f"fastavro {fastavro.__version__}: {args.n} ops in {seconds:.3f} s = {fast:.0f} ops/s "
          f"(dict -> bytes -> dict; {len(datum)} bytes)")
    for mode in ("text", "value"):
        if mode in rates:
            print(f"ratio C {mode} / fastavro: {rates[mode] / fast:.2f}x")


if __name__ == "__main__":
    main()
