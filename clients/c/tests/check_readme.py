#!/usr/bin/env python3
"""Checks that every C block of README.md is a whole program of examples/, verbatim: each
```c block must follow a `<!-- example: examples/NAME.c -->` line and equal that file. (The
Makefile builds every examples/*.c, and tests/run.sh runs them against a server.) Prints
one line per block and "N passed, N failed"."""
import difflib
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
readme = open(os.path.join(root, "README.md")).read()
blocks = re.finditer(r"(?:<!-- example: (\S+) -->\n)?```c\n(.*?)```", readme, re.S)
passed = failed = 0
files = []
for block in blocks:
    path, text = block.group(1), block.group(2)
    line = readme.count("\n", 0, block.start()) + 1
    if path is None:
        failed += 1
        print(f"FAIL README.md:{line}: a C block without an <!-- example: examples/NAME.c --> line")
        continue
    files.append(path)
    try:
        expected = open(os.path.join(root, path)).read()
    except OSError as e:
        failed += 1
        print(f"FAIL README.md:{line}: {e}")
        continue
    if text == expected:
        passed += 1
        print(f"ok   README.md:{line} is {path}")
    else:
        failed += 1
        print(f"FAIL README.md:{line} differs from {path}:")
        sys.stdout.writelines(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), path, "README.md"))
if not files:
    failed += 1
    print("FAIL README.md has no C example blocks")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
