"""Both sides of a gather-scatter are fans: known answers on a small hand-built case.

An organizer pays eight couriers once each over the year (a slow fan-out); two strangers
also happened to pay the organizer once each. Before, a gather-scatter needed only two
payments in, so the two strangers joined the fan as its "gather" (a rarer shape by its
extra side) and the pattern held ten accounts besides the organizer. Two payments into one
account are no fan (``MIN_FAN``), so they are no gather either.
"""

from __future__ import annotations

import pytest

from tests.test_money import ingest, ordinary_transfers, write_case
from workbench.money import find_patterns
from workbench.money.shapes import MIN_FAN
from workbench.store import Store

HOUSEHOLDS = [f"H{i:02d}" for i in range(40)]
COURIERS = [f"CO{i}" for i in range(8)]
STRANGERS = ["ST1", "ST2"]


def _transfers() -> list[tuple[str, str, str, float]]:
    fan = [("ORG", c, f"{2500 + 800 * i}.00", 15.0 + 42 * i) for i, c in enumerate(COURIERS)]
    return fan + [("ST1", "ORG", "1200.00", 100.0), ("ST2", "ORG", "5300.00", 260.0)]


@pytest.fixture(scope="module")
def fan_case(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("money_fans")
    everyone = HOUSEHOLDS + COURIERS + STRANGERS + ["ORG"]
    write_case(root / "files", ordinary_transfers(everyone, HOUSEHOLDS) + _transfers(),
               {a: f"P{a}" for a in everyone})
    ingest(root / "c.duckdb", root / "files")
    with Store(root / "c.duckdb", read_only=True) as store:
        return find_patterns(store)


def test_two_payments_in_are_no_gather(fan_case):
    at_org = [p for p in fan_case["patterns"] if "ORG" in p["accounts"]]
    assert [(p["kind"], set(p["accounts"])) for p in at_org] == [
        ("fan-out", {"ORG", *COURIERS})]
    assert len(STRANGERS) < MIN_FAN
