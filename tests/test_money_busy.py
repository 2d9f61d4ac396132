"""A busy private account is no service: known answers on a small hand-built case.

Sixty households pay and are paid by a few others each month (one to seven each way), and
each pays two strangers once.
``BUSY`` deals with more of them than anyone (11 payers, 13 payees, month after month), so
past the case's counterparts fence, but in neither direction past that direction's own fence
(a shop is paid by hundreds, an employer pays hundreds). It is also the hub of a slow
gather-scatter: four one-off payments in, then four out. Before, an account past the
counterparts fence was a service whose business was its larger direction (here: paying),
and a service is never a hub its business way, so the gather-scatter was lost.
"""

from __future__ import annotations

import random

import pytest

from tests.test_money import ingest, write_case
from workbench.money import find_patterns
from workbench.store import Store

HOUSEHOLDS = [f"H{i:02d}" for i in range(60)]
SOURCES = ["GA1", "GA2", "GA3", "GA4"]
TARGETS = ["GB1", "GB2", "GB3", "GB4"]
EVERYONE = HOUSEHOLDS + SOURCES + TARGETS + ["BUSY"]


def _ordinary(seed: int = 11) -> list[tuple[str, str, str, float]]:
    """Monthly payments: each account to 1-7 others, ``BUSY`` to 13 and from 11; and two
    one-off payments by each household to strangers (so a third of pairs are one-offs)."""
    rng = random.Random(seed)
    pairs = set()
    for k, a in enumerate(HOUSEHOLDS + SOURCES + TARGETS):
        for b in rng.sample([h for h in HOUSEHOLDS if h != a], 1 + k % 7):
            pairs.add((a, b))
    pairs |= {("BUSY", h) for h in HOUSEHOLDS[:13]} | {(h, "BUSY") for h in HOUSEHOLDS[20:31]}
    monthly = [(a, b, f"{rng.choice([200, 500, 800])}.00", 30 * m + rng.random() * 20)
               for a, b in sorted(pairs) for m in range(12)]
    once = []
    for a in HOUSEHOLDS:
        for b in rng.sample([h for h in HOUSEHOLDS if h != a and (a, h) not in pairs
                             and (h, a) not in pairs], 2):
            once.append((a, b, f"{rng.uniform(100, 3000):.2f}", rng.uniform(0, 350)))
    return monthly + once


def _gather_scatter() -> list[tuple[str, str, str, float]]:
    ins = [(s, "BUSY", f"{9000 + 700 * i}.00", 15.0 + 25 * i) for i, s in enumerate(SOURCES)]
    outs = [("BUSY", d, f"{7000 + 900 * i}.00", 140.0 + 30 * i) for i, d in enumerate(TARGETS)]
    return ins + outs


@pytest.fixture(scope="module")
def busy(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("money_busy")
    write_case(root / "files", _ordinary() + _gather_scatter(), {a: f"P{a}" for a in EVERYONE})
    ingest(root / "c.duckdb", root / "files")
    with Store(root / "c.duckdb", read_only=True) as store:
        return find_patterns(store)


def test_fences(busy):
    params = busy["params"]
    assert 11 + 4 + 13 + 4 > params["service_counterparts_fence"]
    assert 11 + 4 <= params["service_payers_fence"]
    assert 13 + 4 <= params["service_payees_fence"]
    assert "BUSY" not in params["services"]


def test_gather_scatter_at_a_busy_private_account(busy):
    gs = [p for p in busy["patterns"] if set(p["accounts"]) == {"BUSY", *SOURCES, *TARGETS}]
    assert [p["kind"] for p in gs] == ["gather-scatter"], [
        (p["kind"], p["accounts"]) for p in busy["patterns"]]
