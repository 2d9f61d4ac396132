"""Successor-phone detection and ring evolution on generated counties: quality and cost.

Usage::

    .venv/bin/python benchmarks/phones.py [--persons 3000 8000 20000] [--seeds 101 102]

Per county (generated with planted number switches: one person, and a whole 6-person ring at
once; an organizer replaced after his arrest; a ring splitting in two and two rings merging):
recall and precision of the reported
successor pairs against the planted ones, the burner group of the series gang, the planted
organizer change among the evolution events, and the time of each step, with monthly and
half-monthly windows (cost as windows and size grow). The naive path, side by side: a
number's successor taken as the new number with the most contacts in common, with no
silence, timing or volume rules (what an analyst gets from a contact-overlap table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from workbench.analysis.successors import _as_set
from workbench.case.facade import Case
from workbench.evidence.call_records import number_activity
from workbench.sample import write_sample


def naive_successors(activity) -> set[tuple[str, str]]:
    contacts = {r.number: _as_set(r.contacts) for r in activity.itertuples() if r.calls >= 5}
    by_contact = defaultdict(set)
    for x, cs in contacts.items():
        for c in cs:
            by_contact[c].add(x)
    out = set()
    for x, cs in contacts.items():
        counts = defaultdict(int)
        for c in cs:
            for y in by_contact[c]:
                if y != x:
                    counts[y] += 1
        if counts:
            best = max(counts, key=lambda y: (counts[y], y))
            if counts[best] >= 2 and x < best:
                out.add((x, best))
    return out


def half_months(start: dt.date, end: dt.date) -> list[tuple[str, str]]:
    out = []
    day = start
    while day <= end:
        nxt = day + dt.timedelta(days=15)
        out.append((f"{day}", f"{nxt}"))
        day = nxt
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="*", default=[3000, 8000, 20000])
    parser.add_argument("--seeds", type=int, nargs="*", default=[101, 102])
    args = parser.parse_args()
    totals = defaultdict(int)
    with tempfile.TemporaryDirectory() as tmp:
        for persons in args.persons:
            for seed in args.seeds:
                data = Path(tmp) / f"c{persons}_{seed}"
                truth = write_sample(data, persons=persons, seed=seed)
                case = Case(Path(tmp) / f"c{persons}_{seed}.duckdb")
                case.ingest([data])
                t0 = time.perf_counter()
                found = case.successors()
                t_succ = time.perf_counter() - t0
                planted = {(s["old"], s["new"]) for s in truth["switches"]}
                got = {(s["old"], s["new"]) for s in found["successors"]}
                with case.open() as store:
                    naive = naive_successors(number_activity(store.con))
                series = [r["burners"] for r in truth["rings"] if r["type"] == "series"]
                burners_ok = all(b in [g["numbers"] for g in found["burners"]] for b in series)
                t0 = time.perf_counter()
                evo = case.evolution()
                t_month = time.perf_counter() - t0
                t0 = time.perf_counter()
                case.evolution(windows=half_months(dt.date(2019, 1, 1), dt.date(2019, 6, 30)))
                t_half = time.perf_counter() - t0
                structural = 0
                for planted_change in truth.get("splits_and_merges", []):
                    whole = set(planted_change["after"] if planted_change["type"] == "merged"
                                else planted_change["before"])
                    for e in evo["events"]:
                        if e["type"] != planted_change["type"]:
                            continue
                        ids = e["to"] if e["type"] == "merged" else e["from"]
                        windows = [w for w in evo["windows"] for r in w["rings"]
                                   if r["id"] in ids]
                        group = {m for w in windows for r in w["rings"] if r["id"] in ids
                                 for m in r["members"]}
                        if group and len(group & whole) / len(group | whole) >= 0.6:
                            structural += 1
                            break
                totals["structural"] += structural
                totals["structural_planted"] += len(truth.get("splits_and_merges", []))
                changes = {(c["old"], c["new"]) for c in truth["organizer_changes"]}
                seen = {(e["old"], e["new"]) for e in evo["events"]
                        if e["type"] == "organizer_changed"}
                totals["planted"] += len(planted)
                totals["found"] += len(planted & got)
                totals["reported"] += len(got)
                totals["naive_found"] += len(planted & naive)
                totals["naive_reported"] += len(naive)
                totals["changes"] += len(changes)
                totals["changes_found"] += len(changes & seen)
                totals["changes_reported"] += len(seen)
                print(f"{persons:>6} persons seed {seed} | successors {len(planted & got)}/"
                      f"{len(planted)} found, {len(got)} reported ({t_succ:.2f} s) | naive "
                      f"{len(planted & naive)}/{len(planted)} found, {len(naive)} reported | "
                      f"burners {'ok' if burners_ok else 'MISSED'} | organizer change "
                      f"{len(changes & seen)}/{len(changes)} ({len(seen)} reported) | "
                      f"split+merge {structural}/{len(truth.get('splits_and_merges', []))} | "
                      f"evolution monthly {t_month:.2f} s, half-monthly {t_half:.2f} s",
                      flush=True)
    recall = totals["found"] / max(totals["planted"], 1)
    precision = totals["found"] / max(totals["reported"], 1)
    n_recall = totals["naive_found"] / max(totals["planted"], 1)
    n_precision = totals["naive_found"] / max(totals["naive_reported"], 1)
    print(f"TOTAL successors: recall {recall:.0%}, precision {precision:.0%} | naive: recall "
          f"{n_recall:.0%}, precision {n_precision:.0%} | organizer changes "
          f"{totals['changes_found']}/{totals['changes']} "
          f"({totals['changes_reported']} reported) | splits and merges "
          f"{totals['structural']}/{totals['structural_planted']}")


if __name__ == "__main__":
    main()
