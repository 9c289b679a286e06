#!/usr/bin/env python3
"""Same-run ratios for what a Kafka client pays per record (issues 17 and 18):

- Avro binary decode + encode of a ~1 KiB record: our Swift codec (serdes-bench avro) and the C
  client's (clients/c/build/avro-bench, when built) against fastavro; the record and schema are
  clients/c/bench/avro_bench.py's.
- Binary Protobuf: our validator (serdes-bench protobuf) against the Python protobuf package's
  upb parser (ParseFromString) on the same ~1 KiB message: google/protobuf/api.proto's
  FileDescriptorProto, checked against descriptor.proto.

    python3 peers/serdes_peers.py <serdes-bench> [-n N]      (benches/formats/run.sh runs it)"""
import argparse
import importlib.util
import io
import os
import re
import subprocess
import sys
import tempfile
import time

import fastavro
from google.protobuf import api_pb2, descriptor_pb2
from google.protobuf.internal import api_implementation

# --cpu: rates from CPU time (this process's, and the benches' own) instead of wall time, for a
# machine where other work shares the cores.
CPU = False
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load_c_bench():
    path = os.path.join(ROOT, "clients", "c", "bench", "avro_bench.py")
    spec = importlib.util.spec_from_file_location("avro_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rate_of(output, label):
    match = re.search(rf"^{re.escape(label)}: .* = (\d+) ops/s \(CPU (\d+) ops/s\)$", output, re.M)
    if match:
        return float(match.group(2) if CPU else match.group(1))
    match = re.search(rf"^{re.escape(label)}: .* = (\d+) ops/s$", output, re.M)
    return float(match.group(1)) if match else None


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{command[0]} failed: {result.stderr}{result.stdout}")
    print(result.stdout, end="")
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bench")
    parser.add_argument("-n", type=int, default=50000)
    parser.add_argument("--cpu", action="store_true")
    args = parser.parse_args()
    global CPU
    CPU = args.cpu
    clock = time.process_time if CPU else time.perf_counter
    c_bench = load_c_bench()
    import json
    parsed = fastavro.parse_schema(c_bench.SCHEMA)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, c_bench.RECORD)
    datum = out.getvalue()
    message = descriptor_pb2.FileDescriptorProto()
    api_pb2.DESCRIPTOR.CopyToProto(message)
    payload = message.SerializeToString()

    with tempfile.TemporaryDirectory() as work:
        paths = {name: os.path.join(work, name) for name in ("schema.json", "datum.avro", "payload.bin")}
        with open(paths["schema.json"], "w") as f:
            json.dump(c_bench.SCHEMA, f)
        with open(paths["datum.avro"], "wb") as f:
            f.write(datum)
        with open(paths["payload.bin"], "wb") as f:
            f.write(payload)
        swift_avro = rate_of(run([args.bench, "avro", paths["schema.json"], paths["datum.avro"], str(args.n)]),
                             "swift avro decode+encode")
        c_path = os.path.join(ROOT, "clients", "c", "build", "avro-bench")
        c_value = None
        if os.path.exists(c_path):
            c_value = rate_of(run([c_path, paths["schema.json"], paths["datum.avro"], str(args.n)]), "value")
        descriptor_proto = "/usr/include/google/protobuf/descriptor.proto"
        # FileDescriptorProto is descriptor.proto's second message (index 1).
        swift_proto = rate_of(run([args.bench, "protobuf", descriptor_proto, paths["payload.bin"], "1",
                                   str(args.n * 4)]), "swift protobuf validate")

    start = clock()
    for _ in range(args.n):
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, parsed, c_bench.RECORD)
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, parsed, None)
    fast = args.n / (clock() - start)
    print(f"fastavro {fastavro.__version__} write+read ({len(datum)} bytes): {fast:.0f} ops/s")

    n = args.n * 4
    start = clock()
    for _ in range(n):
        descriptor_pb2.FileDescriptorProto().ParseFromString(payload)
    upb = n / (clock() - start)
    print(f"python protobuf ({api_implementation.Type()}) ParseFromString ({len(payload)} bytes): {upb:.0f} ops/s")

    print(f"ratio swift avro / fastavro: {swift_avro / fast:.2f}x (target >= 1.0x)")
    if c_value:
        print(f"ratio C avro (values) / fastavro: {c_value / fast:.2f}x (target >= 1.0x)")
    print(f"ratio swift protobuf validation / upb parse: {swift_proto / upb:.2f}x (target >= 1.0x)")


if __name__ == "__main__":
    main()
