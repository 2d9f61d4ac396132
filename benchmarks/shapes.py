"""Quality and time per case shape (issue 8), through the real CLI.

Usage::

    .venv/bin/python benchmarks/shapes.py                        # every shape, small sizes
    .venv/bin/python benchmarks/shapes.py --shapes wiretap tenday
    .venv/bin/python benchmarks/shapes.py --sizes 3000 20000 100000 200000   # county sizes

Each shape (``tests/shapes``) is written as export files into a fresh folder, ingested with
``python -m workbench ingest`` and analysed with ``rings --json`` (and ``rank``,
``successors``, ``rings --around`` where the shape asks for them), each a fresh process; the
times include process start. A planted ring is found when a reported ring among the first K
(K = planted count) has Jaccard >= 0.6 with it; precision@K is the share of the first K
reported rings that match a planted ring; "look-alikes above" counts look-alike groups
matched by a reported ring ranked above the last found planted ring.

``--sizes``: the scalable county (ordinary life, three services, one ring per 1,000 persons
with mixed evidence, one look-alike per ring); reports generation, ingest and rings times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests import realcases as rc  # noqa: E402
from tests.shapes import best_match, found, lookalikes_above, precision_at  # noqa: E402
from tests.shapes.county import county  # noqa: E402
from tests.shapes.onesided import one_sided  # noqa: E402
from tests.shapes.realtimed import timed  # noqa: E402
from tests.shapes.tenday import tenday  # noqa: E402
from tests.shapes.wiretap import wiretap  # noqa: E402

#: extra ``rings`` options for every run (``--rings-option=--min-score --rings-option=0``)
RINGS_OPTIONS: list[str] = []
SHAPES = ["wiretap", "tenday", "calls_only", "numbers_only", "one_sided", "natarajan",
          "spain", "montreal", "london"]


def cli(*args: str) -> tuple[dict | None, float, str]:
    """Run the CLI with ``--json``; ``(document or None on failure, seconds, stderr)``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "workbench", *args, "--json"],
                          capture_output=True, text=True, env=env)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        return None, took, proc.stderr.strip().splitlines()[-1] if proc.stderr else "?"
    return json.loads(proc.stdout), took, ""


def measure(d: Path, truth: dict, source: Path | None = None, around: list | None = None
            ) -> dict:
    db = str(d / "case.duckdb")
    _, t_ingest, err = cli("ingest", "--db", db, str(source or d))
    args = ["rings", "--db", db, *RINGS_OPTIONS] + (["--around", *around] if around else [])
    doc, t_rings, err2 = cli(*args)
    rings = doc["rings"] if doc else []
    members = [r["members"] for r in rings]
    planted = truth["rings"]
    k = len(planted)
    row = {"reported": len(rings), "planted": k, "t_ingest": round(t_ingest, 2),
           "t_rings": round(t_rings, 2), "error": err or err2}
    if k:
        row["found"] = found(planted, members, k)
        row["precision"] = round(precision_at(planted, members, k), 2)
        row["lookalikes_above"] = lookalikes_above(truth, members)
        lead = [rings[j]["leader"] == truth["organizers"][i]
                for i, ring in enumerate(planted) if i in truth.get("organizers", {})
                for j, s in [best_match(ring, members)] if s >= 0.6]
        row["organizer_right"] = f"{sum(lead)}/{len(lead)}"
        if truth.get("tiers"):
            top = members[:k]
            for tier in sorted(set(truth["tiers"])):
                mine = [r for r, t in zip(planted, truth["tiers"], strict=True) if t == tier]
                row[f"found[{tier}]"] = f"{found(mine, top)}/{len(mine)}"
    if truth.get("hubs") and doc:
        flagged = {str(h.get("id")) for h in doc["params"].get("hubs", [])}
        row["hubs_flagged"] = f"{len(flagged & set(truth['hubs']))}/{len(truth['hubs'])}"
        row["hubs_total"] = len(flagged)
    row["db"] = db
    return row


