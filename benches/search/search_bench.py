#!/usr/bin/env python3
"""Search latency with N ~1 KiB schemas (issue 19), the server beside the same SQL by hand.

Fills the store behind a running server (directly in its tables: the layout comes from the
server's migrations, so triggers that keep a search index see every row), then measures, round
after round alternated, per-query latency of:
  - the server: POST /x-registry/v1/search (REST, keep-alive, pageSize 10), which goes through
    the dispatcher, RegistryService and the store's search;
  - raw SQL by hand on a connection of this process: the query the store runs, LIMIT 11.
Query kinds: word (`query`), two words, prefix (`query` with `*`), subject-prefix listing,
substring (`text`). Without `--ranked` (a server without the index) word and prefix kinds are
skipped and `text` is compared with the substring scan by hand, the issue's "before".

Usage: search_bench.py --store sqlite --db PATH --rest PORT [--count N] [--rounds R] [--ranked]
       search_bench.py --store postgres --db URL --rest PORT ...
"""
import argparse, http.client, json, random, statistics, time

VOCAB_SEED = 19


def vocabulary(size=4000):
    rng = random.Random(VOCAB_SEED)
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["qu", "th", "sh", "ch"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


WORDS = vocabulary()
TEAMS = [f"team{n:02d}" for n in range(50)]
DOMAINS = ["orders", "payments", "customers", "inventory", "shipping", "billing", "identity", "catalog"]
TAGS = ["pii", "gdpr", "internal", "public", "deprecated", "beta", "finance", "audit"]
TYPES = ['"long"', '"string"', '"double"', '"boolean"', '"int"', '["null","string"]']


def document(n, rng):
    """Subject, canonical Avro text (~1 KiB), metadata and tags of the n-th version."""
    team, domain = TEAMS[n % len(TEAMS)], DOMAINS[(n // len(TEAMS)) % len(DOMAINS)]
    entity = rng.choice(WORDS)
    subject = f"{team}.{domain}.{entity}{n}-value"
    fields = []
    while sum(len(f) for f in fields) < 850:
        name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
        fields.append('{"name":"%s","type":%s}' % (name, rng.choice(TYPES)))
    text = '{"type":"record","name":"%s%d","namespace":"com.acme.%s.%s","fields":[%s]}' % (
        entity.capitalize(), n, team, domain, ",".join(fields))
    metadata = {"owner": team, "domain": domain}
    if n % 7 == 0:
        metadata["steward"] = rng.choice(WORDS)
    tags = sorted(rng.sample(TAGS, n % 3))
    return subject, text, metadata, tags


def fill(args):
    rng = random.Random(1)
    rows = [document(n, rng) for n in range(args.count)]
    dumps = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))
    started = time.time()
    if args.store == "sqlite":
        import sqlite3
        db = sqlite3.connect(args.db, timeout=60)
        if db.execute("SELECT count(*) FROM schemas").fetchone()[0] >= args.count:
            return
        with db:
            for n, (subject, text, metadata, tags) in enumerate(rows):
                cur = db.execute(
                    "INSERT INTO schemas (schema_type, canonical, fingerprint, refs) VALUES (0, ?, ?, '[]')",
                    (text, f"{n:016x}"))
                db.execute(
                    "INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags, created_at)"
                    " VALUES (?, 1, ?, 0, ?, ?, 0)", (subject, cur.lastrowid, dumps(metadata), dumps(tags)))
        db.execute("ANALYZE")
        db.close()
    else:
        import psycopg2
        db = psycopg2.connect(args.db)
        cur = db.cursor()
        cur.execute("SELECT count(*) FROM schemas")
        if cur.fetchone()[0] >= args.count:
            return
        for start in range(0, len(rows), 2000):
            chunk = rows[start:start + 2000]
            cur.execute(
                "INSERT INTO schemas (schema_type, canonical, fingerprint, refs)"
                " SELECT 0, t, f, '[]' FROM unnest(%s::text[], %s::text[]) AS u(t, f) RETURNING id",
                ([r[1] for r in chunk], [f"{start + i:016x}" for i in range(len(chunk))]))
            ids = [r[0] for r in cur.fetchall()]
            cur.execute(
                "INSERT INTO subject_versions (subject, version, schema_id, deleted, metadata, tags)"
                " SELECT s, 1, i, false, m::jsonb, g::jsonb FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::text[])"
                " AS u(s, i, m, g)",
                ([r[0] for r in chunk], ids, [dumps(r[2]) for r in chunk], [dumps(r[3]) for r in chunk]))
        db.commit()
        # VACUUM also moves the GIN index's pending list (fastupdate) into the index proper, as
        # autovacuum would after a bulk load; without it every query scans up to 4 MB of it.
        db.autocommit = True
        cur.execute("VACUUM ANALYZE")
        db.close()
    print(f"filled {args.count} versions in {time.time() - started:.1f} s")


# ---------------------------------------------------------------- the SQL by hand

SQLITE_COLUMNS = ("SELECT sv.subject, sv.version, sv.deleted, sv.metadata, sv.tags, s.id, s.schema_type, "
                  "s.canonical, s.refs FROM ")
PG_COLUMNS = SQLITE_COLUMNS


def fts_query(words, store):
    """The index query the stores build from `query` (terms ANDed, a trailing * is a prefix)."""
    terms = []
    for word in words.split():
        prefix = word.endswith("*")
        token = word.rstrip("*").lower()
        if store == "sqlite":
            terms.append(f'"{token}"' + ("*" if prefix else ""))
        else:
            terms.append(token + (":*" if prefix else ""))
    return (" " if store == "sqlite" else " & ").join(terms)


def by_hand(store, kind, value):
    """(sql, parameters) of the raw query for one kind."""
    if store == "sqlite":
        if kind in ("word", "words", "prefix"):
            # Ranked in the index alone, then the page's rows (the shape the store runs). With
            # bm25(): Python's sqlite3 has no sr_rank (registered by the store on its connections),
            # so this column is the store's former function (search-store-bench times both).
            return (SQLITE_COLUMNS + "(SELECT rowid AS id, bm25(search_index, 10.0, 5.0, 3.0, 3.0, 1.0) AS score "
                    "FROM search_index WHERE search_index MATCH ? ORDER BY score LIMIT 11) r "
                    "CROSS JOIN search_documents d ON d.id = r.id "
                    "CROSS JOIN subject_versions sv ON sv.subject = d.subject AND sv.version = d.version "
                    "CROSS JOIN schemas s ON s.id = sv.schema_id WHERE sv.deleted = 0 "
                    "ORDER BY r.score, sv.subject, sv.version",
                    (fts_query(value, store),))
        if kind == "subject-prefix":
            return (SQLITE_COLUMNS + "subject_versions sv JOIN schemas s ON s.id = sv.schema_id "
                    "WHERE sv.subject >= ? AND sv.subject < ? AND sv.deleted = 0 ORDER BY sv.subject, sv.version LIMIT 11",
                    (value, value + "\uffff"))
        return (SQLITE_COLUMNS + "subject_versions sv JOIN schemas s ON s.id = sv.schema_id "
                "WHERE sv.deleted = 0 AND instr(s.canonical, ?) > 0 ORDER BY sv.subject, sv.version LIMIT 11",
                (value,))
    if kind in ("word", "words", "prefix"):
        q = fts_query(value, store)
        return (PG_COLUMNS + "(SELECT d.subject, d.version, ts_rank(d.document, to_tsquery('simple', %s)) AS score "
                "FROM search_documents d WHERE d.document @@ to_tsquery('simple', %s) AND NOT d.deleted "
                "ORDER BY score DESC, d.subject, d.version LIMIT 11) r "
                "JOIN subject_versions sv ON sv.subject = r.subject AND sv.version = r.version "
                "JOIN schemas s ON s.id = sv.schema_id ORDER BY r.score DESC, r.subject, r.version",
                (q, q))
    if kind == "subject-prefix":
        return (PG_COLUMNS + "subject_versions sv JOIN schemas s ON s.id = sv.schema_id "
                "WHERE sv.subject >= %s AND sv.subject < %s AND NOT sv.deleted ORDER BY sv.subject, sv.version LIMIT 11",
                (value, value + "\uffff"))
    return (PG_COLUMNS + "subject_versions sv JOIN schemas s ON s.id = sv.schema_id "
            "WHERE NOT sv.deleted AND strpos(s.canonical, %s) > 0 ORDER BY sv.subject, sv.version LIMIT 11",
            (value,))


def request_body(kind, value):
    if kind == "subject-prefix":
        return {"subjectPrefix": value, "pageSize": 10}
    if kind == "text":
        return {"text": value, "pageSize": 10}
    return {"query": value, "pageSize": 10}


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--rest", type=int, required=True)
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--text-per-round", type=int, default=3)
    parser.add_argument("--ranked", action="store_true", help="the server has the index: measure `query`")
    args = parser.parse_args()
    fill(args)

    if args.store == "sqlite":
        import sqlite3
        db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        run_sql = lambda sql, params: db.execute(sql, params).fetchall()
    else:
        import psycopg2
        db = psycopg2.connect(args.db)
        db.autocommit = True
        cur = db.cursor()
        def run_sql(sql, params):
            cur.execute(sql, params)
            return cur.fetchall()
    conn = http_connection(args.rest)

    rng = random.Random(7)
    kinds = ["subject-prefix", "text"] + (["word", "words", "prefix"] if args.ranked else [])
    def values(kind, count):
        if kind == "subject-prefix":
            return [f"{rng.choice(TEAMS)}.{rng.choice(DOMAINS)}." for _ in range(count)]
        if kind == "word":
            return [rng.choice(WORDS) for _ in range(count)]
        if kind == "words":
            return [f"{rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(count)]
        if kind == "prefix":
            return [rng.choice(WORDS)[:4] + "*" for _ in range(count)]
        # A whole field name: rare (most match nothing), so the substring scan reads every row.
        return [f"{rng.choice(WORDS)}_{rng.choice(WORDS)}" for _ in range(count)]

    ours = {k: [] for k in kinds}
    raw = {k: [] for k in kinds}
    hits = {k: [] for k in kinds}
    for round_number in range(args.rounds):
        for kind in kinds:
            batch = values(kind, args.text_per_round if kind == "text" else args.per_round)
            # Alternate which side goes first, so neither always runs on a warmer cache.
            sides = [("ours", ours), ("raw", raw)]
            if round_number % 2:
                sides.reverse()
            for side, into in sides:
                for value in batch:
                    if side == "ours":
                        body = json.dumps(request_body(kind, value))
                        start = time.perf_counter()
                        conn.request("POST", "/x-registry/v1/search", body, {"Content-Type": "application/json"})
                        response = conn.getresponse()
                        payload = response.read()
                        into[kind].append(time.perf_counter() - start)
                        if response.status != 200:
                            raise SystemExit(f"{kind} {value!r}: HTTP {response.status} {payload[:200]!r}")
                        hits[kind].append(len(json.loads(payload)["results"]))
                    else:
                        sql, params = by_hand(args.store, kind, value)
                        start = time.perf_counter()
                        run_sql(sql, params)
                        into[kind].append(time.perf_counter() - start)
    print(f"| kind | queries | server p50 / p99 ms | SQL by hand p50 / p99 ms | speed vs SQL (p50) | results (mean) |")
    print("|---|---|---|---|---|---|")
    for kind in kinds:
        a, b = ours[kind], raw[kind]
        print(f"| {kind} | {len(a)} | {percentile(a, 50)*1e3:.2f} / {percentile(a, 99)*1e3:.2f} | "
              f"{percentile(b, 50)*1e3:.2f} / {percentile(b, 99)*1e3:.2f} | "
              f"{percentile(b, 50) / percentile(a, 50):.2f}x | {statistics.mean(hits[kind]):.1f} |")


def http_connection(port):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.connect()
    return connection


if __name__ == "__main__":
    main()
