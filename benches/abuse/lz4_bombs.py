#!/usr/bin/env python3
"""Legal LZ4 bombs against a running server, for a bounded time (issue 13 item 3).

Opens CONNECTIONS connections; on each, keeps IN_FLIGHT Ping requests in flight whose LZ4 bodies
are ~16 KiB on the wire and inflate 255:1 to 4 MiB (every rule of the protocol kept), reading
the answers (so the server is never backpressured into pausing them). Prints how the server
answered. Run it beside a bystander (`schema-registry load`) to see what it costs others.

    benches/abuse/lz4_bombs.py PORT [SECONDS] [CONNECTIONS] [IN_FLIGHT]

Needs the `lz4` package from PyPI.
"""
import collections
import selectors
import socket
import struct
import sys
import time

import lz4.block

PREFACE = bytes([0x89, 0x53, 0x52, 0x50, 0x0D, 0x0A, 0x00, 0x01])
KIND_REQUEST, FLAG_LZ4, METHOD_HELLO, METHOD_PING = 1, 0x01, 1, 2


def frame(kind, flags, code, request_id, body):
    return struct.pack(">IBBHI", len(body), kind, flags, code, request_id) + body


def hello():
    # HelloRequest{protocol_versions: [1], client_name: "lz4-bombs", compressions: [LZ4]}
    name = b"lz4-bombs"
    body = b"\x08\x01" + b"\x12" + bytes([len(name)]) + name + b"\x18\x01"
    return PREFACE + frame(KIND_REQUEST, 0, METHOD_HELLO, 0, body)


def bomb_body(size=4 * 1024 * 1024):
    block = lz4.block.compress(b"\x00" * size, store_size=False)
    return struct.pack(">I", size) + block


class Connection:
    def __init__(self, port, body, in_flight):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setblocking(False)
        self.body, self.in_flight = body, in_flight
        self.outgoing = bytearray(hello())
        self.incoming = bytearray()
        self.next_id, self.pending, self.ready = 1, 0, False

    def fill(self):
        while self.ready and self.pending < self.in_flight:
            self.outgoing += frame(KIND_REQUEST, FLAG_LZ4, METHOD_PING, self.next_id, self.body)
            self.next_id += 1
            self.pending += 1

    def frames(self):
        while len(self.incoming) >= 12:
            length, kind, _, code, _ = struct.unpack(">IBBHI", self.incoming[:12])
            if len(self.incoming) < 12 + length:
                return
            del self.incoming[: 12 + length]
            yield kind, code


def main():
    port = int(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    in_flight = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    body = bomb_body()
    print(f"lz4-bombs: {count} x {in_flight} in flight, {len(body)} bytes on the wire -> 4 MiB each, {seconds} s")
    selector = selectors.DefaultSelector()
    connections = [Connection(port, body, in_flight) for _ in range(count)]
    for connection in connections:
        selector.register(connection.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, connection)
    answers = collections.Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for key, events in selector.select(timeout=0.1):
            connection = key.data
            if events & selectors.EVENT_READ:
                try:
                    data = connection.sock.recv(1 << 20)
                except BlockingIOError:
                    data = None
                if data == b"":
                    print("lz4-bombs: the server closed a connection")
                    selector.unregister(connection.sock)
                    continue
                if data:
                    connection.incoming += data
                    for kind, code in connection.frames():
                        if not connection.ready:
                            connection.ready = code == 0
                            continue
                        connection.pending -= 1
                        answers[code] += 1
            connection.fill()
            if events & selectors.EVENT_WRITE and connection.outgoing:
                try:
                    sent = connection.sock.send(connection.outgoing)
                    del connection.outgoing[:sent]
                except BlockingIOError:
                    pass
    names = {0: "OK", 11: "MALFORMED_REQUEST", 12: "BAD_COMPRESSION", 13: "THROTTLED", 14: "OVERLOADED"}
    total = sum(answers.values())
    print(f"lz4-bombs: {total} answers in {seconds} s: " + ", ".join(
        f"{names.get(code, code)} {n}" for code, n in sorted(answers.items())))


if __name__ == "__main__":
    main()
