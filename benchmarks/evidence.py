"""Every kind of evidence on counties the project has not seen (issue 17), through the CLI.

Usage::

    .venv/bin/python benchmarks/evidence.py --seeds 301 302 303 304 305 --persons 6000
    .venv/bin/python benchmarks/evidence.py --seeds 301 302 --persons 4000 10000 --jobs 2

Each county is written by ``tests/casegen/evidence_county.py`` (a generator written from the
shapes in words by someone who had not read the detector: a meeting ring, a family ring of
5 kin among 7, three-person cells, a migrant ring, ordinary rings, look-alikes), ingested with
``python -m workbench ingest`` and searched with ``rings --json`` (no options), each a fresh
process. Per county: found (best Jaccard >= 0.6) and precision at K = planted
(``tests/casegen/score_rings.py``), the meeting ring's Jaccard and rank, whether the family
ring's ``family.core`` holds the planted kin core (Jaccard >= 0.6) and whose family it names,
whether the migrant ring is flagged regional with its county. The summary gives the mean and
the worst county.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.casegen.evidence_county import write_county  # noqa: E402
from tests.casegen.score_rings import jaccard, planted_rings, score  # noqa: E402

log = logging.getLogger("benchmarks.evidence")


def _cli(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-2000:])
    return json.loads(proc.stdout) if "--json" in args else {}


def one_county(seed: int, persons: int, work: str) -> dict:
    """Write, ingest and search one county; its measures."""
    d = Path(work) / f"county_{seed}_{persons}"
    truth = write_county(d / "data", seed=seed, persons=persons)
    db = d / "case.duckdb"
    _cli("ingest", "--db", str(db), str(d / "data"))
    t0 = time.perf_counter()
    doc = _cli("rings", "--db", str(db), "--json")
    seconds = time.perf_counter() - t0
    rings = doc["rings"]
    found = [set(r["members"]) for r in rings]
    planted = planted_rings(truth)
    sc = score(found, planted)
    out = {"seed": seed, "persons": persons, "planted": len(planted), "reported": len(rings),
           "found": sum(sc["found"]), "recall": sc["recall"],
           "precision_at_k": sc["precision_at_k"], "rings_s": round(seconds, 1)}
    for kind in ("meeting", "family", "migrant", "cell"):
        idx = [i for i, r in enumerate(truth["rings"]) if r["kind"] == kind]
        if not idx:
            continue
        best = [sc["best"][i] for i in idx]
        out[f"{kind}_jaccard"] = min(best)
        out[f"{kind}_found"] = sum(b >= 0.6 for b in best) / len(best)
        if kind == "meeting":
            out["meeting_rank"] = sc["best_index"][idx[0]]
        if kind == "family":
            t = truth["rings"][idx[0]]
            ring = rings[sc["best_index"][idx[0]]] if sc["best_index"][idx[0]] is not None \
                else {}
            fam = ring.get("family") or {}
            out["family_flagged"] = bool(fam) and jaccard(
                set(fam.get("core", [])), set(t["family_core"])) >= 0.6
            out["family_of_organizer"] = fam.get("of") == t["organizer"]
        if kind == "migrant":
            t = truth["rings"][idx[0]]
            ring = rings[sc["best_index"][idx[0]]] if sc["best_index"][idx[0]] is not None \
                else {}
            out["migrant_regional"] = bool(ring.get("regional")) and \
                ring["regional"]["code"] == t["region"]
    top = rings[:len(planted)]
    looks = [set(x["members"]) for x in truth["lookalikes"]]
    out["lookalikes_in_top_k"] = sum(
        1 for r in top if any(jaccard(set(r["members"]), x) >= 0.5 for x in looks))
    out["distinct_top_scores"] = len({r["score"] for r in top}) == len(top)
    return out


def summary(rows: list[dict]) -> dict:
    """Mean and worst county of every measure."""
    keys = [k for k in rows[0] if k not in ("seed", "persons")]
    out = {}
    for k in keys:
        vals = [float(r[k]) for r in rows if r.get(k) is not None]
        if not vals:
            continue
        worse_high = k in ("lookalikes_in_top_k", "meeting_rank", "rings_s", "reported")
        out[k] = {"mean": round(sum(vals) / len(vals), 3),
                  "worst": max(vals) if worse_high else min(vals)}
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[301, 302, 303, 304, 305])
    ap.add_argument("--persons", type=int, nargs="+", default=[6000])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="write the rows and summary (JSON)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        jobs = [(s, n, work) for n in args.persons for s in args.seeds]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(one_county, *zip(*jobs, strict=True)))
    for r in rows:
        log.info(json.dumps(r))
    doc = {"rows": rows, "summary": summary(rows)}
    log.info(json.dumps(doc["summary"], indent=1))
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
