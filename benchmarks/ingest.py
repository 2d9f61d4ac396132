"""Ingest benchmark: full validation against a bare DuckDB read of the same file.

Usage::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/ingest.py            # 1M and 5M call rows
    PYTHONPATH=$PWD .venv/bin/python benchmarks/ingest.py --rows 200000
    PYTHONPATH=$PWD .venv/bin/python benchmarks/ingest.py --before /tmp/old --repeat 3

For each size it writes a calls CSV (phones in several spellings, 0.5% re-exported rows,
0.05% invalid rows), then runs, each in a fresh process so peak memory is its own:

* ``floor``: ``CREATE TABLE AS SELECT * FROM duckdb.read_csv(file)`` (no validation);
* ``workbench``: ``ingest_paths`` into a new case store (the fast reader, full validation,
  provenance, duplicates);
* ``workbench-exact``: the same with the exact Python CSV reader (used for damaged files).

It prints seconds and their ratio to the floor, CPU seconds (user + system, all threads:
less sensitive than wall time to other load on a shared machine) and their ratio, peak RSS,
and the ``workbench`` package each run imported (the one on ``PYTHONPATH``, else the
installed one; runs start outside the checkout so ``-c`` cannot pick up another copy). With
``--before DIR`` the same ingest also runs with the package in ``DIR`` (an older checkout),
and with ``--repeat N`` every runner runs N times in turn (floor, workbench, before, floor,
...), so a shared machine's load falls on all of them alike; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"

RUNNERS = {
    "floor": """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE calls AS SELECT * FROM read_csv(?)", [sys.argv[1]])
print(con.execute("SELECT count(*) FROM calls").fetchone()[0])
""",
    "workbench": """
import sys
from workbench.store import Store
from workbench.ingest import ingest_paths
with Store(sys.argv[2], memory_limit=int(sys.argv[3]) if len(sys.argv) > 3 else None) as s:
    r = ingest_paths(s, [sys.argv[1]])
f = r.files[0]
print(f.rows, f.stored, f.duplicates, f.rejected, f.method)
import workbench; print("PACKAGE", workbench.__file__)
""",
    "workbench-exact": """
import sys
from workbench.store import Store
from workbench.ingest import ingest_paths
with Store(sys.argv[2], memory_limit=int(sys.argv[3]) if len(sys.argv) > 3 else None) as s:
    r = ingest_paths(s, [sys.argv[1]], force_exact=True)
f = r.files[0]
print(f.rows, f.stored, f.duplicates, f.rejected, f.method)
import workbench; print("PACKAGE", workbench.__file__)
""",
}


def make_calls(path: Path, rows: int, seed: int = 1) -> None:
    """Write ``rows`` call records: ~50k phones, timestamps over six months."""
    rng = np.random.default_rng(seed)
    phones = 13000000000 + rng.choice(899999999, size=50_000, replace=False)
    start = 1546300800  # 2019-01-01
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("caller,callee,started_at,duration_s,cell_id\n")
        step = 500_000
        for lo in range(0, rows, step):
            n = min(step, rows - lo)
            a = rng.choice(phones, n)
            b = rng.choice(phones, n)
            t = start + rng.integers(0, 181 * 86400, n)
            dur = rng.integers(0, 600, n)
            cell = rng.integers(1, 3000, n)
            stamps = np.datetime_as_string(t.astype("datetime64[s]"), unit="s")
            lines = []
            for i in range(n):
                caller = str(a[i])
                k = (lo + i) % 1000
                if k == 7:
                    caller = f"+86 {caller[:3]} {caller[3:7]} {caller[7:]}"
                elif k == 8:
                    caller = f"{caller[:3]}-{caller[3:7]}-{caller[7:]}"
                elif k == 9:
                    caller = caller[:5] + "O" + caller[6:]  # invalid: a letter
                line = f"{caller},{b[i]},{stamps[i].replace('T', ' ')},{dur[i]},C{cell[i]}\n"
                lines.append(line)
                if k in (11, 12, 13, 14, 15):
                    lines.append(line)  # re-exported row
            fh.writelines(lines)


def run(kind: str, csv_path: Path, db: Path, memory_mb: int, pythonpath: str | None = None,
        label: str | None = None) -> dict:
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    code = (
        "import resource, time, sys\n_t = time.perf_counter()\n"
        + RUNNERS[kind]
        + "\nprint('SECONDS', time.perf_counter() - _t)"
        + "\n_r = resource.getrusage(resource.RUSAGE_SELF)"
        + "\nprint('CPU', _r.ru_utime + _r.ru_stime)"
        + "\nprint('MAXRSS', _r.ru_maxrss)"
    )
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(csv_path), str(db), str(memory_mb)],
                         capture_output=True, text=True, check=True, env=env,
                         cwd=WORK).stdout  # not the checkout: -c would import from it
    wall = time.perf_counter() - t0
    lines = out.strip().splitlines()
    secs = float(lines[-3].split()[1])
    cpu = float(lines[-2].split()[1])
    rss_mb = int(lines[-1].split()[1]) / 1024
    package = next((ln.split(None, 1)[1] for ln in lines if ln.startswith("PACKAGE")), "")
    return {"kind": label or kind, "seconds": secs, "cpu": cpu, "wall": wall, "peak_mb": rss_mb,
            "result": lines[0], "package": str(Path(package).parent) if package else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 5_000_000])
    parser.add_argument("--exact", action="store_true", help="also time the exact reader")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="DuckDB memory limit of the workbench runs (MB)")
    parser.add_argument("--before", help="directory holding an older `workbench` package "
                        "to time side by side (as workbench-before)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every runner this many times, alternating; report medians")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    results = []
    for rows in args.rows:
        csv_path = WORK / f"calls_{rows}.csv"
        if not csv_path.exists():
            make_calls(csv_path, rows)
        size_mb = csv_path.stat().st_size / 1e6
        runners = [("floor", "floor", None), ("workbench", "workbench", None)]
        if args.before:
            runners.append(("workbench", "workbench-before", args.before))
        if args.exact:
            runners.append(("workbench-exact", "workbench-exact", None))
        rounds: dict[str, list[dict]] = {label: [] for _k, label, _p in runners}
        for _ in range(max(args.repeat, 1)):
            for kind, label, pythonpath in runners:
                rounds[label].append(run(kind, csv_path, WORK / f"bench_{kind}.duckdb",
                                         args.memory_mb, pythonpath, label))
        measured = []
        for runs in rounds.values():
            m = dict(runs[0])
            m["seconds"] = statistics.median(r["seconds"] for r in runs)
            m["cpu"] = statistics.median(r["cpu"] for r in runs)
            m["peak_mb"] = max(r["peak_mb"] for r in runs)
            m["all_seconds"] = [round(r["seconds"], 2) for r in runs]
            measured.append(m)
        floor, floor_cpu = measured[0]["seconds"], measured[0]["cpu"]
        for m in measured:
            m.update(rows=rows, file_mb=round(size_mb, 1), ratio=round(m["seconds"] / floor, 2),
                     cpu_ratio=round(m["cpu"] / floor_cpu, 2))
            results.append(m)
            runs = "/".join(f"{x:.2f}" for x in m["all_seconds"])
            print(f"{rows:>9,} rows {size_mb:7.1f} MB  {m['kind']:<16} {m['seconds']:7.2f} s "
                  f" x{m['ratio']:<5} cpu {m['cpu']:6.2f} s x{m['cpu_ratio']:<5} "
                  f"peak {m['peak_mb']:6.0f} MB -> {m['result']}"
                  f"  [{runs}] {m['package']}")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
