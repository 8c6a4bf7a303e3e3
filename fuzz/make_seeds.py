#!/usr/bin/env python3
"""Writes the body of every conformance case (tests/conformance/*.cases) into
fuzz/seeds/conformance/, one file per case: the fuzzers' seed corpus, beside
the hand-written bodies of fuzz/seeds/handlers/ for the fuzz targets' own
handlers."""

import pathlib

root = pathlib.Path(__file__).resolve().parent
seeds = root / "seeds" / "conformance"
seeds.mkdir(parents=True, exist_ok=True)
for old in seeds.iterdir():
    old.unlink()
for cases in sorted((root.parent / "tests" / "conformance").glob("*.cases")):
    for chunk in cases.read_text().split("\n=== ")[1:]:
        name, rest = chunk.split("\n", 1)
        body = rest.split("body:\n", 1)[1].split("\nexpect:\n", 1)[0]
        if rest.split("body:\n", 1)[1].startswith("expect:\n"):
            body = ""
        (seeds / f"{name.strip()}.json").write_text(body)
print(f"{len(list(seeds.glob('*.json')))} seeds in {seeds}")
