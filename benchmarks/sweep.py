"""The ring search with its resolution sweep in a forked child against the same search in one
process, in the same run, on a store's graph: wall, CPU of this process and of the child,
and whether the answers are the same (they must be).

Usage::

    .venv/bin/python benchmarks/sweep.py STORE.duckdb [--reps 3]

Runs on a copy's kept graph (a first ``rings`` keeps it; without one the graph is built and
kept first, which writes to the store: use a copy). Prints the best of ``--reps`` runs of
each path, the load average next to each, and the search's own timing split.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def _run(graph, fork: bool) -> tuple[float, float, float, dict, list]:
    from workbench.rings import find_rings

    graph._csr = None  # noqa: SLF001 - each run builds its adjacency as a first search does
    t0, c0, k0 = time.perf_counter(), time.process_time(), os.times()
    result, memberships = find_rings(graph, fork=fork)
    k1 = os.times()
    child = (k1.children_user + k1.children_system) - (k0.children_user + k0.children_system)
    doc = result.as_dict()
    timing = doc["params"].pop("timing")
    doc["brokers"], doc["reach"] = result.brokers, result.reach
    return (time.perf_counter() - t0, time.process_time() - c0, child, timing,
            [json.dumps(doc, sort_keys=True, default=str), memberships])


def main() -> None:
    from workbench.case import Case

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    graph, _info = Case(args.store).graph()
    print(f"graph: {graph.n} nodes, {graph.m} links")
    best: dict[bool, tuple] = {}
    answers: dict[bool, list] = {}
    for _ in range(args.reps):
        for fork in (False, True):
            wall, cpu, child, timing, answer = _run(graph, fork)
            load = os.getloadavg()[0]
            print(f"{'forked' if fork else 'one process'}: wall {wall:.3f} s, CPU {cpu:.3f} s "
                  f"+ child {child:.3f} s (load {load:.2f}) {timing}", flush=True)
            if fork not in best or wall < best[fork][0]:
                best[fork] = (wall, cpu, child)
            answers[fork] = answer
    same = answers[False][0] == answers[True][0] and all(
        np.array_equal(a, b) for a, b in zip(answers[False][1], answers[True][1], strict=True))
    (w0, c0, _), (w1, c1, k1) = best[False], best[True]
    print(f"best: one process {w0:.3f} s wall ({c0:.3f} CPU s); forked {w1:.3f} s wall "
          f"({c1:.3f} + {k1:.3f} CPU s): {w0 / w1:.2f}x; same answers: {same}")


if __name__ == "__main__":
    main()
