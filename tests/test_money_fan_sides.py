"""A fan is not absorbed into a gather-scatter by its hub's ordinary one-offs the other way.

Known answers on small hand-built cases. Sixty households pay a few others every month and
each pays two strangers once. ``BOSS`` pays six couriers once each within three days (a fast
fan-out) and, like anyone, is paid once by two strangers months earlier. Before, every hub
with two one-offs in and two out was a gather-scatter candidate, and its structure took the
second side's tail as a second ``-log10 p``: the two strangers' payments made ``BOSS`` a
gather-scatter ranked above the fan-out, with the strangers among its accounts. Now each side
of a gather-scatter is a fan (``MIN_FAN``), and its weaker side counts as evidence on the hub
(:func:`workbench.money.score.gather_scatter_structure`), not as a second shape.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.test_money import ingest, write_case
from tests.test_money_busy import monthly_and_one_offs
from workbench.money import find_patterns
from workbench.money.score import Null, gather_scatter_structure, structure
from workbench.money.shapes import MIN_FAN, Candidate, candidates
from workbench.money.stats import evidence
from workbench.store import Store

HOUSEHOLDS = [f"H{i:02d}" for i in range(60)]
COURIERS = [f"C{i}" for i in range(1, 7)]
STRANGERS = ["S1", "S2"]
EVERYONE = HOUSEHOLDS + COURIERS + STRANGERS + ["BOSS"]


def _ordinary() -> list[tuple[str, str, str, float]]:
    """Everyone pays one to seven households monthly; two one-offs by each household."""
    return monthly_and_one_offs(HOUSEHOLDS + COURIERS + STRANGERS + ["BOSS"], HOUSEHOLDS,
                                seed=5)


def _fan_out_and_strays() -> list[tuple[str, str, str, float]]:
    fan = [("BOSS", c, f"{4000 + 130 * i}.00", 200.0 + 0.5 * i) for i, c in enumerate(COURIERS)]
    strays = [("S1", "BOSS", "2600.00", 40.0), ("S2", "BOSS", "1900.00", 95.0)]
    return fan + strays


@pytest.fixture(scope="module")
def boss(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("money_fan_sides")
    write_case(root / "files", _ordinary() + _fan_out_and_strays(),
               {a: f"P{a}" for a in EVERYONE})
    ingest(root / "c.duckdb", root / "files")
    with Store(root / "c.duckdb", read_only=True) as store:
        return find_patterns(store)


def test_fan_out_reported_without_the_strangers(boss):
    at_boss = [p for p in boss["patterns"] if "BOSS" in p["accounts"]]
    assert at_boss, "the fan-out is not reported"
    first = at_boss[0]
    assert (first["kind"], set(first["accounts"])) == ("fan-out", {"BOSS", *COURIERS}), [
        (p["kind"], p["accounts"], p["score"]) for p in at_boss]
    assert not any(p["kind"] == "gather-scatter" for p in at_boss)
    assert "min_fan" in boss["params"] and "gather_scatter_rule" in boss["params"]


def _one_hub(n_in: int, n_out: int) -> list[Candidate]:
    """Candidates of a hub (node 0) with ``n_in`` one-offs in and ``n_out`` out."""
    a = list(range(1, n_in + 1)) + [0] * n_out
    b = [0] * n_in + list(range(n_in + 1, n_in + n_out + 1))
    edges = pd.DataFrame({"a": a, "b": b, "ts": [float(i) for i in range(len(a))]})
    none = pd.DataFrame({"src": [], "dst": [], "x1": [], "x2": []})
    return candidates(edges, n_in + n_out + 1, none, none)


def test_a_gather_scatter_needs_a_fan_on_each_side():
    assert sorted(c.kind for c in _one_hub(2, 6)) == ["fan-out"]
    assert sorted(c.kind for c in _one_hub(MIN_FAN, 6)) == ["fan-in", "fan-out",
                                                           "gather-scatter"]


NULL = Null(n=5000, m=5000, in_mean=1.0, in_var=1.05, out_mean=1.0, out_var=1.05,
            mu2=2e-4, cyc=1.0, rho=2e-4, sigma=0.8, period=3.15e7, floor=3600.0,
            alpha=1.0, beta=1.0)
NO_EDGES = (None, None)


def _structure(kind: str, sources: int, targets: int) -> float:
    shape = {"fan-in": {"sources": sources}, "fan-out": {"targets": targets},
             "gather-scatter": {"sources": sources, "targets": targets}}[kind]
    size = {"fan-in": sources, "fan-out": targets, "gather-scatter": sources + targets}[kind]
    return structure(Candidate(kind, list(range(size)), {}, shape=shape), NULL, NO_EDGES)


def test_a_side_chance_gives_adds_no_second_shape():
    fan = _structure("fan-in", 8, 0)
    stray = NULL.fan(3, "out")  # three one-offs out: about one account in twelve has them
    assert 10 ** stray > 0.05
    gs = _structure("gather-scatter", 8, 3)
    # before: fan + (-log10 p) = fan + 1.1, so any fan hub with three ordinary payments out
    # outranked its own fan; now the side is evidence on the hub, worth an e-value
    assert gs - fan == pytest.approx(evidence(10 ** stray))
    assert gs - fan < 0.3
    # both sides past chance: still far above either fan alone
    assert _structure("gather-scatter", 8, 8) - fan > 2.5


def test_gather_scatter_structure_is_symmetric_and_monotone():
    log_n = math.log10(NULL.n)
    assert gather_scatter_structure(-5.0, -1.2, log_n) == gather_scatter_structure(
        -1.2, -5.0, log_n)
    tails = [-0.5, -1.0, -2.0, -4.0]
    values = [gather_scatter_structure(-5.0, t, log_n) for t in tails]
    assert values == sorted(values)
