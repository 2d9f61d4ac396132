"""The defaults on real networks (``../shared/realdata``), next to a chance baseline.

Usage::

    .venv/bin/python benchmarks/realdata.py

Each network is written as exports (see ``tests/realcases.py`` for how ties become records),
ingested for real and analysed with the defaults. Printed per network: nodes and ties of the
original against persons and links of the fused graph, and the rings reported. For the London
gang (which has a hierarchy): Spearman correlation of weighted degree and of the key-player
score with seniority, against the 99th percentile of the same statistic with the ranks
shuffled (200 shuffles); for the Florentine marriages: the Medici's betweenness.
"""

from __future__ import annotations

import logging
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests import realcases as rc  # noqa: E402
from workbench.case.facade import Case  # noqa: E402

log = logging.getLogger("benchmarks.realdata")


def _null99(values: list[float], labels: list[float], shuffles: int = 200) -> float:
    rng = random.Random(0)
    out = []
    for _ in range(shuffles):
        shuffled = labels[:]
        rng.shuffle(shuffled)
        out.append(rc.spearman(values, shuffled))
    return sorted(out)[int(0.99 * shuffles) - 1]


def _build(root: Path, name: str, **options) -> tuple[Case, dict, dict]:
    case, ids, edges, _report = rc.call_case(root, name, **options)
    return case, ids, edges


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("workbench").setLevel(logging.WARNING)
    if not rc.available():
        log.info("../shared/realdata not present")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in sorted(rc.NETWORKS):
            t0 = time.perf_counter()
            case, ids, edges = _build(root, name)
            net = case.network(sorted(ids.values()))
            rings = case.rings().rings
            log.info("%-18s original %3d nodes %3d ties | graph %3d persons %3d links | "
                     "rings %d (%.2f s)", name, len(ids), len(edges), net.number_of_nodes(),
                     net.number_of_edges(), len(rings), time.perf_counter() - t0)
        for charge in ("故意伤害", "贩卖毒品"):
            case, ids, _ = _build(root, "london_gang", coarrest_from=2, kin_from=4,
                                  charge=charge)
            ranks = rc.london_ranks(ids)
            table = case.centrality(sorted(ranks))
            seniority = [-ranks[p] for p in table["node"]]
            wd = table["weighted_degree"].tolist()
            rings = case.rings().rings
            players = case.rank(top=None)
            players = players[players["person_id"].isin(ranks)]
            line = (f"london_gang co-offences charged {charge}: weighted degree vs seniority "
                    f"rho {rc.spearman(wd, seniority):.3f} (chance 99th pct "
                    f"{_null99(wd, seniority):.3f}); rings {len(rings)}")
            if len(players):
                sc = players["score"].tolist()
                sen = [-ranks[p] for p in players["person_id"]]
                line += (f"; key-player score vs seniority rho {rc.spearman(sc, sen):.3f} "
                         f"(chance {_null99(sc, sen):.3f}); organizer ranks "
                         f"{sorted(ranks[r.leader] for r in rings)}")
            log.info(line)
        case, ids = rc.florentine_case(root)
        table = case.centrality(sorted(ids.values())).set_index("node")
        top = table["betweenness"].idxmax()
        name = {v: k for k, v in ids.items()}[top]
        log.info("florentine marriages: highest betweenness %s %.4f (published: Medici 0.522)",
                 name, table.loc[top, "betweenness"])


if __name__ == "__main__":
    main()
