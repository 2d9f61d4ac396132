"""A fan is not absorbed into a gather-scatter by its hub's ordinary one-offs the other way.

Known answers on hand-built candidates under a null like the generated cases' (5,000
accounts, one-off degrees about one each way). Before, a gather-scatter's structure took the
product of its two sides' tails, the chance of being past both counts with the counts chosen
after they were seen: any fan's hub with a few ordinary one-offs the other way scored above
its own fan as a gather-scatter (on seed 656 at 8 groups, a fast fan-out of five with two
stray payments in was reported as a gather-scatter of twelve accounts, Jaccard 0.50, and
missed). Now the two tails are combined as Fisher's method does
(:func:`workbench.money.score.gather_scatter_structure`): a side that chance gives often
costs the hub, and both sides past chance still count for much more than either alone.
"""

from __future__ import annotations

import math

import pytest

from workbench.money.score import Null, gather_scatter_structure, structure
from workbench.money.shapes import Candidate

NULL = Null(n=5000, m=5000, in_mean=1.0, in_var=1.05, out_mean=1.0, out_var=1.05,
            mu2=2e-4, cyc=1.0, rho=2e-4, sigma=0.8, period=3.15e7, floor=3600.0,
            alpha=1.0, beta=1.0)
NO_EDGES = (None, None)


def _structure(kind: str, sources: int, targets: int) -> float:
    shape = {"fan-in": {"sources": sources}, "fan-out": {"targets": targets},
             "gather-scatter": {"sources": sources, "targets": targets}}[kind]
    size = {"fan-in": sources, "fan-out": targets, "gather-scatter": sources + targets}[kind]
    return structure(Candidate(kind, list(range(size)), {}, shape=shape), NULL, NO_EDGES)


def test_a_side_chance_gives_costs_the_hub():
    fan = _structure("fan-in", 8, 0)
    stray = NULL.fan(3, "out")  # three one-offs out: about one account in twelve has them
    assert 10 ** stray > 0.05
    # before: fan + (-log10 p) = fan + 1.1, so any fan hub with three ordinary payments out
    # outranked its own fan; now such a side lowers it
    assert _structure("gather-scatter", 8, 3) < fan
    assert _structure("gather-scatter", 8, 2) < fan
    # both sides past chance: still far above either fan alone
    assert _structure("gather-scatter", 8, 8) - fan > 2.5


def test_gather_scatter_structure_is_fishers_combination():
    log_n = math.log10(NULL.n)
    # two tails of 0.01: t = 1e-4, Fisher's p = t (1 - ln t) = 1.021e-3
    assert gather_scatter_structure(-2.0, -2.0, log_n) == pytest.approx(
        -(log_n + math.log10(1e-4 * (1 + math.log(1e4)))))
    assert gather_scatter_structure(-5.0, -1.2, log_n) == gather_scatter_structure(
        -1.2, -5.0, log_n)
    tails = [-0.5, -1.0, -2.0, -4.0]
    values = [gather_scatter_structure(-5.0, t, log_n) for t in tails]
    assert values == sorted(values)
