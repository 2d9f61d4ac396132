"""Hits across cases at office scale: one case against 50 stores of 1M records each.

Usage::

    .venv/bin/python benchmarks/hits.py [--stores 50] [--records 1000000] [--dir DIR]

Every store is a real case store (the workbench's schema, made by ``Store``) whose calls are
generated with DuckDB SQL directly: numbers from a pool of its own, one call in 400 with a
number of the case under study (so each store shares about a thousand numbers with it).
The workbench path (``workbench.hits.find_hits``) attaches each store read-only and joins
the distinct identifier sets in SQL, then reads the records behind every hit on both sides.
The naive path opens each store, fetches its distinct numbers into a Python set and
intersects it with the case's set (no records). Both run in this process; the ratio is
printed. Generation is not timed.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import duckdb

from workbench.hits import find_hits
from workbench.store import Store

log = logging.getLogger("benchmarks.hits")

_POOL = 400_000  # distinct numbers per store


def make_store(path: Path, k: int, records: int) -> None:
    """A case store of ``records`` calls: numbers of pool ``k`` (pool 0: the case studied),
    one call in 400 to a number of pool 0."""
    with Store(path) as store:
        con = store.con
        con.execute("INSERT INTO sources (source_id, batch_id, file, sha256, kind) "
                    "VALUES (1, 1, 'calls.csv', repeat('0', 64), 'calls')")
        base = 10_000_000 + k * _POOL
        con.execute(
            f"""INSERT INTO calls (caller, callee, started_at, duration_s, _source, _line,
                                   _row_hash)
            SELECT '+86138' || lpad(({base} + (i * 7919) % {_POOL})::VARCHAR, 8, '0'),
                   '+86139' || lpad((CASE WHEN k > 0 AND i % 400 = 0
                                     THEN 10000000 + (i * 104729) % {_POOL}
                                     ELSE {base} + (i * 104729) % {_POOL} END)::VARCHAR, 8, '0'),
                   TIMESTAMPTZ '2019-01-01 00:00:00+08' + to_seconds(i % 15552000),
                   (i % 600)::INTEGER, 1, i + 2, hash(i, {k})::UHUGEINT
            FROM (SELECT range AS i, {k} AS k FROM range({records}))""")
        if k == 0:  # the case under study calls with pool-0 numbers on both sides
            con.execute("UPDATE calls SET callee = '+86139' || substr(caller, 7)")


def naive(main: Path, others: list[Path]) -> int:
    """Python sets: each store's distinct numbers fetched and intersected."""
    def numbers(path: Path) -> set[str]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            rows = con.execute("SELECT caller FROM calls UNION SELECT callee FROM calls "
                               "UNION SELECT phone FROM phones").fetchall()
        finally:
            con.close()
        return {r[0] for r in rows}

    mine = numbers(main)
    return sum(len(mine & numbers(p)) for p in others)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root = args.dir or Path(tempfile.mkdtemp(prefix="wb-hits-"))
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = []
    for k in range(args.stores + 1):
        path = root / f"case{k:02d}.duckdb"
        if not path.exists():
            make_store(path, k, args.records)
        paths.append(path)
    log.info("generated %d stores of %d records in %.1f s (%s)", len(paths), args.records,
             time.perf_counter() - t0, root)
    main_path, others = paths[0], paths[1:]
    t0, c0 = time.perf_counter(), time.process_time()
    with Store(main_path, read_only=True) as store:
        found = find_hits(store.con, others, limit=3)
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    per_store = sum(c["hits"] for c in found["compared"])
    t0, c0 = time.perf_counter(), time.process_time()
    shared = naive(main_path, others)
    slow, slow_cpu = time.perf_counter() - t0, time.process_time() - c0
    log.info("workbench (ATTACH READ_ONLY, SQL semi-joins, records both sides): %.1f s "
             "(CPU %.1f s, all threads) for %d stores x %d records: %d distinct hits, "
             "%d store-hits", ours, ours_cpu, len(others), args.records, len(found["hits"]),
             per_store)
    log.info("naive (Python sets of distinct numbers, no records): %.1f s (CPU %.1f s), "
             "%d store-hits", slow, slow_cpu, shared)
    log.info("ratio naive / workbench: %.2fx wall, %.2fx CPU; load average %.1f",
             slow / ours if ours else float("nan"),
             slow_cpu / ours_cpu if ours_cpu else float("nan"), os.getloadavg()[0])


if __name__ == "__main__":
    main()
