"""Follow-up questions after one ``rings``: each a separate process, timed end to end
(process start included), with its ratio to the first ``rings`` (issue 18: at most 0.5).

Usage::

    .venv/bin/python benchmarks/followup.py [--persons 50000] [--seed 7] [--dir DIR]
                                            [--compare]

Generates a county (``workbench sample``), ingests it, runs ``rings`` once (the analysis is
kept in the store), then ``rank``, a ring's ``snapshot``, ``path`` between two organizers,
``export`` of the ring, a second ``rings`` and ``evolution``. ``--compare`` runs each
follow-up again with the store's analysis cache off (``WORKBENCH_ANALYSIS_CACHE=0``): the
path before this change, in the same run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("followup")


#: CPU seconds (user + system) of each command, by name, as the runs go
CPU: dict[str, float] = {}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list, cache: bool = True) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "WORKBENCH_ANALYSIS_CACHE": "1" if cache else "0"}
    t0, c0 = time.perf_counter(), _cpu()
    res = subprocess.run([sys.executable, "-m", "workbench", *map(str, args)],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - t0
    CPU[" ".join(map(str, args[:1])) + (" (cache off)" if not cache else "")] = _cpu() - c0
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed: {res.stderr.strip()[-400:]}")
    return seconds, res


def _drop_cache(db: Path) -> None:
    """Forget the analysis kept in the store, so the first ``rings`` is really the first."""
    import duckdb

    con = duckdb.connect(str(db))
    try:
        con.execute("DROP TABLE IF EXISTS analysis_cache")
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None,
                        help="Work here (kept); default: a temporary folder.")
    parser.add_argument("--compare", action="store_true",
                        help="Also time each follow-up with the store's cache off.")
    opts = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    work = opts.dir or Path(tempfile.mkdtemp(prefix="followup-"))
    data, db = work / "data", work / "case.duckdb"
    if not db.exists():
        seconds, _ = _run(["sample", "--out", data, "--persons", opts.persons,
                           "--seed", opts.seed])
        log.info("sample of %d persons: %.1f s", opts.persons, seconds)
        seconds, _ = _run(["ingest", "--db", db, data])
        log.info("ingest: %.1f s", seconds)
    with_cache, cpu = {}, {}
    _drop_cache(db)
    log.info("load average before: %s", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    first, res = _run(["rings", "--db", db, "--json"])
    first_cpu = CPU["rings"]
    doc = json.loads(res.stdout)
    rings = doc["rings"]
    if len(rings) < 2:
        raise SystemExit("the county has fewer than two rings: nothing to follow up")
    calls = doc["params"]["counts"].get("calls")
    ring, a, b = rings[0]["id"], rings[0]["leader"], rings[1]["leader"]
    log.info("county: %s persons, %s calls, %d rings; first rings %.1f s",
             f"{opts.persons:,}", f"{calls:,}" if calls else "?", len(rings), first)
    follow = [
        ("rank", ["rank", "--db", db, "--top", "20"]),
        (f"snapshot --ring {ring}", ["snapshot", "--db", db, "--ring", ring,
                                     "--out", work / "ring.html"]),
        ("path between two organizers", ["path", "--db", db, a, b]),
        (f"export --ring {ring} (.graphml)", ["export", "--db", db, "--ring", ring,
                                              "--out", work / "ring.graphml"]),
        ("rings again", ["rings", "--db", db]),
        ("evolution", ["evolution", "--db", db]),
    ]
    for name, args in follow:
        with_cache[name] = _run(args)[0]
        cpu[name] = CPU[args[0]]
    without = {}
    if opts.compare:
        for name, args in follow:
            without[name] = _run(args, cache=False)[0]
    head = f"{'command':<36}{'seconds':>9}{'x first rings':>15}{'cpu s':>8}{'x':>7}"
    if without:
        head += f"{'cache off':>11}{'x':>7}"
    lines = [head, f"{'rings (first: analysis kept)':<36}{first:>9.1f}{1.0:>15.2f}"
                   f"{first_cpu:>8.1f}{1.0:>7.2f}"]
    for name, _args in follow:
        s = with_cache[name]
        line = (f"{name:<36}{s:>9.1f}{s / first:>15.2f}{cpu[name]:>8.1f}"
                f"{cpu[name] / first_cpu:>7.2f}")
        if without:
            line += f"{without[name]:>11.1f}{without[name] / first:>7.2f}"
        lines.append(line)
    log.info("\n".join(lines))
    log.info("load average after: %s", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    targets = [n for n in ("rank", f"snapshot --ring {ring}", "path between two organizers",
                           "rings again") if with_cache[n] > 0.5 * first]
    log.info("target (rank, snapshot, path, second rings <= 0.5 x first rings): %s",
             "met" if not targets else "missed by " + ", ".join(targets))


if __name__ == "__main__":
    main()
