#!/usr/bin/env python3
"""count_proxy.py --listen PORT --target HOST:PORT: a TCP proxy that counts bytes at the socket.

Forwards every accepted connection to the target and, when both directions have closed,
prints one line: `conn N up BYTES down BYTES` (up = client to server = requests, down =
server to client = responses). Payload bytes only: what TCP/IP headers add is the same for
every protocol per segment and is left out. wire.sh reads these lines; calls are few and
slow there, so asyncio is plenty (the proxy is never in the throughput runs).
"""
import argparse
import asyncio
import itertools
import sys

counter = itertools.count(1)


async def pump(reader, writer, tally, key):
    try:
        while data := await reader.read(65536):
            tally[key] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:  # pass the half-close on: HTTP and RESP clients may still wait for answers
            writer.write_eof()
        except (ConnectionError, OSError, RuntimeError):
            pass


async def serve(host, port, client_reader, client_writer):
    n, tally = next(counter), {"up": 0, "down": 0}
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError as error:
        print(f"conn {n} error {error}", flush=True)
        client_writer.close()
        return
    # When one side has closed, the other gets a few seconds to finish, then the connection is
    # closed and reported anyway: a peer that never half-closes cannot hang the report.
    pumps = {asyncio.create_task(pump(client_reader, server_writer, tally, "up")),
             asyncio.create_task(pump(server_reader, client_writer, tally, "down"))}
    _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    if pending:
        _, pending = await asyncio.wait(pending, timeout=5)
    for task in pending:
        task.cancel()
    for w in (client_writer, server_writer):
        w.close()
    print(f"conn {n} up {tally['up']} down {tally['down']}", flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    server = await asyncio.start_server(
        lambda r, w: serve(host, int(port), r, w), "127.0.0.1", args.listen)
    print(f"count-proxy listening on {args.listen}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