def rank_top(db: str) -> list[str]:
    doc, _, _ = cli("rank", "--db", db, "--top", "1000000")
    return [p["person_id"] for p in doc["people"]] if doc else []


def run_shape(name: str, root: Path, seed: int) -> dict:
    d = root / name
    if name == "wiretap":
        truth = wiretap(d, seed=seed)
        row = measure(d, truth)
        top = rank_top(row["db"])
        row["organizer_top_rank"] = bool(top) and top[0] == truth["organizer"]
    elif name == "tenday":
        truth = tenday(d, seed=seed)
        row = measure(d, truth)
        doc, _, _ = cli("successors", "--db", row["db"])
        pairs = [(s["old"], s["new"]) for s in doc["successors"]] if doc else []
        switches = [tuple(s) for s in truth["switches"]]
        row["switches_found"] = f"{sum(s in pairs[:2 * len(switches)] for s in switches)}" \
                                f"/{len(switches)}"
    elif name in ("calls_only", "numbers_only"):
        truth = county(d, 6000, seed=seed, calls_only=True,
                       numbers_only=name == "numbers_only", rings_per_1000=7 / 6)
        row = measure(d, truth)
    elif name == "one_sided":
        truth = one_sided(d, seed=seed)
        truth_around = {**truth, "rings": [truth["around"][t] for t in truth["targets"]],
                        "organizers": {}, "lookalikes": []}
        row = measure(d, truth_around, source=d / "export", around=truth["targets"])
    else:
        net = {"natarajan": "natarajan_cocaine", "spain": "spain",
               "montreal": "montreal_gangs", "london": "london_gang"}[name]
        truth = timed(d, net, seed=seed)
        row = measure(d, truth)
        top = rank_top(row["db"])
        row["rank_top_is_busiest"] = bool(top) and top[0] == truth["by_degree"][0]
        if truth["groups"] and row["reported"]:
            doc, _, _ = cli("rings", "--db", row["db"])
            owner = {m: i for i, g in enumerate(truth["groups"]) for m in g}
            pure = []
            for r in doc["rings"]:
                labels = [owner.get(m, -1) for m in r["members"]]
                pure.append(max(labels.count(x) for x in set(labels)) / len(labels))
            row["purity"] = round(sum(pure) / len(pure), 2)
        if "ranking" in truth and top:
            ranks = [truth["ranking"][p] for p in top[:5] if p in truth["ranking"]]
            row["top5_mean_gang_rank"] = round(sum(ranks) / max(1, len(ranks)), 1)
    row.pop("db")
    return {"shape": name, **row}


def run_size(persons: int, root: Path, seed: int) -> dict:
    d = root / f"county{persons}"
    t = time.perf_counter()
    truth = county(d, persons, seed=seed)
    t_gen = time.perf_counter() - t
    row = measure(d, truth)
    row.pop("db")
    shutil.rmtree(d, ignore_errors=True)
    return {"persons": persons, "calls": truth["calls"], "t_generate": round(t_gen, 1), **row}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", nargs="*", choices=SHAPES)
    parser.add_argument("--sizes", type=int, nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rings-option", action="append", default=[],
                        help="extra option passed to every rings run (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    RINGS_OPTIONS.extend(args.rings_option)
    shapes = args.shapes if args.shapes is not None else ([] if args.sizes else SHAPES)
    if not rc.available():
        shapes = [s for s in shapes if s not in ("natarajan", "spain", "montreal", "london")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="shapes-") as tmp:
        root = Path(tmp)
        for name in shapes:
            row = run_shape(name, root, args.seed)
            rows.append(row)
            print(" ".join(f"{k}={v}" for k, v in row.items() if v != ""), flush=True)
        for persons in args.sizes:
            row = run_size(persons, root, args.seed)
            rows.append(row)
            print(" ".join(f"{k}={v}" for k, v in row.items() if v != ""), flush=True)
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
