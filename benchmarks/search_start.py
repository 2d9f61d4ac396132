"""The first phase of the ring search (``find_rings`` up to the end of its sweep: strong
links, flags, the forked resolution sweep, the evidence links' and the meetings'
candidates, every partition's candidates), old code against new in the same run.

Usage::

    .venv/bin/python benchmarks/search_start.py STORE.duckdb --old DIR --new DIR [--reps 5]

``DIR``: a checkout whose ``workbench`` is imported (``PYTHONPATH``). Each run is a fresh
process that builds the store's graph (a kept one when the store has it: use a copy, the
first build keeps it), then times the phase once with the sweep forked and once in one
process: wall seconds from the call to the sweep's end, CPU seconds of this process in the
phase and of the child. Runners alternate old, new, old, ...; the load average is printed
next to each run, and the medians at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

_RUN = r"""
import json, os, sys, time
import workbench
from workbench.case import Case
from workbench.graph.sweep import LeidenSweep
from workbench.rings import find_rings

graph, _info = Case(sys.argv[1]).graph()
out = {}
exit_ = LeidenSweep.__exit__
for fork in (True, False):
    graph._csr = None  # each run builds its adjacency, as a first search does
    mark = {}

    def at_end(self, *exc):
        exit_(self, *exc)
        mark.setdefault("t", (time.perf_counter(), time.process_time(), os.times()))

    LeidenSweep.__exit__ = at_end
    t0, c0, k0 = time.perf_counter(), time.process_time(), os.times()
    result, _m = find_rings(graph, fork=fork)
    t1, c1, k1 = mark["t"]
    child = (k1.children_user + k1.children_system) - (k0.children_user + k0.children_system)
    out["forked" if fork else "one"] = {
        "wall": t1 - t0, "cpu": c1 - c0, "child": child, "load": os.getloadavg()[0],
        "forked": result.params["timing"]["forked"], "rings": len(result.rings)}
out["code"] = os.path.dirname(os.path.dirname(workbench.__file__))
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for rep in range(args.reps):
        for name in ("old", "new"):
            env = {**os.environ, "PYTHONPATH": getattr(args, name)}
            # run outside any checkout: ``-c`` puts the working directory first on the path
            res = subprocess.run([sys.executable, "-c", _RUN, args.store], env=env,
                                 check=True, capture_output=True, text=True,
                                 cwd=tempfile.gettempdir())
            doc = json.loads(res.stdout.strip().splitlines()[-1])
            code = doc.pop("code")
            runs[name].append(doc)
            print(f"{rep} {name} ({code}): " + "; ".join(
                f"{k} wall {v['wall']:.3f} s, CPU {v['cpu']:.3f} + child {v['child']:.3f} s "
                f"(load {v['load']:.2f}, {v['rings']} rings)" for k, v in doc.items()),
                flush=True)
    for mode in ("forked", "one"):
        for name in ("old", "new"):
            xs = runs[name]
            med = {k: statistics.median(x[mode][k] for x in xs) for k in ("wall", "cpu", "child")}
            print(f"median {mode} {name}: wall {med['wall']:.3f} s, CPU {med['cpu']:.3f} + "
                  f"child {med['child']:.3f} s; best wall {min(x[mode]['wall'] for x in xs):.3f}")


if __name__ == "__main__":
    main()
