"""Score ``workbench rank`` on a summit case against its bosses, next to two naive baselines.

Written without reading the detector. For a store made from a case of
:mod:`tests.casegen.summits` and that case's folder (its files and ``truth.json``), counts how
many bosses are in the top 20, the top 36 and the top B (B = the number of bosses) of:

- ``rank``: the order of ``workbench rank --json`` (the tool's own order);
- ``degree``: distinct co-attendees, computed from the case's files alone;
- ``strength``: co-attendance strength, the number of shared sightings summed over
  co-attendees (each meeting of size s adds s - 1), from the files alone.

Co-attendance from the files: ``visits`` at one ``place_id`` form one meeting while the gap
between consecutive sightings is at most four hours (the generator never holds two events at
one venue on the same day); ``stays`` at one hotel with the same check-in date form one
meeting. Everyone in a meeting is counted, noise included: the baselines know no more than
the files. A baseline's ties are broken at random in expectation (a tied block straddling
the cut counts its share of bosses), so its counts may be fractional. ``noise_top20`` counts
the noise people (staff, relatives, diners, guests, patrons) in each top 20.

Usage::

    python -m tests.casegen.score_key_players DB CASE_DIR          # one store
    python -m tests.casegen.score_key_players --seeds 1-5 --work DIR  # generate, ingest, score
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd

GAP_S = 4 * 3600
TOPS = (20, 36)


def meetings(case_dir) -> list[set[str]]:
    """Groups of person ids seen together, from the case's ``visits`` and ``stays`` files.

    Parameters
    ----------
    case_dir : str or pathlib.Path
        A folder written by :func:`tests.casegen.summits.write_summits`.

    Returns
    -------
    list of set of str
        One set of ``person_id`` per meeting (same venue within four hours; same hotel and
        check-in date).
    """
    case_dir = Path(case_dir)
    persons = pd.read_csv(case_dir / "persons.csv", dtype=str)
    who = dict(zip(persons["id_number"], persons["person_id"], strict=True))
    groups: list[set[str]] = []
    visits = case_dir / "visits.csv"
    if visits.exists():
        v = pd.read_csv(visits, dtype=str)
        v["t"] = pd.to_datetime(v["seen_at"])
        for _, rows in v.sort_values(["place_id", "t"]).groupby("place_id", sort=True):
            gap = rows["t"].diff().dt.total_seconds().fillna(GAP_S + 1) > GAP_S
            for _, g in rows.groupby(gap.cumsum()):
                groups.append({who[i] for i in g["id_number"]})
    stays = case_dir / "stays.csv"
    if stays.exists():
        s = pd.read_csv(stays, dtype=str)
        s["day"] = s["checked_in"].str[:10]
        for _, g in s.groupby(["place_id", "day"], sort=True):
            groups.append({who[i] for i in g["id_number"]})
    return groups


def baselines(groups) -> dict[str, dict[str, float]]:
    """Co-attendance degree and strength of everyone seen in ``groups``."""
    mates: dict[str, set[str]] = defaultdict(set)
    strength: dict[str, float] = defaultdict(float)
    for g in groups:
        for p in g:
            mates[p] |= g - {p}
            strength[p] += len(g) - 1
    return {"degree": {p: float(len(m)) for p, m in mates.items()}, "strength": dict(strength)}


def expected_hits(scores: dict[str, float], targets: set[str], k: int) -> float:
    """Targets expected in the top k of ``scores`` (higher first), ties broken at random."""
    by_score: dict[float, list[str]] = defaultdict(list)
    for p, s in scores.items():
        by_score[s].append(p)
    hits, room = 0.0, k
    for s in sorted(by_score, reverse=True):
        block = by_score[s]
        t = sum(p in targets for p in block)
        if len(block) <= room:
            hits, room = hits + t, room - len(block)
        else:
            return hits + t * room / len(block)
        if room == 0:
            break
    return hits


def rank_order(db, python=sys.executable) -> list[str]:
    """Person ids in the order of ``workbench rank --json`` (everyone)."""
    out = subprocess.run([python, "-m", "workbench", "rank", "--db", str(db), "--json",
                          "--top", "1000000"], capture_output=True, text=True, check=True)
    return [p["person_id"] for p in json.loads(out.stdout)["people"]]


def score(db, case_dir) -> dict:
    """Bosses in the top 20, 36 and B of ``rank`` and of the two baselines.

    Returns
    -------
    dict
        ``{"seed", "members", "bosses", "persons_seen", "rank": {"top20", "top36", "topB",
        "noise_top20"}, "degree": {...}, "strength": {...}, "chance": {"top20", "top36",
        "topB"}}`` (chance: bosses expected in a random order of the persons seen).
    """
    truth = json.loads((Path(case_dir) / "truth.json").read_text(encoding="utf-8"))
    bosses = set(truth["bosses"])
    noise = {p for ps in truth["noise"].values() for p in ps}
    tops = (*TOPS, len(bosses))
    order = rank_order(db)
    as_scores = {p: float(len(order) - k) for k, p in enumerate(order)}
    rankings = {"rank": as_scores, **baselines(meetings(case_dir))}
    result = {"seed": truth["seed"], "members": len(truth["members"]), "bosses": len(bosses),
              "persons_seen": len(rankings["degree"])}
    seen = len(rankings["degree"])
    result["chance"] = {f"top{t}": round(len(bosses) * t / seen, 2) for t in TOPS}
    result["chance"]["topB"] = round(len(bosses) ** 2 / seen, 2)
    for name, scores in rankings.items():
        figures = {f"top{t}": round(expected_hits(scores, bosses, t), 2) for t in TOPS}
        figures["topB"] = round(expected_hits(scores, bosses, tops[-1]), 2)
        figures["noise_top20"] = round(expected_hits(scores, noise, 20), 2)
        result[name] = figures
    return result


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(x) for x in text.split(",")]


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="score workbench rank on summit cases")
    parser.add_argument("db", nargs="?")
    parser.add_argument("case_dir", nargs="?")
    parser.add_argument("--seeds", help="generate, ingest and score these seeds (1-5 or 1,3)")
    parser.add_argument("--work", help="folder for the generated cases and stores")
    args = parser.parse_args(argv)
    if args.seeds:
        from tests.casegen.summits import write_summits

        work = Path(args.work or ".")
        results = []
        for seed in _seeds(args.seeds):
            case, db = work / f"summits_{seed}", work / f"summits_{seed}.duckdb"
            write_summits(case, seed)
            db.unlink(missing_ok=True)
            subprocess.run([sys.executable, "-m", "workbench", "ingest", "--db", str(db),
                            str(case), "--json"], capture_output=True, check=True)
            results.append(score(db, case))
            print(json.dumps(results[-1]), flush=True)
        return 0
    if not (args.db and args.case_dir):
        parser.error("give DB and CASE_DIR, or --seeds")
    print(json.dumps(score(args.db, args.case_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
