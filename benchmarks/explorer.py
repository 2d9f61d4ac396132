"""Explorer interaction latency on the sample case, browser drawing excluded.

Usage::

    .venv/bin/python benchmarks/explorer.py [--db demo-case/case.duckdb]

Drives :class:`workbench.widgets.Explorer` by setting control values, as a user would, and
times each change end to end in Python (ring search, view, details, timeline), wall clock
and CPU. The naive path, side by side: the same change recomputed from scratch with a fresh
``Case`` whose store cache is off (no cached layers or analysis, no reweighting in numpy, no
warm start); ``--no-scratch`` leaves it out (on a large county it takes minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
from pathlib import Path

from workbench.case.facade import Case
from workbench.explorer.widget import Explorer

CHANGES = [
    ("min link strength 1.0", lambda e: setattr(e.min_strength, "value", 1.0)),
    ("min link strength 0.0", lambda e: setattr(e.min_strength, "value", 0.0)),
    ("money weight 2.0", lambda e: setattr(e.weights["money"], "value", 2.0)),
    ("kinship layer off", lambda e: setattr(e.layers["kinship"], "value", False)),
    ("kinship layer on", lambda e: setattr(e.layers["kinship"], "value", True)),
    ("ring size 3-8", lambda e: setattr(e.size, "value", (3, 8))),
    ("fixed resolution 1.5", lambda e: (setattr(e.auto_resolution, "value", False),
                                        setattr(e.resolution, "value", 1.5))),
    ("automatic resolution", lambda e: setattr(e.auto_resolution, "value", True)),
    ("select second ring", lambda e: setattr(e.ring_list, "value", e.ring_list.options[1][1])),
    ("focus on organizer", lambda e: e.focus_on(e.result.rings[0].leader)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="demo-case/case.duckdb")
    parser.add_argument("--no-scratch", action="store_true",
                        help="Do not time each view again from scratch.")
    args = parser.parse_args()
    db = Path(args.db)
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    t0, c0 = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        explorer = Explorer(db, out_dir="benchmarks/_work/exports")
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"first graph (Explorer opened) {first:6.3f} s (cpu {first_cpu:.3f} s); analysis "
          f"read from the store: {', '.join(explorer.case.state.cache.hits) or 'none'}")
    ours, naive = [], []
    for label, change in CHANGES:
        with contextlib.redirect_stdout(io.StringIO()):
            t0, c0 = time.perf_counter(), time.process_time()
            change(explorer)
            t1, c1 = time.perf_counter(), time.process_time()
            if not args.no_scratch:
                fresh = Case(db)
                fresh.state.cache.enabled = False  # the naive path: nothing kept is read
                fresh.view(ring=explorer.ring_list.value, **{
                    k: v for k, v in explorer.options().items()})
            t2 = time.perf_counter()
        ours.append(t1 - t0)
        naive.append(t2 - t1)
        print(f"{label:<24} explorer {t1 - t0:6.3f} s (cpu {c1 - c0:6.3f} s)"
              + ("" if args.no_scratch else f"   from scratch {t2 - t1:6.3f} s"))
    print(f"median explorer {statistics.median(ours):.3f} s, max {max(ours):.3f} s"
          + ("" if args.no_scratch else
             f"; from scratch median {statistics.median(naive):.3f} s "
             f"(x{statistics.median(naive) / statistics.median(ours):.1f})"))
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
