"""Same answers before and after a speed change: ``rings --json`` with the timings left out.

Usage::

    .venv/bin/python benchmarks/same_rings.py save DB OUT.json   # a first `rings`, normalized
    .venv/bin/python benchmarks/same_rings.py diff A.json B.json # exit 1 and the paths that differ
    .venv/bin/python benchmarks/same_rings.py county DIR         # small sample counties' stores

``save`` drops the store's kept analysis first (a first ``rings``), runs the command in a
fresh interpreter and writes its JSON without the keys that hold seconds (``timing``,
``seconds``, ``seconds_sql``), so two runs of the same code compare equal byte for byte.
``county`` writes the sample counties (seeds 101-103, 3,000 persons, and seed 7 with 800)
as stores under DIR, to compare on small cases too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIMED = {"timing", "seconds", "seconds_sql"}


def strip(x):
    """``x`` without the keys that hold seconds."""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in TIMED}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def save(db: str, out: str) -> None:
    import duckdb

    with duckdb.connect(db) as con:
        con.execute("DROP TABLE IF EXISTS analysis_cache")
    res = subprocess.run([sys.executable, "-m", "workbench", "rings", "--db", db, "--json"],
                         check=True, capture_output=True, text=True)
    Path(out).write_text(json.dumps(strip(json.loads(res.stdout)), indent=1, sort_keys=True))


def diff(a, b, path: str = "") -> list[str]:
    """Paths where ``a`` and ``b`` differ."""
    if type(a) is not type(b):
        return [f"{path}: {a!r:.80} != {b!r:.80}"]
    if isinstance(a, dict):
        out = [f"{path}/{k}: only one side" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            out += diff(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list):
        out = [f"{path}: {len(a)} != {len(b)} items"] if len(a) != len(b) else []
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out += diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r:.80} != {b!r:.80}"]


def county(where: str) -> None:
    from workbench.case import Case
    from workbench.sample import write_sample

    for seed, persons in ((101, 3000), (102, 3000), (103, 3000), (7, 800)):
        data = Path(where) / f"data_{seed}"
        if (Path(where) / f"county_{seed}.duckdb").exists():
            continue
        write_sample(data, persons=persons, seed=seed)
        Case(Path(where) / f"county_{seed}.duckdb").ingest([data])


def main() -> None:
    cmd, *args = sys.argv[1:]
    if cmd == "save":
        save(*args)
    elif cmd == "county":
        county(*args)
    else:
        a, b = (json.loads(Path(p).read_text()) for p in args)
        lines = diff(a, b)
        print("\n".join(lines[:40]) or "same")
        sys.exit(1 if lines else 0)


if __name__ == "__main__":
    main()
