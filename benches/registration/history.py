#!/usr/bin/env python3
"""Registration latency against a subject's history size (issue 13 item 11).

Registers VERSIONS versions of one Avro schema in one subject, one request at a time over one SRP
connection, after setting the subject's compatibility LEVEL. Versions differ only in `doc`, so
every schema is the same size and every check compares two equally small schemas: what grows
is the history the server has to look at. Prints the median and p99 registration latency of
the first versions and of the last ones in each bucket, so a flat curve reads as equal rows.

    benches/registration/history.py PORT [VERSIONS] [LEVEL]     # LEVEL: BACKWARD (default), FULL,
                                                                # NONE, BACKWARD_TRANSITIVE, ...

Bounded: VERSIONS requests (default 10,000), each with a 30 s timeout. Standard library only.
"""
import socket
import statistics
import struct
import sys
import time

PREFACE = bytes([0x89, 0x53, 0x52, 0x50, 0x0D, 0x0A, 0x00, 0x01])
KIND_REQUEST, KIND_RESPONSE = 1, 2
METHOD_HELLO, METHOD_REGISTER, METHOD_SET_CONFIG = 1, 20, 41
LEVELS = {
    "NONE": 1, "BACKWARD": 2, "BACKWARD_TRANSITIVE": 3, "FORWARD": 4, "FORWARD_TRANSITIVE": 5,
    "FULL": 6, "FULL_TRANSITIVE": 7,
}


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field_bytes(number, data):
    return varint(number << 3 | 2) + varint(len(data)) + data


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def frame(kind, code, request_id, body):
    return struct.pack(">IBBHI", len(body), kind, 0, code, request_id) + body


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = bytearray()
        self.next_id = 0
        # HelloRequest{protocol_versions: [1], client_name}
        hello = field_varint(1, 1) + field_bytes(2, b"registration-history")
        self.sock.sendall(PREFACE + frame(KIND_REQUEST, METHOD_HELLO, 0, hello))
        self.read_frame()

    def read_frame(self):
        while True:
            if len(self.buffer) >= 12:
                length, kind, _, code, request_id = struct.unpack(">IBBHI", self.buffer[:12])
                if len(self.buffer) >= 12 + length:
                    body = bytes(self.buffer[12 : 12 + length])
                    del self.buffer[: 12 + length]
                    return kind, code, request_id, body
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise SystemExit("server closed the connection")
            self.buffer += chunk

    def call(self, method, body):
        self.next_id += 1
        self.sock.sendall(frame(KIND_REQUEST, method, self.next_id, body))
        kind, code, request_id, answer = self.read_frame()
        if kind != KIND_RESPONSE or request_id != self.next_id or code != 0:
            raise SystemExit(f"request {self.next_id}: kind {kind} status {code}: {answer[:200]!r}")
        return answer


def schema(version):
    return (
        '{"type":"record","name":"Order","namespace":"bench","doc":"version %d","fields":['
        '{"name":"id","type":"long"},{"name":"amount","type":"double"},'
        '{"name":"note","type":["null","string"],"default":null}]}' % version
    ).encode()


def main():
    port = int(sys.argv[1])
    versions = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    level = sys.argv[3] if len(sys.argv) > 3 else "BACKWARD"
    subject = f"history-{level.lower()}-{int(time.time())}".encode()
    connection = Connection(port)
    connection.call(METHOD_SET_CONFIG, field_bytes(1, subject) + field_varint(2, LEVELS[level]))
    latencies = []
    started = time.monotonic()
    for version in range(1, versions + 1):
        body = field_bytes(1, subject) + field_bytes(3, schema(version))
        before = time.perf_counter()
        connection.call(METHOD_REGISTER, body)
        latencies.append(time.perf_counter() - before)
    elapsed = time.monotonic() - started
    print(f"{versions} registrations in one subject at {level}: {elapsed:.1f} s, {versions / elapsed:.0f}/s")
    print("| versions already there | median ms | p99 ms |")
    print("|---|---|---|")
    # Windows of 100 registrations: the first, some in between, and the last.
    starts = sorted({0, *[edge for edge in (1_000, 2_500, 5_000, 7_500) if edge + 100 < versions], max(0, versions - 100)})
    for start in starts:
        window = latencies[start : start + 100]
        ordered = sorted(window)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        label = f"{start}-{start + len(window) - 1}"
        print(f"| {label} | {statistics.median(window) * 1000:.2f} | {p99 * 1000:.2f} |")


if __name__ == "__main__":
    main()
