#!/usr/bin/env python3
"""Replaces the table between <!-- NAME-table --> and <!-- /NAME-table --> in
benches/README.md with the last markdown table printed in a results file.
Usage: splice_table.py NAME RESULTS_FILE"""
import pathlib, sys

name, results = sys.argv[1], pathlib.Path(sys.argv[2])
lines = results.read_text().splitlines()
tables, current = [], []
for line in lines + [""]:
    if line.startswith("|"):
        current.append(line)
    elif current:
        tables.append(current)
        current = []
if not tables:
    sys.exit(f"splice_table: no markdown table in {results}")
readme = pathlib.Path(__file__).resolve().parent / "README.md"
text = readme.read_text()
begin, end = f"<!-- {name}-table -->\n", f"<!-- /{name}-table -->\n"
start, stop = text.index(begin) + len(begin), text.index(end)
readme.write_text(text[:start] + "\n".join(tables[-1]) + "\n" + text[stop:])
