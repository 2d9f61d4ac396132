"""Money moved on after it arrived, with a stray transfer: known answers on a small case.

A gather-scatter hub is paid by four accounts over three months and pays four others in the
following four months; it also pays one stranger once, early (day 40, before the last
payment in, after the second). Before, one out before the last in made the order no evidence at all
(``moved_on_p`` 1.0); the order test now counts the (in, out) pairs in order (Mann-Whitney),
so one stray costs little. Money going out before it came in is still no evidence.
"""

from __future__ import annotations

import pytest

from tests.test_money import ingest, ordinary_transfers, write_case
from workbench.money import find_patterns
from workbench.money.stats import order_sf
from workbench.store import Store

HOUSEHOLDS = [f"H{i:02d}" for i in range(40)]
SOURCES = ["GA1", "GA2", "GA3", "GA4"]
TARGETS = ["GB1", "GB2", "GB3", "GB4"]


def _gather_scatter(reverse: bool = False) -> list[tuple[str, str, str, float]]:
    ins = [(s, "GSH", f"{7000 + 900 * i}.00", 10.0 + 30 * i) for i, s in enumerate(SOURCES)]
    outs = [("GSH", d, f"{5200 + 700 * i}.00", 130.0 + 40 * i) for i, d in enumerate(TARGETS)]
    if reverse:  # the same transfers, the outs first
        ins = [(a, b, x, t + 250) for a, b, x, t in ins]
        outs = [(a, b, x, t - 125) for a, b, x, t in outs]
    return ins + outs + [("GSH", "STRANGER", "640.00", 45.0)]


def _case(root, reverse: bool = False) -> dict:
    everyone = HOUSEHOLDS + SOURCES + TARGETS + ["GSH", "STRANGER"]
    write_case(root / "files", ordinary_transfers(everyone, HOUSEHOLDS) + _gather_scatter(reverse),
               {a: f"P{a}" for a in everyone})
    ingest(root / "c.duckdb", root / "files")
    with Store(root / "c.duckdb", read_only=True) as store:
        return find_patterns(store)


def _gs(result: dict) -> dict:
    return next(p for p in result["patterns"] if p["kind"] == "gather-scatter"
                and p["evidence"]["roles"]["hub"] == ["GSH"])


@pytest.fixture(scope="module")
def in_order(tmp_path_factory) -> dict:
    return _case(tmp_path_factory.mktemp("money_order"))


def test_order_tail_known_answers():
    assert order_sf(4, 5, 20) == pytest.approx(1 / 126)  # all in order: 1 / C(9, 4)
    # U >= 18: two pairs short at most; 4 arrangements (partitions of 0, 1, 2)
    assert order_sf(4, 5, 18) == pytest.approx(4 / 126)
    assert order_sf(3, 4, 0) == 1.0


def test_a_stray_out_costs_little(in_order):
    gs = _gs(in_order)
    assert set(gs["evidence"]["roles"]["targets"]) == set(TARGETS) | {"STRANGER"}
    # 18 of the 20 (in, out) pairs in order: 4 of C(9, 4) = 126 arrangements do as well
    assert gs["evidence"]["tests"]["moved_on_p"] == pytest.approx(4 / 126, rel=1e-3)


def test_money_out_before_in_is_no_evidence(tmp_path, in_order):
    gs = _gs(_case(tmp_path, reverse=True))
    assert gs["evidence"]["tests"]["moved_on_p"] > 0.9
    assert gs["score"] < _gs(in_order)["score"]
