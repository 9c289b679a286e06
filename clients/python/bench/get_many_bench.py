#!/usr/bin/env python3
"""Benchmark (not a test): srclient.Client.get_many of 10,000 cached ids against the C client
doing the same work in the same run (bench/c_get_many.c: one connection, the same window of
max_in_flight, every reply parsed and its schema kept).

    python get_many_bench.py [--ids 10000] [--rounds 5] [--port SRP_PORT | --server-bin PATH]

Without --port it starts a server of its own (--server-bin, else $SCHEMA_REGISTRY_BIN, else
.build/debug/schema-registry; benchmark a release build with
--server-bin .build/release/schema-registry; SQLite in a temp dir, loopback, free ports) and
registers the schemas. Needs the package installed (clients/python) and a C compiler with the -dev packages
of README.md (the C side is compiled from clients/c's sources into a temp dir). Rounds
alternate Python and C after a warm-up of each, so the server's cache holds every id; the
ratio is of the medians. Target: Python >= 0.5x C.
"""
from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
C_DIR = REPO / "clients" / "c"


def build_c(work: Path) -> Path:
    binary = work / "c_get_many"
    sources = [str(HERE / "c_get_many.c"), *sorted(glob.glob(str(C_DIR / "src" / "*.c"))),
               *sorted(glob.glob(str(C_DIR / "generated" / "**" / "*.pb-c.c"), recursive=True))]
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libprotobuf-c", "liblz4", "libssl", "libcrypto"],
                           capture_output=True, text=True, check=True).stdout.split()
    command = [os.environ.get("CC", "cc"), "-O2", "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE",
               "-DSR_HAS_TLS=1", f"-I{C_DIR / 'include'}", f"-I{C_DIR / 'generated'}", *sources, *flags,
               "-o", str(binary)]
    subprocess.run(command, check=True)
    return binary


def register(client, count: int):
    import srclient
    ids = []
    prefix = f"bench-{os.getpid()}"
    for i in range(count):
        schema = ('{"type":"record","name":"R%d","namespace":"bench","fields":['
                  '{"name":"id","type":"long"},{"name":"name","type":"string"},'
                  '{"name":"amount","type":"double"},{"name":"tags","type":{"type":"array","items":"string"}}]}' % i)
        for _attempt in range(50):
            try:
                ids.append(client.register(f"{prefix}-{i}", schema).id)
                break
            except srclient.errors.Throttled as error:
                time.sleep(max(error.retry_after_ms, 1) / 1000)
        else:
            raise SystemExit("registration throttled 50 times in a row")
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ids", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, help="SRP port of a running server (default: start one)")
    parser.add_argument("--server-bin", help="the server binary to start (default $SCHEMA_REGISTRY_BIN, else "
                                             ".build/debug/schema-registry), e.g. .build/release/schema-registry")
    args = parser.parse_args()
    if args.server_bin:
        if args.port is not None:
            parser.error("--server-bin starts a server; --port uses a running one: give one of them")
        binary = Path(args.server_bin).resolve()
        if not os.access(binary, os.X_OK):
            parser.error(f"no executable server at {binary}")
        os.environ["SCHEMA_REGISTRY_BIN"] = str(binary)

    import srclient

    with tempfile.TemporaryDirectory(prefix="get-many-bench-") as temp:
        work = Path(temp)
        server = None
        port = args.port
        if port is None:
            sys.path.insert(0, str(REPO / "tests" / "python"))
            from sr_support import server_binary, start_server
            server = start_server(work / "server")
            port = server.srp_port
            print(f"server: {server_binary()} (SRP port {port}, SQLite in {work})")
        try:
            binary = build_c(work)
            with srclient.Client("127.0.0.1", port, timeout=60) as client:
                started = time.perf_counter()
                ids = register(client, args.ids)
                print(f"registered {len(ids)} schemas in {time.perf_counter() - started:.1f} s; "
                      f"max_in_flight {client.max_in_flight}")
                ids_file = work / "ids.txt"
                ids_file.write_text("\n".join(map(str, ids)) + "\n")

                def run_c(rounds: int):
                    done = subprocess.run([str(binary), "127.0.0.1", str(port), str(ids_file), str(rounds)],
                                          capture_output=True, text=True, check=True)
                    return [(float(line.split()[-2]), float(line.split()[-4])) for line in done.stdout.splitlines()]

                def run_python():
                    # A new connection per round, made before the clock starts, as c_get_many
                    # does: the server's token bucket is per connection (token-rate 100,000/s,
                    # burst 20,000 by default), so a connection reused round after round would be
                    # THROTTLED (and wait out retry_after_ms) where the C side, connecting
                    # afresh, is not.
                    with srclient.Client("127.0.0.1", port, timeout=60) as fresh:
                        started, cpu = time.perf_counter(), time.process_time()
                        found = fresh.get_many(ids)
                        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                    assert len(found) == len(set(ids))
                    return len(ids) / elapsed, cpu / len(ids) * 1e6

                run_python(), run_c(1)  # warm-up: every id in the server's cache
                python_runs, c_runs = [], []
                for round_number in range(1, args.rounds + 1):
                    python_runs.append(run_python())
                    c_runs.append(run_c(1)[0])
                    print(f"round {round_number}: python {python_runs[-1][0]:,.0f} ids/s "
                          f"({python_runs[-1][1]:.2f} us CPU/id), C {c_runs[-1][0]:,.0f} ids/s "
                          f"({c_runs[-1][1]:.2f} us CPU/id)")
            python_median = statistics.median(r for r, _ in python_runs)
            c_median = statistics.median(r for r, _ in c_runs)
            python_cpu = statistics.median(c for _, c in python_runs)
            c_cpu = statistics.median(c for _, c in c_runs)
            ratio = python_median / c_median
            print(f"get_many of {len(ids):,} cached ids, median of {args.rounds} rounds: "
                  f"python {python_median:,.0f} ids/s, C {c_median:,.0f} ids/s, ratio {ratio:.2f}x "
                  f"(target >= 0.5x: {'met' if ratio >= 0.5 else 'NOT met'})")
            print(f"client CPU per id (the client's own cost, whatever the server's speed): python {python_cpu:.2f} us, "
                  f"C {c_cpu:.2f} us, C/python {c_cpu / python_cpu:.2f}x")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
