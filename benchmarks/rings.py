"""Ring-detection quality on generated counties the defaults were not tuned on.

Usage::

    .venv/bin/python benchmarks/rings.py                      # seeds 101..103, 3k and 8k persons
    .venv/bin/python benchmarks/rings.py --persons 3000 --seeds 5 6

For each county: generate (``workbench.sample``), ingest into a fresh store, run
``Case.rings()`` with defaults, and compare with the planted truth:

* found: planted rings (the calling rings and the ring that meets instead) matched by a
  reported ring among the top K (K = planted count) with Jaccard >= 0.6; precision: share of
  the top K that match a planted ring;
* organizer: matched rings whose leader is the planted organizer;
* family: family flags right on matched rings; look-alikes in the top K.

The naive path runs side by side on the same store: calls aggregated to person pairs,
networkx Louvain (seed 0), communities ranked by number of arrested members.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import networkx as nx

from workbench.case.facade import Case
from workbench.sample import write_sample


def jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 0.0


def evaluate(predicted: list[dict], truth: dict) -> dict:
    # the rings that meet instead of phoning are planted rings too (issue 17)
    planted = truth["rings"] + truth.get("meeting_rings", [])
    k = len(planted)
    top = predicted[:k]
    found, organizer, family = 0, 0, 0
    for ring in planted:
        best = max(top, key=lambda p: jaccard(p["members"], ring["members"]), default=None)
        if best is not None and jaccard(best["members"], ring["members"]) >= 0.6:
            found += 1
            organizer += best.get("leader") in ring.get("organizers", [ring["organizer"]])
            # a ring's family is its core and kin share (or None) since issue 17
            family += bool(best.get("family")) == bool(ring["family"])
    precise = sum(any(jaccard(p["members"], r["members"]) >= 0.6 for r in planted) for p in top)
    # a lone dealer's look-alike is he and his buyers
    lookalikes = sum(any(jaccard(p["members"], la["members"] + la.get("buyers", [])) >= 0.5
                         for la in truth["lookalikes"]) for p in top)
    return {"planted": k, "found": found, "recall": found / k,
            "precision": precise / max(len(top), 1), "organizer": organizer / max(found, 1),
            "family_ok": family / max(found, 1), "lookalikes_in_top": lookalikes}


def naive(case: Case, truth: dict) -> list[dict]:
    with case.open() as store:
        df = store.con.execute(
            "SELECT pa.person_id AS a, pb.person_id AS b, count(*) AS n FROM calls c "
            "JOIN phones pa ON pa.phone = c.caller JOIN phones pb ON pb.phone = c.callee "
            "WHERE pa.person_id <> pb.person_id GROUP BY ALL").df()
        arrested = {r[0] for r in store.con.execute(
            "SELECT DISTINCT person_id FROM arrests").fetchall()}
    g = nx.from_pandas_edgelist(df, "a", "b", edge_attr="n")
    comms = nx.community.louvain_communities(g, weight="n", seed=0)
    ranked = sorted(comms, key=lambda c: (-len(c & arrested), len(c)))
    return [{"members": sorted(c), "leader": None, "family": False} for c in ranked]


def run(persons: int, seed: int, workdir: Path) -> dict:
    data = workdir / f"county_{persons}_{seed}"
    truth = write_sample(data, persons=persons, seed=seed)
    case = Case(workdir / f"case_{persons}_{seed}.duckdb")
    case.ingest([data])
    t0 = time.perf_counter()
    result = case.rings()
    ours_s = time.perf_counter() - t0
    ours = evaluate([r.as_dict() for r in result.rings], truth)
    t0 = time.perf_counter()
    base = evaluate(naive(case, truth), truth)
    naive_s = time.perf_counter() - t0
    return {"persons": persons, "seed": seed, "workbench": ours, "naive": base,
            "workbench_s": round(ours_s, 2), "naive_s": round(naive_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="*", default=[3000, 8000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[101, 102, 103])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for persons in args.persons:
            for seed in args.seeds:
                r = run(persons, seed, Path(tmp))
                rows.append(r)
                w, n = r["workbench"], r["naive"]
                print(f"{persons:>6} persons seed {seed:>4} | workbench found {w['found']}/"
                      f"{w['planted']} precision {w['precision']:.2f} organizer "
                      f"{w['organizer']:.2f} family {w['family_ok']:.2f} look-alikes "
                      f"{w['lookalikes_in_top']} ({r['workbench_s']} s) | naive found "
                      f"{n['found']}/{n['planted']} precision {n['precision']:.2f} "
                      f"({r['naive_s']} s)")
    tot = {k: sum(r["workbench"][k] for r in rows) for k in ("planted", "found")}
    ntot = sum(r["naive"]["found"] for r in rows)
    prec = sum(r["workbench"]["precision"] for r in rows) / len(rows)
    org = sum(r["workbench"]["organizer"] * r["workbench"]["found"] for r in rows) / max(
        tot["found"], 1)
    print(f"TOTAL workbench: found {tot['found']}/{tot['planted']} "
          f"({tot['found'] / tot['planted']:.0%}), mean precision {prec:.0%}, organizer "
          f"{org:.0%} | naive: found {ntot}/{tot['planted']}")
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
