#!/usr/bin/env python3
"""Registers N distinct ~1 KiB Avro schemas (one subject each) through the REST API, with T
threads on persistent connections: the data set of the memory benchmark (run.sh).

    python3 fill.py <rest-port> <count> [threads]"""
import http.client
import json
import random
import string
import sys
import threading


def schema_text(n, size=1024):
    """A record whose canonical text is about `size` bytes: a few fields with random docs
    (random letters, so LZ4 keeps about their size, as with real varied schemas)."""
    rng = random.Random(n)
    fields = []
    text = ""
    while True:
        doc = "".join(rng.choice(string.ascii_letters) for _ in range(80))
        fields.append({"name": f"f{len(fields)}", "type": "string", "doc": doc})
        text = json.dumps({"type": "record", "name": f"R{n}", "fields": fields}, separators=(",", ":"))
        if len(text) >= size - 60:
            return text


def worker(port, start, stop, errors):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for n in range(start, stop):
        body = json.dumps({"schema": schema_text(n)})
        connection.request("POST", f"/subjects/mem-{n}/versions", body,
                           {"Content-Type": "application/vnd.schemaregistry.v1+json"})
        answer = connection.getresponse()
        payload = answer.read()
        if answer.status != 200:
            errors.append(f"{n}: {answer.status} {payload[:200]!r}")
            return


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    errors = []
    step = (count + threads - 1) // threads
    workers = [threading.Thread(target=worker, args=(port, i * step, min(count, (i + 1) * step), errors))
               for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        sys.exit("fill failed: " + "; ".join(errors[:3]))


if __name__ == "__main__":
    main()
